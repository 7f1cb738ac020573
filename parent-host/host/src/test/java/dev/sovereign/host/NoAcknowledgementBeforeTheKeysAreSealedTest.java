package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The seal a host takes when a round opens puts the enclave's keys on its disk before any payload
 * encrypted to them is answered 202 (issue 11's invariant). When that seal failed, the host logged
 * it, answered 202 anyway, and a kill before the next seal left a successor that restored nothing:
 * every one of those payloads came out {@code jwe-kid-mismatch}, only as {@code unauthenticated}.
 * Now the host answers 503 {@code keys-not-sealed} (with {@code Retry-After}) while the enclave's
 * current keys are in no seal it holds, tries the seal again by itself, and acknowledges once it
 * succeeded.
 *
 * <p>The seal fails where it is stored: the host's seal directory is replaced by a plain file
 * (every store fails, even for root), as in {@link SealLostOnTheWayToTheHostTest}. The kill is
 * {@link HostService#haltForTesting} (the forwarder stopped, the dev enclave child SIGKILLed, the
 * stores let go), and a second host starts on the same data directory.
 */
class NoAcknowledgementBeforeTheKeysAreSealedTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "r-keys";
  private static final String DATASET = "loyalty-points";

  @Test
  void aSealThatFailsWhenTheRoundOpensTurnsPayloadsAwayUntilItSucceedsAndAKillThenLosesNothing()
      throws Exception {
    Path dir = Path.of("target/keys-not-sealed").toAbsolutePath();
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    JsonNode keys =
        HostEndToEndTest.node(
            "keys",
            JSON.createObjectNode()
                .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU", "US")))
                .set("producers", JSON.valueToTree(List.of("eu1", "eu2", "us1"))));
    Path policy =
        DevEnclaveDir.writePolicy(
            dir,
            jar,
            DevPolicy.builder("keys-not-sealed")
                .minGroupSize(1)
                .functions("sum", "count")
                .zone("EU", keys.at("/zones/EU/root/did").asText())
                .zone("US", keys.at("/zones/US/root/did").asText()));
    Map<String, String> config =
        Map.of(
            "sovereign.host.data-dir",
            dir.resolve("host").toString(),
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
    Path seals = dir.resolve("host/seals");
    Path aside = dir.resolve("host/seals-aside");
    HostService first = TestHosts.host(config);
    first.onStart(null);
    JsonNode built;
    try {
      assertTrue(first.sealing(), "the embedded key broker runs");
      Files.move(seals, aside);
      Files.writeString(seals, "not a directory");
      first.openRound(ROUND, DATASET); // answered; its seal could not be stored
      Message.Attestation att =
          first.call(new Message.Attest("0a0b0c0d"), Message.Attestation.class);
      built = HostRestartTest.build(keys, att, ROUND);
      first.supplyStatusLists(
          JSON.convertValue(
              built.get("statusLists"),
              JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class)));

      for (int i = 0; i < 3; i++) {
        String jwe = jwe(built, 0);
        Problem p = assertThrows(Problem.class, () -> first.submit(ROUND, jwe), "no 202");
        assertEquals(503, p.status());
        assertEquals("keys-not-sealed", p.code());
        assertTrue(
            Integer.parseInt(p.toResponse().getHeaderString("Retry-After")) > 0, "Retry-After");
        Thread.sleep(300); // the host keeps trying to seal meanwhile, and keeps failing
      }
      assertEquals(Map.of(), first.counts(ROUND), "nothing was stored");

      Files.delete(seals);
      Files.move(aside, seals);
      // the host's next try stores the seal; from then on payloads are acknowledged
      submitOnceTheKeysAreSealed(first, jwe(built, 0));
      for (int i = 1; i < 4; i++) {
        first.submit(ROUND, jwe(built, i));
      }
      RoundLifecycleTest.waitUntilDrained(first);
      first.haltForTesting(); // killed before any scheduled seal (interval PT1H)
    } catch (Throwable t) {
      first.onStop(null);
      throw t;
    }

    HostService second = TestHosts.host(config);
    second.onStart(null);
    try {
      second.submit(ROUND, jwe(built, 4));
      second.submit(ROUND, jwe(built, 5));
      RoundLifecycleTest.waitUntilDrained(second);
      JsonNode s =
          JSON.readTree(Base64.getUrlDecoder().decode(second.closeRound(ROUND).split("\\.")[1]))
              .get("credentialSubject");
      assertEquals(6, s.at("/inputs/accepted").asLong(), s.at("/inputs").toString());
      assertEquals(0, s.at("/inputs/rejected").asLong(), s.at("/inputs").toString());
      assertEquals(0, s.at("/inputs/unauthenticated").asLong(), s.at("/inputs").toString());
      String audit = new String(second.exportAudit().bytes(), StandardCharsets.UTF_8);
      // stored by the host's retry (keys-unsealed) or by its seal check, which finds the enclave's
      // seal whose blob the broken store could not keep (unrequested), whichever came first
      assertTrue(
          audit.contains("\"trigger\":\"keys-unsealed\"")
              || audit.contains("\"trigger\":\"unrequested\""),
          "the host sealed the keys by itself: " + audit);
      assertFalse(audit.contains("\"restore-refused\""), "recovery restored a seal: " + audit);
    } finally {
      second.onStop(null);
    }
  }

  /**
   * The enclave's seal itself fails at the round's open (the key broker cannot write its audit log,
   * so it refuses every key release): the enclave holds no newer seal for the host's seal check to
   * find, and only the host's own retry ({@code trigger: keys-unsealed}) lets payloads in.
   */
  @Test
  void aKeyBrokerThatFailsWhenTheRoundOpensIsRetriedByTheHostUntilTheKeysAreSealed()
      throws Exception {
    Path dir = Path.of("target/keys-not-sealed-broker").toAbsolutePath();
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    JsonNode keys =
        HostEndToEndTest.node(
            "keys",
            JSON.createObjectNode()
                .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU", "US")))
                .set("producers", JSON.valueToTree(List.of("eu1", "eu2", "us1"))));
    Path policy =
        DevEnclaveDir.writePolicy(
            dir,
            jar,
            DevPolicy.builder("keys-not-sealed-broker")
                .minGroupSize(1)
                .functions("sum", "count")
                .zone("EU", keys.at("/zones/EU/root/did").asText())
                .zone("US", keys.at("/zones/US/root/did").asText()));
    HostService host =
        TestHosts.host(
            Map.of(
                "sovereign.host.data-dir",
                dir.resolve("host").toString(),
                "sovereign.host.zones",
                "EU,US",
                "sovereign.host.enclave.jar",
                jar.toString(),
                "sovereign.host.enclave.policy",
                policy.toString(),
                "sovereign.host.seal.interval",
                "PT1H"));
    host.onStart(null);
    try {
      assertTrue(host.sealing(), "the embedded key broker runs");
      Path brokerAudit = dir.resolve("host/key-broker/audit.log");
      Path aside = dir.resolve("host/key-broker-audit-aside");
      Files.move(brokerAudit, aside);
      Files.createDirectory(brokerAudit); // the broker's appends fail: it releases no key
      host.openRound(ROUND, DATASET);
      String jwe =
          jwe(
              HostRestartTest.build(
                  keys, host.call(new Message.Attest("0a0b"), Message.Attestation.class), ROUND),
              0);
      Problem p = assertThrows(Problem.class, () -> host.submit(ROUND, jwe), "no 202");
      assertEquals("keys-not-sealed", p.code());
      Thread.sleep(1000); // retries meanwhile, each refused by the enclave (broker down)
      String before = new String(host.exportAudit().bytes(), StandardCharsets.UTF_8);
      assertTrue(before.contains("\"seal-refused\""), "the enclave refused to seal");
      assertFalse(before.contains("\"seal-unrequested\""), "the enclave holds no other seal");
      Files.delete(brokerAudit);
      Files.move(aside, brokerAudit);
      submitOnceTheKeysAreSealed(host, jwe);
      String after = new String(host.exportAudit().bytes(), StandardCharsets.UTF_8);
      assertTrue(after.contains("\"trigger\":\"keys-unsealed\""), "the host's retry sealed");
    } finally {
      host.onStop(null);
    }
  }

  private static void submitOnceTheKeysAreSealed(HostService host, String jwe) throws Exception {
    for (int i = 0; i < 600; i++) {
      try {
        host.submit(ROUND, jwe);
        return;
      } catch (Problem p) {
        assertEquals("keys-not-sealed", p.code(), p.getMessage());
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the keys were not sealed within 60 s of the store's repair");
  }

  private static String jwe(JsonNode built, int i) {
    return built.get("payloads").get(i).asText();
  }
}
