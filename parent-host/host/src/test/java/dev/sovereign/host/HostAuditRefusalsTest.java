package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Refusals at the edge in the audit log: counted per code, written as one entry per code and
 * window, so a flood cannot grow the log by one line per request; no client address; unknown codes
 * ignored.
 */
class HostAuditRefusalsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));

  private HostAudit open() throws Exception {
    // signing every 1000 entries: the flood test must show the refusal entries themselves stay few
    return HostAudit.open(dir.resolve("audit.jsonl"), 1000, new UncheckedSigner(), clock);
  }

  /** Signs every head with a placeholder token (the host does not check what the enclave signs). */
  static final class UncheckedSigner implements HostAudit.Enclave {
    @Override
    public <R extends Message.Response> R call(Message.Request request, Class<R> type) {
      if (request instanceof Message.Health) {
        return type.cast(new Message.HealthStatus("serving", "did:key:z6Mk", "00", 0, null));
      }
      return type.cast(new Message.AuditHeadSigned("not-a-jws"));
    }
  }

  private List<JsonNode> entries(String kind) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("audit.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode n = JSON.readTree(line);
      if (n.get("kind").asText().equals(kind)) {
        out.add(n);
      }
    }
    return out;
  }

  @Test
  void aFloodOfRefusalsBecomesOneEntryPerCodeWithItsCountAndNoClientAddress() throws Exception {
    HostAudit audit = open();
    for (int i = 0; i < 100_000; i++) {
      audit.refused("rate-limited");
    }
    for (int i = 0; i < 3; i++) {
      audit.refused("zone-not-served");
    }
    audit.refused("unknown-round"); // not an edge refusal: not counted
    clock.advance(Duration.ofSeconds(59));
    audit.flushRefusals();

    List<String> lines = Files.readAllLines(dir.resolve("audit.jsonl"));
    assertEquals(2, lines.size(), "100,003 refusals, two lines: " + lines);
    Map<String, Long> counts = new TreeMap<>();
    for (JsonNode e : entries(HostAudit.EDGE_REFUSED)) {
      counts.put(e.at("/fields/code").asText(), e.at("/fields/count").asLong());
      assertEquals("2026-11-27T12:00:00Z", e.at("/fields/from").asText());
      assertEquals("2026-11-27T12:00:59Z", e.at("/fields/until").asText());
      List<String> names = new ArrayList<>();
      e.get("fields").fieldNames().forEachRemaining(names::add);
      assertEquals(
          List.of("code", "count", "from", "until"), names, "code, count and window only: " + e);
    }
    assertEquals(Map.of("rate-limited", 100_000L, "zone-not-served", 3L), counts);
    String text = Files.readString(dir.resolve("audit.jsonl"));
    assertFalse(text.contains("127.0.0.1") || text.contains("unknown-round"), text);
  }

  @Test
  void aNewWindowStartsAfterAFlushAndAnEmptyWindowWritesNothing() throws Exception {
    HostAudit audit = open();
    audit.flushRefusals();
    assertTrue(
        Files.readAllLines(dir.resolve("audit.jsonl")).isEmpty(),
        "nothing refused, nothing written");
    audit.refused("payload-too-large");
    audit.flushRefusals();
    clock.advance(Duration.ofMinutes(5));
    audit.refused("payload-too-large");
    audit.refused("malformed-payload");
    audit.flushRefusals();
    audit.flushRefusals();
    List<JsonNode> e = entries(HostAudit.EDGE_REFUSED);
    assertEquals(3, e.size(), e.toString());
    assertEquals(
        List.of("payload-too-large", "malformed-payload", "payload-too-large"),
        e.stream().map(n -> n.at("/fields/code").asText()).toList());
    assertEquals(
        "2026-11-27T12:05:00Z",
        e.get(2).at("/fields/from").asText(),
        "the second window opens at its first refusal");
  }

  @Test
  void refusalsNotYetWrittenAreInTheExportAndAreWrittenAtShutdown() throws Exception {
    HostAudit audit = open();
    audit.refused("unsupported-media-type");
    String export = new String(audit.export().bytes(), StandardCharsets.UTF_8);
    assertTrue(export.contains("\"code\":\"unsupported-media-type\""), export);
    audit.refused("zone-not-served");
    audit.close();
    assertEquals(
        List.of("unsupported-media-type", "zone-not-served"),
        entries(HostAudit.EDGE_REFUSED).stream().map(n -> n.at("/fields/code").asText()).toList());
    audit.refused("zone-not-served"); // after shutdown: counted, not thrown
  }
}
