package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The policy-vs-PCR0 circularity: an enclave started without {@code --policy} takes the policy from
 * the host once ({@code LoadPolicy}), refuses everything else until then and a second policy after,
 * checks PCR0 against it and binds its hash into the attestation document as with {@code --policy}.
 */
class PolicyLoadIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

  @Test
  void anEnclaveWithoutAPolicyServesOnlyLoadPolicyThenTheLoadedPolicyOnce() throws Exception {
    Path dir = Files.createTempDirectory("policy-load-it");
    Path socket = dir.resolve("enclave.sock");
    String good =
        EnclaveProcessIT.policyYaml(
            HexFormat.of().formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar())),
            ANCHOR,
            ANCHOR);
    String expectedHash = PolicyLoader.parse(good).sha256Hex();
    try (EnclaveProcess enclave =
            EnclaveProcess.start(
                List.of(
                    "--simulate-nsm",
                    "--listen",
                    "unix:" + socket,
                    "--state",
                    dir.resolve("state").toString(),
                    "--threads",
                    "1"),
                Duration.ofSeconds(60));
        EnclaveClient client = EnclaveClient.connectUnix(socket)) {
      assertError(client.call(new Message.Health()), "policy-not-loaded");
      assertError(client.call(new Message.Attest("00")), "policy-not-loaded");
      assertError(
          client.call(new Message.OpenRound("r1", "loyalty-points", expectedHash)),
          "policy-not-loaded");

      Message.Error invalid =
          assertError(client.call(new Message.LoadPolicy("version: 2\n")), "policy-invalid");
      assertTrue(invalid.detail().contains("version"), invalid.detail());
      Message.Error unlisted =
          assertError(
              client.call(
                  new Message.LoadPolicy(
                      EnclaveProcessIT.policyYaml("00".repeat(48), ANCHOR, ANCHOR))),
              "policy-invalid");
      assertTrue(
          unlisted.detail().contains("enclave.acceptedMeasurements: this enclave's PCR0"),
          unlisted.detail());
      assertError(client.call(new Message.Health()), "policy-not-loaded");

      Message.PolicyLoaded loaded =
          client.call(new Message.LoadPolicy(good), Message.PolicyLoaded.class);
      assertEquals(expectedHash, loaded.policySha256());
      Message.HealthStatus health = client.call(new Message.Health(), Message.HealthStatus.class);
      assertEquals(expectedHash, health.policySha256());
      assertEquals(loaded.enclaveDid(), health.enclaveDid());

      Message.Attestation att = client.call(new Message.Attest("0a0b"), Message.Attestation.class);
      AttestationDocument doc =
          AttestationDocuments.parse(Base64.getDecoder().decode(att.document()))
              .unverifiedDocument();
      JsonNode userData = JSON.readTree(doc.userData());
      assertEquals(expectedHash, userData.get("policySha256").asText());
      assertEquals(loaded.enclaveDid(), userData.get("did").asText());

      assertError(client.call(new Message.LoadPolicy(good)), "policy-already-loaded");
      client.call(
          new Message.OpenRound("r1", "loyalty-points", expectedHash), Message.RoundOpened.class);
    }
  }

  @Test
  void anEnclaveStartedWithPolicyRefusesLoadPolicy() throws Exception {
    Path dir = Files.createTempDirectory("policy-load-it");
    Path socket = dir.resolve("enclave.sock");
    Path policy = dir.resolve("policy.yaml");
    String good =
        EnclaveProcessIT.policyYaml(
            HexFormat.of().formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar())),
            ANCHOR,
            ANCHOR);
    Files.writeString(policy, good);
    try (EnclaveProcess enclave =
            EnclaveProcess.start(
                List.of(
                    "--simulate-nsm",
                    "--listen",
                    "unix:" + socket,
                    "--policy",
                    policy.toString(),
                    "--state",
                    dir.resolve("state").toString(),
                    "--threads",
                    "1"),
                Duration.ofSeconds(60));
        EnclaveClient client = EnclaveClient.connectUnix(socket)) {
      assertError(client.call(new Message.LoadPolicy(good)), "policy-already-loaded");
      assertEquals(
          PolicyLoader.parse(good).sha256Hex(),
          client.call(new Message.Health(), Message.HealthStatus.class).policySha256());
    }
  }

  private static Message.Error assertError(Message.Response r, String code) {
    Message.Error e = assertInstanceOf(Message.Error.class, r, () -> String.valueOf(r));
    assertEquals(code, e.code(), e.detail());
    return e;
  }
}
