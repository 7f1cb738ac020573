package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A {@code Seal} sent on the enclave socket by someone other than the host (issue 11, attack 4). It
 * moves the key broker's rollback counter past the host's last seal; before protocol 1.2 the next
 * recovery was refused ({@code ROLLBACK}) and payloads the host had acknowledged and counted came
 * out of the signed result as rejected. Now the host notices the seal, audits it, keeps that blob
 * and seals again, and a kill -9 of the enclave afterwards loses nothing.
 */
class UnrequestedSealTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "r-stray-seal";
  private static final String DATASET = "loyalty-points";

  @Test
  void aSealTheHostDidNotAskForIsAuditedKeptAndARecoveryAfterItLosesNoAcknowledgedPayload()
      throws Exception {
    Path dir = Path.of("target/unrequested-seal").toAbsolutePath();
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
            DevPolicy.builder("unrequested-seal")
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
                "sovereign.host.enclave.batch",
                "4",
                "sovereign.host.seal.interval",
                "PT1H"));
    host.onStart(null);
    try {
      assertTrue(host.sealing(), "the embedded key broker runs");
      host.openRound(ROUND, DATASET);
      Message.Attestation att =
          host.call(new Message.Attest("0a0b0c0d"), Message.Attestation.class);
      JsonNode built = HostRestartTest.build(keys, att, ROUND);
      host.supplyStatusLists(
          JSON.convertValue(
              built.get("statusLists"),
              JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class)));
      for (int i = 0; i < 3; i++) {
        host.submit(ROUND, jwe(built, i));
      }
      RoundLifecycleTest.waitUntilDrained(host);
      host.sealNow();
      host.submit(ROUND, jwe(built, 3)); // counted after the host's seal
      RoundLifecycleTest.waitUntilDrained(host);

      // Another local process on the socket asks for a seal and keeps the blob.
      try (EnclaveLink stranger =
          new EnclaveLink(
              ListenAddress.parse("unix:" + dir.resolve("host/enclave.sock")),
              Duration.ofSeconds(30))) {
        stranger.call(new Message.Seal(), Message.Sealed.class);
      }
      // audited, fetched and kept, then sealed again (the last of the three)
      String audit = waitForAudit(host, "\"trigger\":\"unrequested\"");
      assertTrue(audit.contains("\"seal-unrequested\""), audit);
      assertTrue(audit.contains("\"fetchedSequence\""), "the host kept that seal: " + audit);

      long pid = host.launcher().orElseThrow().pid();
      ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // kill -9
      ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
      host.submit(ROUND, jwe(built, 4));
      host.submit(ROUND, jwe(built, 5));
      RoundLifecycleTest.waitUntilDrained(host);

      String credential = host.closeRound(ROUND);
      JsonNode s =
          JSON.readTree(Base64.getUrlDecoder().decode(credential.split("\\.")[1]))
              .get("credentialSubject");
      assertEquals(6, s.at("/inputs/accepted").asLong(), s.at("/inputs").toString());
      assertEquals(0, s.at("/inputs/rejected").asLong(), s.at("/inputs").toString());
      assertEquals(0, s.at("/inputs/unauthenticated").asLong(), s.at("/inputs").toString());
      String after = new String(host.exportAudit().bytes(), StandardCharsets.UTF_8);
      assertFalse(after.contains("\"restore-refused\""), "recovery restored a seal: " + after);
    } finally {
      host.onStop(null);
    }
  }

  private static String jwe(JsonNode built, int i) {
    return built.get("payloads").get(i).asText();
  }

  private static String waitForAudit(HostService host, String needle) throws Exception {
    String text = "";
    for (int i = 0; i < 100; i++) {
      text = new String(host.exportAudit().bytes(), StandardCharsets.UTF_8);
      if (text.contains(needle)) {
        return text;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no " + needle + " in the audit log within 10 s: " + text);
  }
}
