package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A round's end as an attacker forces it (issue 11, attack 2): a payload that reaches the enclave
 * after the round's time to live, and a {@code CloseRound} sent on the enclave socket behind the
 * host's back. Before protocol 1.2 both answered {@code unknown-round} and the host recovered
 * (restore, key release), resent and recovered again, about four times a second, forever. Now each
 * ends the round with a final verdict per payload and no recovery at all.
 */
class RoundLifecycleTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "r-lifecycle";
  private static final String DATASET = "loyalty-points";

  @Test
  void aPayloadThatReachesTheEnclaveAfterTheRoundsTimeToLiveGetsAFinalRoundExpiredNotARetryLoop()
      throws Exception {
    Path dir = Path.of("target/round-lifecycle-ttl").toAbsolutePath();
    HostService host = start(dir, Duration.ofSeconds(10));
    try {
      JsonNode built = openAndBuild(host);
      host.submit(ROUND, jwe(built, 0));
      waitUntilDrained(host);
      Instant expiresAt = host.roundRecord(ROUND).expiresAt().orElseThrow();
      sleepUntil(expiresAt.plusMillis(500));

      assertEquals(
          "round-expired",
          assertThrows(Problem.class, () -> host.submit(ROUND, jwe(built, 2))).code(),
          "no 202 once the round is past the expiry the enclave gave it");
      // Acknowledged before the expiry, delivered after it (a slow or restarting enclave): the
      // inbox row a 202 leaves behind.
      host.inbox().put(ROUND, "EU", jwe(built, 1), expiresAt.minusSeconds(1));
      waitUntilDrained(host);

      assertEquals("expired", host.roundRecord(ROUND).state());
      Map<String, Long> counts = host.counts(ROUND);
      assertEquals(1L, counts.get("accepted"), counts.toString());
      assertEquals(1L, counts.get("round-expired"), counts.toString());
      Thread.sleep(2000); // the old host recovered about four times a second here
      assertEquals(0, host.recoveries(), "no recovery, so no key release");
      String audit = new String(host.exportAudit().bytes(), StandardCharsets.UTF_8);
      assertFalse(audit.contains("\"restored\""), audit);
      assertTrue(audit.contains("\"round-ended\""), audit);
      assertTrue(audit.contains("\"reason\":\"round-expired\""), audit);
      assertEquals(
          "round-expired",
          assertThrows(Problem.class, () -> host.closeRound(ROUND)).code(),
          "an expired round issues no result");
    } finally {
      host.onStop(null);
    }
  }

  @Test
  void aCloseRoundSentOnTheEnclaveSocketBehindTheHostsBackEndsTheRoundWithTheEnclavesResult()
      throws Exception {
    Path dir = Path.of("target/round-lifecycle-stray-close").toAbsolutePath();
    HostService host = start(dir, null);
    try {
      JsonNode built = openAndBuild(host);
      host.submit(ROUND, jwe(built, 0));
      host.submit(ROUND, jwe(built, 1));
      waitUntilDrained(host);

      String stray;
      try (EnclaveLink other =
          new EnclaveLink(
              ListenAddress.parse("unix:" + dir.resolve("host/enclave.sock")),
              Duration.ofSeconds(30))) {
        stray = other.call(new Message.CloseRound(ROUND), Message.RoundResult.class).credential();
      }
      host.submit(ROUND, jwe(built, 2)); // the host still showed the round open: 202
      waitUntilDrained(host);

      Inbox.RoundRecord r = host.roundRecord(ROUND);
      assertEquals("closed", r.state());
      assertEquals(stray, r.result().orElseThrow(), "the result the enclave issued, kept");
      assertEquals(stray, host.closeRound(ROUND));
      Map<String, Long> counts = host.counts(ROUND);
      assertEquals(2L, counts.get("accepted"), counts.toString());
      assertEquals(
          1L, counts.get("round-closed"), "the late payload is listed with its reason: " + counts);
      JsonNode s =
          JSON.readTree(Base64.getUrlDecoder().decode(stray.split("\\.")[1]))
              .get("credentialSubject");
      assertEquals(2, s.at("/inputs/accepted").asLong(), s.toString());
      Thread.sleep(2000);
      assertEquals(0, host.recoveries(), "no recovery, so no key release");
      String audit = new String(host.exportAudit().bytes(), StandardCharsets.UTF_8);
      assertTrue(audit.contains("\"reason\":\"round-closed\""), audit);
    } finally {
      host.onStop(null);
    }
  }

  private static HostService start(Path dir, Duration roundTtl) throws Exception {
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    keys =
        HostEndToEndTest.node(
            "keys",
            JSON.createObjectNode()
                .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU", "US")))
                .set("producers", JSON.valueToTree(List.of("eu1", "eu2", "us1"))));
    DevPolicy.Builder policy =
        DevPolicy.builder("round-lifecycle")
            .minGroupSize(1)
            .functions("sum", "count")
            .zone("EU", keys.at("/zones/EU/root/did").asText())
            .zone("US", keys.at("/zones/US/root/did").asText());
    if (roundTtl != null) {
      policy.roundTtl(roundTtl);
    }
    Path policyFile = DevEnclaveDir.writePolicy(dir, jar, policy);
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
                policyFile.toString(),
                "sovereign.host.enclave.batch",
                "4",
                "sovereign.host.seal.interval",
                "PT1H"));
    host.onStart(null);
    return host;
  }

  private static JsonNode keys;

  /** Payloads built and evidence supplied first, then the round opened: its time to live runs. */
  private static JsonNode openAndBuild(HostService host) {
    Message.Attestation att = host.call(new Message.Attest("0a0b0c0d"), Message.Attestation.class);
    JsonNode built = HostRestartTest.build(keys, att, ROUND);
    host.supplyStatusLists(
        JSON.convertValue(
            built.get("statusLists"),
            JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class)));
    host.openRound(ROUND, DATASET);
    return built;
  }

  private static String jwe(JsonNode built, int i) {
    return built.get("payloads").get(i).asText();
  }

  private static void sleepUntil(Instant t) throws InterruptedException {
    long ms = Duration.between(Instant.now(), t).toMillis();
    if (ms > 0) {
      Thread.sleep(ms);
    }
  }

  static void waitUntilDrained(HostService host) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (host.inbox().pendingCount() == 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the inbox did not drain within 60 s");
  }
}
