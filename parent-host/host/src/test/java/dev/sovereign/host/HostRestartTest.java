package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.MerkleTree;
import dev.sovereign.enclave.protocol.Message;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A host restart with payloads in its inbox, on {@link HostService} directly (two lives over one
 * data directory, each with its own dev enclave process and the embedded key broker): the second
 * life restores the last seal, sends the inbox tail, and the result counts every payload exactly
 * once.
 */
class HostRestartTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DIR = Path.of("target/host-restart").toAbsolutePath();
  private static final String ROUND = "r-restart-1";
  private static final String DATASET = "loyalty-points";

  @Test
  void aHostRestartedWithPayloadsInItsInboxLosesNoneAndCountsNoneTwice() throws Exception {
    Path jar = DevEnclaveDir.freshWithEnclaveJar(DIR);
    JsonNode keys =
        HostEndToEndTest.node(
            "keys",
            JSON.createObjectNode()
                .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU", "US")))
                .set("producers", JSON.valueToTree(List.of("eu1", "eu2", "us1"))));
    Path policy =
        DevEnclaveDir.writePolicy(
            DIR,
            jar,
            DevPolicy.builder("host-restart")
                .minGroupSize(1)
                .functions("sum", "count")
                .privacy(10, 10, 10, false, null)
                .zone("EU", keys.at("/zones/EU/root/did").asText())
                .zone("US", keys.at("/zones/US/root/did").asText()));
    Map<String, String> config = config(jar, policy);

    HostService first = TestHosts.host(config);
    first.onStart(null);
    JsonNode built;
    String did;
    try {
      first.openRound(ROUND, DATASET);
      Message.Attestation att =
          first.call(new Message.Attest("0a0b0c0d"), Message.Attestation.class);
      did = att.enclaveDid();
      built = build(keys, att, ROUND);
      first.supplyStatusLists(
          JSON.convertValue(
              built.get("statusLists"),
              JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class)));
      for (int i = 0; i < 3; i++) {
        first.submit(ROUND, jwe(built, i));
      }
      waitUntilDrained(first);
      assertEquals(3, first.sealNow().coveredPayloads().size());
      first.submit(ROUND, jwe(built, 3)); // answered, but after the seal
      waitUntilDrained(first);
    } finally {
      first.onStop(null);
    }
    // Acknowledged (202) but never forwarded before the host went down: written straight to the
    // inbox.
    try (Inbox inbox = Inbox.open(DIR.resolve("host/inbox"))) {
      inbox.put(ROUND, "EU", jwe(built, 4), Instant.now());
      inbox.put(ROUND, "US", jwe(built, 5), Instant.now());
      inbox.put(ROUND, "EU", jwe(built, 0), Instant.now()); // a producer's retry: idempotent
    }

    HostService second = TestHosts.host(config);
    second.onStart(null);
    try {
      waitUntilDrained(second);
      assertEquals(
          did, second.health().enclaveDid(), "the new enclave carries the sealed identity");
      assertEquals(6L, second.counts(ROUND).get("accepted"));
      JsonNode s =
          JSON.readTree(Base64.getUrlDecoder().decode(second.closeRound(ROUND).split("\\.")[1]))
              .get("credentialSubject");
      assertEquals(6, s.at("/inputs/accepted").asLong());
      assertEquals(0, s.at("/inputs/rejected").asLong(), s.at("/inputs").toString());
      assertEquals(0, s.at("/inputs/unauthenticated").asLong(), s.at("/inputs").toString());
      Map<String, String> sums = Map.of("DE", "150", "FR", "15", "US", "30");
      assertEquals(3, s.get("aggregates").size());
      for (JsonNode cell : s.get("aggregates")) {
        String country = cell.at("/group/country").asText();
        assertEquals(
            0,
            new BigDecimal(sums.get(country)).compareTo(cell.get("sum").decimalValue()),
            cell.toString());
        assertEquals(2, cell.get("count").asLong(), cell.toString());
      }
      List<byte[]> leaves = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        leaves.add(
            MessageDigest.getInstance("SHA-256")
                .digest(jwe(built, i).getBytes(StandardCharsets.US_ASCII)));
      }
      assertEquals(
          HexFormat.of().formatHex(MerkleTree.root(leaves)), s.at("/merkle/root").asText());
      assertTrue(second.inbox().allOf(ROUND).isEmpty());
    } finally {
      second.onStop(null);
    }
  }

  private static String jwe(JsonNode built, int i) {
    return built.get("payloads").get(i).asText();
  }

  /**
   * Six payloads of three producers (EU, EU, US) for {@code round}, built by the node payload tool.
   */
  static JsonNode build(JsonNode keys, Message.Attestation att, String round) {
    ObjectNode spec = JSON.createObjectNode();
    spec.set("keys", keys);
    spec.set(
        "enclave",
        JSON.createObjectNode()
            .<ObjectNode>set("jwk", JSON.valueToTree(att.encryptionKey()))
            .put("kid", att.kid())
            .put("did", att.enclaveDid()));
    spec.put("now", Instant.now().getEpochSecond());
    spec.put("statusBase", "https://authority.example/status");
    spec.set("datasets", JSON.valueToTree(List.of(DATASET)));
    ArrayNode producers = spec.putArray("producers");
    for (String[] p : new String[][] {{"eu1", "EU"}, {"eu2", "EU"}, {"us1", "US"}}) {
      producers
          .addObject()
          .put("name", p[0])
          .put("zone", p[1])
          .put("region", p[1])
          .put("revoked", false)
          .set("datasets", JSON.valueToTree(List.of(DATASET)));
    }
    ArrayNode list = spec.putArray("payloads");
    String[][] rows = {
      {"eu1", "EU", "DE", "100"},
      {"eu2", "EU", "DE", "50"},
      {"us1", "US", "US", "10"},
      {"eu1", "EU", "FR", "7"},
      {"eu2", "EU", "FR", "8"},
      {"us1", "US", "US", "20"}
    };
    for (String[] r : rows) {
      ObjectNode p =
          list.addObject()
              .put("producer", r[0])
              .put("zone", r[1])
              .put("region", r[1])
              .put("dataset", DATASET)
              .put("round", round);
      p.putArray("records")
          .addObject()
          .put("metric", "points")
          .put("value", new BigDecimal(r[3]))
          .set("group", JSON.createObjectNode().put("country", r[2]));
    }
    return HostEndToEndTest.node("build", spec);
  }

  private static void waitUntilDrained(HostService host) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (host.inbox().pendingCount() == 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the inbox did not drain within 60 s");
  }

  private static Map<String, String> config(Path jar, Path policy) {
    return Map.of(
        "sovereign.host.data-dir",
        DIR.resolve("host").toString(),
        "sovereign.host.zones",
        "EU,US",
        "sovereign.host.enclave.jar",
        jar.toString(),
        "sovereign.host.enclave.policy",
        policy.toString(),
        "sovereign.host.enclave.batch",
        "4",
        "sovereign.host.seal.interval",
        "PT1H");
  }
}
