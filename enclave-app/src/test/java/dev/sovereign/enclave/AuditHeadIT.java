package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.sovereign.attestation.nsm.SimulatedMeasurements;
import dev.sovereign.enclave.audit.AuditHeadToken;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code SignAuditHead} through a real enclave process: a verifiable EdDSA token, or
 * malformed-message.
 */
class AuditHeadIT {
  private static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

  @Test
  void theEnclaveSignsAWellFormedHeadWithItsDidKeyAndRefusesMalformedOnes() throws Exception {
    Path dir = Files.createTempDirectory("audit-head-it");
    Path socket = dir.resolve("enclave.sock");
    Path policy = dir.resolve("policy.yaml");
    String yaml =
        EnclaveProcessIT.policyYaml(
            HexFormat.of().formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar())),
            ANCHOR,
            ANCHOR);
    Files.writeString(policy, yaml);
    String head = "ab".repeat(32);
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
      Message.HealthStatus h = client.call(new Message.Health(), Message.HealthStatus.class);
      Message.AuditHeadSigned signed =
          client.call(new Message.SignAuditHead(7, head), Message.AuditHeadSigned.class);
      AuditHeadToken.VerifiedHead v = AuditHeadToken.verify(signed.jws());
      assertEquals(7, v.seq());
      assertEquals(head, v.head());
      assertEquals(h.enclaveDid(), v.enclaveDid());
      assertEquals(PolicyLoader.parse(yaml).sha256Hex(), v.policySha256());

      for (Message.SignAuditHead bad :
          List.of(
              new Message.SignAuditHead(0, head),
              new Message.SignAuditHead(-1, head),
              new Message.SignAuditHead(1, "AB".repeat(32)),
              new Message.SignAuditHead(1, "ab".repeat(31)),
              new Message.SignAuditHead(1, null))) {
        Message.Error e = assertInstanceOf(Message.Error.class, client.call(bad), bad.toString());
        assertEquals("malformed-message", e.code());
      }
    }
  }
}
