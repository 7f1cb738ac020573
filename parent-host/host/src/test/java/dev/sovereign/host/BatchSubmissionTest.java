package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Batches against the real dev enclave and its embedded key broker: what a batch answers stored is
 * counted in the round's signed result (through a host kill and restart too), a bad item never
 * keeps the others out, and a request-level refusal stores nothing. The kill is {@link
 * HostService#haltForTesting} and a second host starts on the same data directory, as in {@link
 * NoAcknowledgementBeforeTheKeysAreSealedTest}.
 */
class BatchSubmissionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "r-batch";
  private static final String DATASET = "loyalty-points";

  private record World(Map<String, String> config, JsonNode keys) {}

  private static World world(String name) throws Exception {
    Path dir = Path.of("target/" + name).toAbsolutePath();
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
            DevPolicy.builder(name)
                .minGroupSize(1)
                .functions("sum", "count")
                .zone("EU", keys.at("/zones/EU/root/did").asText())
                .zone("US", keys.at("/zones/US/root/did").asText()));
    return new World(
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
            "PT1H"),
        keys);
  }

  /** Opens the round and builds its six valid payloads (EU, EU, US, EU, EU, US). */
  private static List<String> openAndBuild(HostService host, JsonNode keys) {
    Message.Attestation att = host.call(new Message.Attest("0a0b0c0d"), Message.Attestation.class);
    JsonNode built = HostRestartTest.build(keys, att, ROUND);
    host.supplyStatusLists(
        JSON.convertValue(
            built.get("statusLists"),
            JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class)));
    host.openRound(ROUND, DATASET);
    List<String> out = new ArrayList<>();
    built.get("payloads").forEach(p -> out.add(p.asText()));
    return out;
  }

  private static List<String> statuses(List<HostService.BatchOutcome> outcomes) {
    return outcomes.stream()
        .map(o -> o.acknowledged() ? o.status() : o.status() + ":" + o.code())
        .toList();
  }

  private static JsonNode inputs(String credential) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(credential.split("\\.")[1]))
        .at("/credentialSubject/inputs");
  }

  @Test
  void aBatchWithOneMalformedPayloadStoresTheOthersAndTheEnclaveCountsThem() throws Exception {
    World w = world("batch-malformed");
    HostService host = TestHosts.host(w.config());
    host.onStart(null);
    try {
      List<String> p = openAndBuild(host, w.keys());
      String broken = p.get(3).substring(0, p.get(3).lastIndexOf('.')); // four parts
      List<HostService.BatchOutcome> first =
          host.submitBatch(
              ROUND, java.util.Arrays.asList(p.get(0), broken, p.get(1), null, p.get(2)));
      assertEquals(
          List.of(
              "stored",
              "refused:malformed-payload",
              "stored",
              "refused:malformed-payload",
              "stored"),
          statuses(first));
      assertEquals(Inbox.payloadId(p.get(0)), first.get(0).payloadId());
      // duplicates within one batch and items stored before: already-stored, counted once
      List<HostService.BatchOutcome> second =
          host.submitBatch(ROUND, List.of(p.get(4), p.get(4), p.get(0), p.get(5)));
      assertEquals(
          List.of("stored", "already-stored", "already-stored", "stored"), statuses(second));
      RoundLifecycleTest.waitUntilDrained(host);
      assertEquals(5L, host.counts(ROUND).get("accepted"), host.counts(ROUND).toString());
      JsonNode in = inputs(host.closeRound(ROUND));
      assertEquals(5, in.get("accepted").asLong(), in.toString());
      assertEquals(0, in.get("rejected").asLong(), in.toString());

      Problem closed =
          assertThrows(Problem.class, () -> host.submitBatch(ROUND, List.of(p.get(3))));
      assertEquals("round-closed", closed.code());
      assertEquals(409, closed.status());
    } finally {
      host.onStop(null);
    }
  }

  @Test
  void aBatchWhileTheKeysAreNotSealedStoresNothingAndIsTakenOnceTheyAre() throws Exception {
    World w = world("batch-keys-not-sealed");
    Path seals = Path.of(w.config().get("sovereign.host.data-dir")).resolve("seals");
    Path aside = seals.resolveSibling("seals-aside");
    HostService host = TestHosts.host(w.config());
    host.onStart(null);
    try {
      assertTrue(host.sealing(), "the embedded key broker runs");
      Files.move(seals, aside);
      Files.writeString(seals, "not a directory"); // the round's keys seal cannot be stored
      List<String> p = openAndBuild(host, w.keys());
      Problem refused = assertThrows(Problem.class, () -> host.submitBatch(ROUND, p));
      assertEquals(503, refused.status());
      assertEquals("keys-not-sealed", refused.code());
      assertEquals(List.of(), host.inbox().allOf(ROUND), "nothing was stored");
      Files.delete(seals);
      Files.move(aside, seals);
      List<HostService.BatchOutcome> taken = null;
      for (int i = 0; i < 600 && taken == null; i++) {
        try {
          taken = host.submitBatch(ROUND, p);
        } catch (Problem again) {
          assertEquals("keys-not-sealed", again.code(), again.getMessage());
          Thread.sleep(100);
        }
      }
      assertTrue(taken != null, "the keys were sealed within 60 s of the store's repair");
      assertEquals(6, taken.stream().filter(o -> o.status().equals("stored")).count());
    } finally {
      host.onStop(null);
    }
  }

  @Test
  void everyPayloadABatchAnsweredStoredIsCountedAfterAHostKillAndRestart() throws Exception {
    World w = world("batch-kill");
    HostService first = TestHosts.host(w.config());
    first.onStart(null);
    List<String> p;
    try {
      p = openAndBuild(first, w.keys());
      first.sealNow();
      List<HostService.BatchOutcome> a = first.submitBatch(ROUND, p.subList(0, 3));
      assertEquals(List.of("stored", "stored", "stored"), statuses(a));
      first.haltForTesting(); // killed at once: the forwarder may have sent none of them
    } catch (Throwable t) {
      first.onStop(null);
      throw t;
    }
    HostService second = TestHosts.host(w.config());
    second.onStart(null);
    try {
      List<HostService.BatchOutcome> b =
          second.submitBatch(ROUND, List.of(p.get(3), p.get(4), p.get(5), p.get(0)));
      assertEquals(List.of("stored", "stored", "stored", "already-stored"), statuses(b));
      RoundLifecycleTest.waitUntilDrained(second);
      JsonNode in = inputs(second.closeRound(ROUND));
      assertEquals(6, in.get("accepted").asLong(), in.toString());
      assertEquals(0, in.get("rejected").asLong(), in.toString());
      assertEquals(0, in.get("unauthenticated").asLong(), in.toString());
    } finally {
      second.onStop(null);
    }
  }
}
