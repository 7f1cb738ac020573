package dev.sovereign.enclave.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sovereign.crypto.audit.HashChain;
import dev.sovereign.enclave.protocol.Codec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditChainPlainLineTest {
  private static final String PREV = HashChain.sha256Hex("x".getBytes(StandardCharsets.UTF_8));
  private static final String TIME = "2026-12-07T18:30:01.123456Z";

  private static byte[] generic(long seq, String kind, Map<String, ?> fields) {
    return AuditChain.line(seq, TIME, kind, Codec.json().valueToTree(fields), PREV);
  }

  @Test
  void aFlatEntryIsWrittenByteForByteAsTheCanonicalizerWritesIt() {
    Random r = new Random(7);
    String chars = "abcXYZ019-_.:/ {}[],;=+*?!#$%&'()<>@^`|~";
    for (int i = 0; i < 500; i++) {
      Map<String, Object> f = new HashMap<>();
      for (int k = r.nextInt(7); k > 0; k--) {
        StringBuilder name = new StringBuilder();
        StringBuilder value = new StringBuilder();
        for (int c = 1 + r.nextInt(12); c > 0; c--) {
          name.append(chars.charAt(r.nextInt(chars.length())));
          value.append(chars.charAt(r.nextInt(chars.length())));
        }
        Object v =
            switch (r.nextInt(4)) {
              case 0 -> value.toString();
              case 1 -> r.nextInt();
              case 2 -> (r.nextLong() >> 11) >> r.nextInt(53);
              default -> (1L << 53) - r.nextInt(3);
            };
        f.put(name.toString(), v);
      }
      long seq = 1 + (r.nextLong() >>> (11 + r.nextInt(53)));
      byte[] plain = AuditChain.plainLine(seq, TIME, "submission", f, PREV);
      assertNotNull(plain, () -> "no plain line for " + f);
      assertArrayEquals(generic(seq, "submission", f), plain, () -> "entry " + f);
    }
  }

  @Test
  void theHostsVerdictLinesTakeThePlainPath() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("round", "r-2026.12");
    f.put("payloadId", "ab".repeat(32));
    f.put("outcome", "rejected");
    f.put("reason", "credential-revoked");
    byte[] plain = AuditChain.plainLine(42, TIME, "submission", f, PREV);
    assertArrayEquals(generic(42, "submission", f), plain);
    assertEquals(
        "{\"fields\":{\"outcome\":\"rejected\",\"payloadId\":\""
            + "ab".repeat(32)
            + "\",\"reason\":\"credential-revoked\",\"round\":\"r-2026.12\"},\"kind\":\"submission\","
            + "\"prev\":\""
            + PREV
            + "\",\"seq\":42,\"time\":\""
            + TIME
            + "\"}",
        new String(plain, StandardCharsets.US_ASCII));
  }

  @Test
  void anythingTheCanonicalizerEscapesOrFormatsGoesTheGenericWay() {
    List<Map<String, ?>> other = new ArrayList<>();
    other.add(Map.of("quote", "a\"b"));
    other.add(Map.of("backslash", "a\\b"));
    other.add(Map.of("newline", "a\nb"));
    other.add(Map.of("control", "a\u0001b"));
    other.add(Map.of("del", "a\u007fb"));
    other.add(Map.of("accent", "caf\u00e9"));
    other.add(Map.of("caf\u00e9", "key not ASCII"));
    other.add(Map.of("big", 1L << 60));
    other.add(Map.of("min", Long.MIN_VALUE));
    other.add(Map.of("double", 1.5));
    other.add(Map.of("flag", true));
    other.add(Map.of("nested", Map.of("a", "b")));
    other.add(Map.of("list", List.of(1, 2)));
    Map<String, Object> nullValue = new HashMap<>();
    nullValue.put("n", null);
    other.add(nullValue);
    for (Map<String, ?> f : other) {
      assertNull(AuditChain.plainLine(3, TIME, "k", f, PREV), () -> "plain line for " + f);
    }
    assertNull(AuditChain.plainLine(3, TIME, "k\"ind", Map.of(), PREV));
    assertNull(AuditChain.plainLine(1L << 54, TIME, "k", Map.of(), PREV));
  }

  @Test
  void aChainWrittenWithBothPathsVerifiesAndReopens(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("audit.log");
    Clock clock = Clock.fixed(Instant.parse(TIME), ZoneOffset.UTC);
    AuditChain chain = AuditChain.open(file, clock);
    chain.appendAll(
        "submission",
        List.of(
            Map.of("round", "r1", "payloadId", "ab".repeat(32), "outcome", "accepted"),
            Map.of("round", "r1", "note", "caf\u00e9 \"quoted\""),
            Map.of("round", "r1", "count", 12L)));
    chain.append("seal", Map.of("sequence", 3, "sealedSha256", "cd".repeat(32)));
    AuditVerifier.Chain c = AuditVerifier.chain(AuditVerifier.lines(Files.readAllBytes(file)));
    assertEquals(4, c.entries());
    assertEquals(chain.head(), c.head());
    AuditChain again = AuditChain.open(file, clock);
    assertEquals(4, again.seq());
    assertEquals(chain.head(), again.head());
  }
}
