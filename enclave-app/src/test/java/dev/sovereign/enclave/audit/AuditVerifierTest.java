package dev.sovereign.enclave.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.protocol.Codec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit file format and its offline check: a signed log verifies; an edited, dropped or
 * reordered line, a forged head signature, a head that names another chain and an unsigned tail are
 * each refused with their own code. Tampers that re-chain every later line show why heads are
 * signed.
 */
class AuditVerifierTest {
  private static final EnclaveIdentity ENCLAVE = EnclaveIdentity.generate(new SecureRandom());
  private static final String POLICY = "11".repeat(32);
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

  private static final java.util.Set<String> PINNED = java.util.Set.of(ENCLAVE.did());

  @TempDir Path dir;
  private List<String> log;

  @BeforeEach
  void writeASignedLog() throws Exception {
    AuditChain chain = AuditChain.open(dir.resolve("audit.jsonl"), CLOCK);
    chain.append("round-opened", Map.of("round", "r1", "dataset", "loyalty-points"));
    chain.append("submission", Map.of("round", "r1", "payloadId", "p1", "outcome", "accepted"));
    signHead(chain);
    chain.append(
        "submission",
        Map.of("round", "r1", "payloadId", "p2", "outcome", "rejected", "reason", "replay"));
    chain.append("round-closed", Map.of("round", "r1"));
    signHead(chain);
    log = AuditVerifier.lines(Files.readAllBytes(chain.file()));
  }

  private static void signHead(AuditChain chain) throws Exception {
    long seq = chain.seq();
    String head = chain.head();
    chain.append(
        AuditChain.HEAD_SIGNED,
        Map.of(
            "covers",
            seq,
            "head",
            head,
            "jws",
            AuditHeadToken.sign(ENCLAVE, POLICY, seq, head, CLOCK.instant())));
  }

  @Test
  void aSignedLogVerifiesAndReopensAtItsHead() throws Exception {
    AuditVerifier.VerifiedLog v = AuditVerifier.verify(log, PINNED);
    assertEquals(6, v.entries());
    assertEquals(2, v.signedHeads().size());
    assertEquals(java.util.Set.of(ENCLAVE.did()), v.enclaveDids());
    assertEquals(POLICY, v.signedHeads().get(1).policySha256());
    AuditChain again = AuditChain.open(dir.resolve("audit.jsonl"), CLOCK);
    assertEquals(6, again.seq());
    assertEquals(v.head(), again.head());
  }

  @Test
  void anEditedLineBreaksTheChain() {
    List<String> t = new ArrayList<>(log);
    t.set(1, t.get(1).replace("accepted", "rejected"));
    assertRejected("audit-chain-broken", 3, t);
  }

  @Test
  void aDroppedLineBreaksTheChain() {
    List<String> t = new ArrayList<>(log);
    t.remove(3);
    assertRejected("audit-chain-broken", 4, t);
  }

  @Test
  void reorderedLinesBreakTheChain() {
    List<String> t = new ArrayList<>(log);
    t.set(3, log.get(4));
    t.set(4, log.get(3));
    assertRejected("audit-chain-broken", 4, t);
  }

  @Test
  void aNonCanonicalLineBreaksTheChain() {
    List<String> t = new ArrayList<>(log);
    t.set(5, " " + t.get(5));
    assertRejected("audit-chain-broken", 6, t);
  }

  @Test
  void aForgedHeadSignatureIsRefusedEvenWhenTheChainIsRebuilt() throws Exception {
    List<String> t = new ArrayList<>(log);
    ObjectNode head = (ObjectNode) Codec.json().readTree(t.get(5));
    String[] jws = head.path("fields").path("jws").asText().split("\\.");
    byte[] sig = Base64.getUrlDecoder().decode(jws[2]);
    sig[10] ^= 1;
    ((ObjectNode) head.get("fields"))
        .put(
            "jws",
            jws[0]
                + "."
                + jws[1]
                + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
    t.set(5, canonical(head));
    assertRejected("audit-head-signature-invalid", 6, t);
  }

  @Test
  void aHeadSignedByAnotherKeyUnderThisDidIsRefused() throws Exception {
    EnclaveIdentity other = EnclaveIdentity.generate(new SecureRandom());
    List<String> t = new ArrayList<>(log);
    ObjectNode head = (ObjectNode) Codec.json().readTree(t.get(5));
    String forged =
        AuditHeadToken.sign(
            other, POLICY, 5, head.path("fields").path("head").asText(), CLOCK.instant());
    String[] parts = forged.split("\\.");
    String[] real = head.path("fields").path("jws").asText().split("\\.");
    ((ObjectNode) head.get("fields")).put("jws", real[0] + "." + real[1] + "." + parts[2]);
    t.set(5, canonical(head));
    assertRejected("audit-head-signature-invalid", 6, t);
  }

  @Test
  void anEditedLineWithTheWholeChainRebuiltNoLongerMatchesItsSignedHead() throws Exception {
    List<String> t = new ArrayList<>(log);
    t.set(1, t.get(1).replace("accepted", "rejected"));
    assertRejected("audit-head-mismatch", 3, rechain(t, 1));
  }

  @Test
  void entriesAfterTheLastSignedHeadAreAnUnsignedTail() throws Exception {
    List<String> t = new ArrayList<>(log);
    JsonNode last = Codec.json().readTree(t.get(5));
    t.add(
        new String(
            AuditChain.line(
                7,
                CLOCK.instant().toString(),
                "round-opened",
                Codec.json().valueToTree(Map.of("round", "r2")),
                AuditChain.sha256Hex(t.get(5).getBytes(StandardCharsets.UTF_8))),
            StandardCharsets.UTF_8));
    assertEquals(6, last.path("seq").asLong());
    assertRejected("audit-unsigned-tail", 7, t);
  }

  @Test
  void reopeningAfterACrashMidAppendCutsTheIncompleteLineAndChainsOn() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    byte[] complete = Files.readAllBytes(file);
    Files.write(
        file,
        "{\"fields\":{\"rou".getBytes(StandardCharsets.UTF_8),
        java.nio.file.StandardOpenOption.APPEND);
    AuditChain reopened = AuditChain.open(file, CLOCK);
    assertEquals(15, reopened.droppedTailBytes());
    assertEquals(6, reopened.seq());
    org.junit.jupiter.api.Assertions.assertArrayEquals(complete, Files.readAllBytes(file));
    reopened.append("round-opened", Map.of("round", "r2"));
    assertEquals(7, AuditVerifier.chain(AuditVerifier.lines(Files.readAllBytes(file))).entries());
  }

  @Test
  void anEmptyLogIsRejectedNotValid() throws Exception {
    assertRejected("audit-log-empty", 0, AuditVerifier.lines(new byte[0]));
  }

  @Test
  void aLogCutInsideItsSignedPartEndsInAnUnsignedTail() {
    // lines 1..4: the first head (line 3) covers 1..2; the entry at 4 is covered by nothing
    assertRejected("audit-unsigned-tail", 4, new ArrayList<>(log.subList(0, 4)));
  }

  @Test
  void headsSignedByAnUnpinnedDidAreRejectedAndAPinIsRequired() {
    AuditRejectedException e =
        assertThrows(
            AuditRejectedException.class,
            () ->
                AuditVerifier.verify(
                    log, java.util.Set.of(EnclaveIdentity.generate(new SecureRandom()).did())));
    assertEquals("audit-head-wrong-enclave", e.code());
    assertEquals(3, e.line());
    assertThrows(
        IllegalArgumentException.class, () -> AuditVerifier.verify(log, java.util.Set.of()));
  }

  @Test
  void aFragmentExtendsOnlyFromTheHeadItFollows() throws Exception {
    String third = AuditChain.sha256Hex(log.get(2).getBytes(StandardCharsets.UTF_8));
    String sixth = AuditChain.sha256Hex(log.get(5).getBytes(StandardCharsets.UTF_8));
    assertEquals(sixth, AuditVerifier.extend(3, third, log.subList(3, 6)));
    assertEquals(sixth, AuditVerifier.extend(3, null, log.subList(3, 6)));
    assertEquals(
        "audit-chain-broken",
        assertThrows(
                AuditRejectedException.class,
                () -> AuditVerifier.extend(3, "00".repeat(32), log.subList(3, 6)))
            .code());
    assertEquals(
        "audit-chain-broken",
        assertThrows(
                AuditRejectedException.class,
                () -> AuditVerifier.extend(2, third, log.subList(3, 6)))
            .code());
  }

  @Test
  void anIncompleteLastLineIsAChainBreak() {
    AuditRejectedException e =
        assertThrows(
            AuditRejectedException.class,
            () -> AuditVerifier.lines("{\"a\":1}\n{\"b\"".getBytes(StandardCharsets.UTF_8)));
    assertEquals("audit-chain-broken", e.code());
  }

  private static void assertRejected(String code, long line, List<String> lines) {
    AuditRejectedException e =
        assertThrows(AuditRejectedException.class, () -> AuditVerifier.verify(lines, PINNED));
    assertEquals(code, e.code(), e.getMessage());
    assertEquals(line, e.line(), e.getMessage());
  }

  /**
   * Recomputes every {@code prev} from line {@code from} (0-based) on, as a tamperer with write
   * access would.
   */
  private static List<String> rechain(List<String> lines, int from) throws Exception {
    List<String> out = new ArrayList<>(lines);
    for (int i = Math.max(1, from + 1); i < out.size(); i++) {
      ObjectNode n = (ObjectNode) Codec.json().readTree(out.get(i));
      n.put("prev", AuditChain.sha256Hex(out.get(i - 1).getBytes(StandardCharsets.UTF_8)));
      out.set(i, canonical(n));
    }
    return out;
  }

  private static String canonical(JsonNode n) {
    return new String(dev.sovereign.crypto.Jcs.canonicalize(n), StandardCharsets.UTF_8);
  }
}
