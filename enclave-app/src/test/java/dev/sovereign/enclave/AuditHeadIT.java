package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.enclave.audit.AuditChain;
import dev.sovereign.enclave.audit.AuditHeadToken;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code SignAuditHead} through a real enclave process: a verifiable EdDSA token for a head that
 * extends the last one signed; malformed-message or audit-head-refused otherwise.
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
      assertNull(h.auditSeq(), "a fresh enclave has signed no head");
      AuditChain chain = AuditChain.open(dir.resolve("audit.jsonl"), Clock.systemUTC());
      for (int i = 1; i <= 7; i++) {
        chain.append("submission", Map.of("payloadId", "p" + i, "outcome", "accepted"));
      }
      String head = chain.head();
      // a fresh identity signs any fragment that hashes to the head (one entry is enough)
      Message.AuditHeadSigned signed =
          client.call(
              new Message.SignAuditHead(7, head, chain.lines(7, 7)), Message.AuditHeadSigned.class);
      AuditHeadToken.VerifiedHead v = AuditHeadToken.verify(signed.jws());
      assertEquals(7, v.seq());
      assertEquals(head, v.head());
      assertEquals(h.enclaveDid(), v.enclaveDid());
      assertEquals(PolicyLoader.parse(yaml).sha256Hex(), v.policySha256());
      assertEquals(7L, client.call(new Message.Health(), Message.HealthStatus.class).auditSeq());

      List<String> line7 = chain.lines(7, 7);
      for (Message.SignAuditHead bad :
          List.of(
              new Message.SignAuditHead(0, head, line7),
              new Message.SignAuditHead(-1, head, line7),
              new Message.SignAuditHead(1, "AB".repeat(32), line7),
              new Message.SignAuditHead(1, "ab".repeat(31), line7),
              new Message.SignAuditHead(1, null, line7),
              new Message.SignAuditHead(8, head, null),
              new Message.SignAuditHead(8, head, List.of()))) {
        Message.Error e = assertInstanceOf(Message.Error.class, client.call(bad), bad.toString());
        assertEquals("malformed-message", e.code());
      }
    }
  }

  /**
   * The attack of issue 17 (2): the host deletes an entry, turns an acceptance into a rejection,
   * recomputes the chain and asks the enclave to sign the rewritten heads. Refused at every seq,
   * while the genuine continuation is signed.
   */
  @Test
  void theEnclaveRefusesToSignAHeadThatDoesNotExtendTheLastOneItSigned() throws Exception {
    Path dir = Files.createTempDirectory("audit-head-it");
    Path socket = dir.resolve("enclave.sock");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        EnclaveProcessIT.policyYaml(
            HexFormat.of().formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar())),
            ANCHOR,
            ANCHOR));
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
      Clock clock = Clock.fixed(java.time.Instant.parse("2026-12-07T03:00:00Z"), ZoneOffset.UTC);
      AuditChain genuine = AuditChain.open(dir.resolve("genuine.jsonl"), clock);
      AuditChain forged = AuditChain.open(dir.resolve("forged.jsonl"), clock);
      for (AuditChain c : List.of(genuine, forged)) {
        c.append("round-opened", Map.of("round", "r1"));
        c.append("submission", Map.of("payloadId", "p1", "outcome", "accepted"));
      }
      genuine.append("submission", Map.of("payloadId", "p2", "outcome", "accepted"));
      genuine.append("submission", Map.of("payloadId", "p3", "outcome", "accepted"));
      client.call(
          new Message.SignAuditHead(4, genuine.head(), genuine.lines(1, 4)),
          Message.AuditHeadSigned.class);
      genuine.append("round-closed", Map.of("round", "r1"));
      // the rewrite under the signed head: p2 deleted, p3 turned into a rejection, chain recomputed
      forged.append("submission", Map.of("payloadId", "p3", "outcome", "rejected"));
      forged.append("round-closed", Map.of("round", "r1"));
      forged.append("round-opened", Map.of("round", "r2"));
      for (long seq = 1; seq <= 5; seq++) {
        for (long from = 1; from <= seq; from++) {
          Message.Error e =
              assertInstanceOf(
                  Message.Error.class,
                  client.call(
                      new Message.SignAuditHead(seq, hashOf(forged, seq), forged.lines(from, seq))),
                  "forged head at seq " + seq + " from " + from);
          assertEquals("audit-head-refused", e.code());
        }
      }
      // the signed seq again, or a gap after it, is refused as well
      assertEquals(
          "audit-head-refused",
          assertInstanceOf(
                  Message.Error.class,
                  client.call(
                      new Message.SignAuditHead(4, hashOf(genuine, 4), genuine.lines(4, 4))))
              .code());
      genuine.append("round-opened", Map.of("round", "r2"));
      assertEquals(
          "audit-head-refused",
          assertInstanceOf(
                  Message.Error.class,
                  client.call(new Message.SignAuditHead(6, genuine.head(), genuine.lines(6, 6))))
              .code());
      AuditHeadToken.VerifiedHead v =
          AuditHeadToken.verify(
              client
                  .call(
                      new Message.SignAuditHead(6, genuine.head(), genuine.lines(5, 6)),
                      Message.AuditHeadSigned.class)
                  .jws());
      assertEquals(6, v.seq());
    }
  }

  private static String hashOf(AuditChain chain, long seq) throws Exception {
    return AuditChain.sha256Hex(
        chain.lines(seq, seq).get(0).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
