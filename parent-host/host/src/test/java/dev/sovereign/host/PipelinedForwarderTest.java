package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipelined forwarder (the enclave works on batch N+1 while the host records batch N) keeps the
 * host's promise: a batch the enclave answered whose verdicts are not recorded yet is in flight; a
 * seal, a round's close and a recovery wait until it is recorded, and a host that dies or loses its
 * enclave with a batch in flight sends it again, counted once (protocol 1.7). The recorder is held
 * by a test hook so that a batch is in flight for as long as each test needs.
 */
class PipelinedForwarderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = AcknowledgedPayloadsInvariantTest.ROUND;

  @TempDir Path tmp;

  /** A host over a dev enclave with batches of 4, a round open and sealed, 8 payloads built. */
  private final class World implements AutoCloseable {
    final Map<String, String> config;
    final List<String> payloads;
    HostService host;

    World() throws Exception {
      Path dir = tmp.toAbsolutePath();
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
              DevPolicy.builder("pipelined")
                  .minGroupSize(1)
                  .functions("sum", "count")
                  .zone("EU", keys.at("/zones/EU/root/did").asText())
                  .zone("US", keys.at("/zones/US/root/did").asText()));
      config =
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
      host = TestHosts.host(config);
      host.onStart(null);
      Message.Attestation att =
          host.call(new Message.Attest("0a0b0c0d"), Message.Attestation.class);
      JsonNode built = AcknowledgedPayloadsInvariantTest.build(keys, att, 8);
      host.supplyStatusLists(
          JSON.convertValue(
              built.get("statusLists"),
              JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class)));
      host.openRound(ROUND, AcknowledgedPayloadsInvariantTest.DATASET);
      host.sealNow();
      List<String> p = new ArrayList<>();
      built.get("payloads").forEach(n -> p.add(n.asText()));
      payloads = List.copyOf(p);
    }

    /** Submits payloads {@code from..to-1} (each answered 202: stored). */
    void submit(int from, int to) {
      for (int i = from; i < to; i++) {
        host.submit(ROUND, payloads.get(i));
      }
    }

    /** The first four submitted and recorded, the recorder then held: returns its release. */
    CountDownLatch firstBatchRecordedThenHold() throws Exception {
      submit(0, 4);
      RoundLifecycleTest.waitUntilDrained(host);
      CountDownLatch release = new CountDownLatch(1);
      host.forwarderForTesting().holdRecorderForTesting(release);
      return release;
    }

    /** Submits the second four and waits until the enclave answered them (not recorded). */
    void secondBatchInFlight() throws Exception {
      submit(4, 8);
      for (int i = 0; i < 300 && host.forwarderForTesting().unrecordedForTesting() == 0; i++) {
        Thread.sleep(100);
      }
      // each submit asks for a drain: the four may go in one batch or in two (the forwarder runs
      // at most two batches ahead of its recorder), and none is recorded while it is held
      Thread.sleep(500);
      int unrecorded = host.forwarderForTesting().unrecordedForTesting();
      assertTrue(unrecorded >= 1 && unrecorded <= 2, unrecorded + " batches in flight");
      assertEquals(4, host.inbox().pendingCount(), "answered, not recorded: still pending");
    }

    /** Closes the round and checks the result counts all 8 payloads accepted, once each. */
    void closeCountsEveryPayloadOnce() throws Exception {
      RoundLifecycleTest.waitUntilDrained(host);
      String credential = host.closeRound(ROUND);
      assertCountsEveryPayloadOnce(credential);
    }

    void assertCountsEveryPayloadOnce(String credential) throws Exception {
      JsonNode inputs =
          JSON.readTree(Base64.getUrlDecoder().decode(credential.split("\\.")[1]))
              .at("/credentialSubject/inputs");
      assertEquals(8, inputs.get("accepted").asLong(), inputs.toString());
      assertEquals(0, inputs.get("rejected").asLong(), inputs.toString());
      assertEquals(0, inputs.get("unauthenticated").asLong(), inputs.toString());
      assertEquals(8L, host.counts(ROUND).getOrDefault("accepted", 0L), host.counts(ROUND) + "");
    }

    void crashAndRestart() throws Exception {
      host.haltForTesting();
      host = TestHosts.host(config);
      host.onStart(null);
    }

    @Override
    public void close() {
      host.onStop(null);
    }
  }

  @Test
  void aHostKilledWithABatchAnsweredButNotRecordedSendsItAgainAndCountsItOnce() throws Exception {
    try (World w = new World()) {
      w.firstBatchRecordedThenHold();
      w.secondBatchInFlight();
      w.crashAndRestart(); // the held recorder dies with the host: the batch was never recorded
      w.closeCountsEveryPayloadOnce();
    }
  }

  @Test
  void anEnclaveLostWithABatchInFlightGetsItAgainAfterRecoveryCountedOnce() throws Exception {
    try (World w = new World()) {
      CountDownLatch release = w.firstBatchRecordedThenHold();
      w.secondBatchInFlight();
      // the link fails: the enclave that answered the batch is gone (kill -9)
      w.host
          .launcher()
          .flatMap(l -> ProcessHandle.of(l.pid()))
          .ifPresent(
              p -> {
                p.destroyForcibly();
                p.onExit().join();
              });
      release.countDown(); // the old enclave's verdicts are recorded; its successor lacks them
      w.closeCountsEveryPayloadOnce();
    }
  }

  @Test
  void aSealAskedForWhileABatchIsInFlightWaitsForItsVerdictsAndARestoreFromItLosesNothing()
      throws Exception {
    try (World w = new World()) {
      CountDownLatch release = w.firstBatchRecordedThenHold();
      w.secondBatchInFlight();
      HostService h = w.host;
      CompletableFuture<SealStore.Seal> seal = CompletableFuture.supplyAsync(h::sealNow);
      assertStillWaiting(seal, "the seal waits for the batch's verdicts");
      release.countDown();
      SealStore.Seal s = seal.get(60, TimeUnit.SECONDS);
      Set<String> recorded = new HashSet<>();
      for (String jwe : w.payloads) {
        recorded.add(Inbox.payloadId(jwe));
      }
      assertEquals(0, h.inbox().pendingCount());
      // every payload the enclave had answered when it sealed, and only those: all recorded
      assertEquals(recorded, s.coveredPayloads());
      assertEquals(8, auditLines(h, "\"kind\":\"submission\""), "one audit line each");
      // the host dies with its enclave; its successor restores that seal and resends nothing new
      w.crashAndRestart();
      w.closeCountsEveryPayloadOnce();
    }
  }

  @Test
  void aRoundClosedWhileABatchIsInFlightWaitsForItsVerdictsAndCountsThemOnce() throws Exception {
    try (World w = new World()) {
      CountDownLatch release = w.firstBatchRecordedThenHold();
      w.secondBatchInFlight();
      HostService h = w.host;
      CompletableFuture<String> close = CompletableFuture.supplyAsync(() -> h.closeRound(ROUND));
      assertStillWaiting(close, "the close waits for the batch's verdicts");
      release.countDown();
      w.assertCountsEveryPayloadOnce(close.get(60, TimeUnit.SECONDS));
    }
  }

  /** The future is still waiting after a second. */
  private static void assertStillWaiting(CompletableFuture<?> f, String what) throws Exception {
    try {
      f.get(1, TimeUnit.SECONDS);
      assertFalse(true, what + ": it did not wait");
    } catch (TimeoutException expected) {
      // still waiting
    }
  }

  private static long auditLines(HostService host, String needle) {
    String text = new String(host.exportAudit().bytes(), StandardCharsets.UTF_8);
    return text.lines().filter(l -> l.contains(needle)).count();
  }
}
