package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * A host killed inside one of the two renames that store a seal (issue 11: "kill -9 at any point").
 * {@link SealStore} writes the sealed blob to {@code seal-<millis>.bin.tmp}, forces it, renames it
 * into place, then does the same for {@code latest.json}; a kill between a write and its rename
 * leaves the {@code .tmp} file on disk and the previous name untouched. Each test reaches that
 * state exactly: a host seals a second time after acknowledging payloads, is halted ({@link
 * HostService#haltForTesting}: forwarder stopped, dev enclave child SIGKILLed), and its seal
 * directory is then put back as the kill would have left it. A second host on the same data
 * directory must count every 202 once: it restores the previous seal (the key broker's mark does
 * not move on a plain seal) and resends what that seal does not cover.
 */
class AHostKilledInsideASealFilesRenameTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "r-rename";
  private static final String DATASET = "loyalty-points";

  @Test
  void killedBeforeTheNewBlobsRenameTheSuccessorRestoresThePreviousSealAndLosesNothing()
      throws Exception {
    killedInsideASealAndRestarted(
        "blob",
        (seals, previousLatest, newLatest, newBlob) -> {
          // the new blob never got its name; latest.json still names the previous one
          Files.move(newBlob, newBlob.resolveSibling(newBlob.getFileName() + ".tmp"));
          Files.write(seals.resolve("latest.json"), previousLatest);
        });
  }

  @Test
  void killedBeforeLatestJsonsRenameTheSuccessorRestoresThePreviousSealAndLosesNothing()
      throws Exception {
    killedInsideASealAndRestarted(
        "latest",
        (seals, previousLatest, newLatest, newBlob) -> {
          // the new blob is in place, but the latest.json naming it is still the temporary file
          Files.write(seals.resolve("latest.json.tmp"), newLatest);
          Files.write(seals.resolve("latest.json"), previousLatest);
        });
  }

  /** Puts the seal directory back as a kill inside the second seal's store left it. */
  @FunctionalInterface
  private interface CrashState {
    void leave(Path seals, byte[] previousLatest, byte[] newLatest, Path newBlob) throws Exception;
  }

  private static void killedInsideASealAndRestarted(String name, CrashState crash)
      throws Exception {
    Path dir = Path.of("target/killed-inside-a-rename-" + name).toAbsolutePath();
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
            DevPolicy.builder("killed-inside-a-rename")
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

    HostService first = TestHosts.host(config);
    first.onStart(null);
    JsonNode built;
    byte[] previousLatest;
    byte[] newLatest;
    Path newBlob;
    try {
      assertTrue(first.sealing(), "the embedded key broker runs");
      first.openRound(ROUND, DATASET); // sealed at the open: the previous seal
      Message.Attestation att =
          first.call(new Message.Attest("0a0b0c0d"), Message.Attestation.class);
      built = HostRestartTest.build(keys, att, ROUND);
      first.supplyStatusLists(
          JSON.convertValue(
              built.get("statusLists"),
              JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class)));
      for (int i = 0; i < 3; i++) {
        first.submit(ROUND, jwe(built, i));
      }
      RoundLifecycleTest.waitUntilDrained(first);
      previousLatest = Files.readAllBytes(seals.resolve("latest.json"));
      Thread.sleep(5); // seal files are named by millisecond
      newBlob = first.sealNow().file(); // the seal the kill interrupts: it covers all three
      newLatest = Files.readAllBytes(seals.resolve("latest.json"));
      assertNotEquals(
          JSON.readTree(previousLatest).get("file"),
          JSON.readTree(newLatest).get("file"),
          "a second seal was stored");
      first.haltForTesting();
    } catch (Throwable t) {
      first.onStop(null);
      throw t;
    }
    crash.leave(seals, previousLatest, newLatest, newBlob);

    HostService second = TestHosts.host(config);
    second.onStart(null);
    try {
      for (int i = 3; i < 6; i++) {
        second.submit(ROUND, jwe(built, i));
      }
      RoundLifecycleTest.waitUntilDrained(second);
      JsonNode s =
          JSON.readTree(Base64.getUrlDecoder().decode(second.closeRound(ROUND).split("\\.")[1]))
              .get("credentialSubject");
      assertEquals(6, s.at("/inputs/accepted").asLong(), s.at("/inputs").toString());
      assertEquals(0, s.at("/inputs/rejected").asLong(), s.at("/inputs").toString());
      assertEquals(0, s.at("/inputs/unauthenticated").asLong(), s.at("/inputs").toString());
      Map<String, Long> counts = second.counts(ROUND);
      assertEquals(6L, counts.get("accepted"), counts.toString());
      assertEquals(1, counts.size(), "every 202 accepted, nothing else: " + counts);
      String audit = new String(second.exportAudit().bytes(), StandardCharsets.UTF_8);
      assertTrue(audit.contains("\"restored\""), "the successor restored a seal: " + audit);
      assertFalse(audit.contains("\"restore-refused\""), "no seal was refused: " + audit);
    } finally {
      second.onStop(null);
    }
  }

  private static String jwe(JsonNode built, int i) {
    return built.get("payloads").get(i).asText();
  }
}
