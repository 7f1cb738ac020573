package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.keybroker.KmsHttpServer;
import dev.sovereign.keybroker.LocalKeyBroker;
import dev.sovereign.transport.forward.ForwardAddress;
import dev.sovereign.transport.forward.StreamForwarder;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged enclave with {@code --kms-proxy unix:PATH}: its KMS client reaches the local key
 * broker only through its own loopback forwarder, a unix socket and the host-side forwarder
 * (AF_UNIX stands in for AF_VSOCK, which has no loopback here). One enclave seals, a successor
 * restores.
 */
class KmsProxyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private Path dir;
  private KmsHttpServer server;
  private StreamForwarder hostProxy;
  private ForwardAddress.Unix proxy;
  private Path policy;
  private String keyArn;
  private final List<EnclaveProcess> processes = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("kms-proxy-it");
    Path nsm = dir.resolve("nsm");
    policy = dir.resolve("policy.yaml");
    DevPolicy.builder("kms-proxy-it")
        .pcr0(SimulatedMeasurements.pcr0(EnclaveProcess.jar()))
        .zone("EU", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
        .minGroupSize(1)
        .functions("sum")
        .write(policy);
    LocalKeyBroker broker =
        LocalKeyBroker.open(
            dir.resolve("broker"),
            AttestationVerifier.create(
                AttestationPolicy.builder()
                    .pinnedRoot(SimulatedNsm.rootCertificate(nsm))
                    .maxAge(Duration.ofMinutes(5))
                    .build()),
            Clock.systemUTC());
    server =
        KmsHttpServer.start(broker, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    String keyPolicy =
        """
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
          "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
          "Condition": {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": "%s",
            "sovereign:RecipientAttestation:PolicyHash": "%s"}}}]}
        """
            .formatted(
                HexFormat.of().formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar())),
                PolicyLoader.load(policy).sha256Hex());
    keyArn =
        broker
            .handle("CreateKey", JSON.createObjectNode().put("Policy", keyPolicy))
            .at("/KeyMetadata/Arn")
            .asText();
    proxy = new ForwardAddress.Unix(dir.resolve("kms-proxy.sock"));
    hostProxy =
        StreamForwarder.start(
            proxy,
            new ForwardAddress.Tcp("127.0.0.1", server.endpoint().getPort()),
            StreamForwarder.Limits.defaults());
  }

  @AfterEach
  void stop() {
    processes.forEach(EnclaveProcess::close);
    hostProxy.close();
    server.close();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private EnclaveClient enclave(String name, ForwardAddress kmsProxy) throws Exception {
    Path socket = dir.resolve(name + ".sock");
    int port = freePort();
    EnclaveProcess p =
        EnclaveProcess.start(
            List.of(
                "--simulate-nsm",
                "--listen",
                "unix:" + socket,
                "--policy",
                policy.toString(),
                "--state",
                dir.resolve("nsm").toString(),
                "--threads",
                "1",
                "--key-broker",
                "http://127.0.0.1:" + port,
                "--key-id",
                keyArn,
                "--region",
                "EU",
                "--kms-proxy",
                kmsProxy.toString()),
            Duration.ofSeconds(90));
    processes.add(p);
    assertTrue(
        p.stderr().contains("through tcp:127.0.0.1:" + port + " to " + kmsProxy), p.stderr());
    return EnclaveClient.connectUnix(socket, new ByteArrayOutputStream());
  }

  @Test
  void anEnclaveSealsThroughItsForwarderAndASuccessorRestoresThroughAnother() throws Exception {
    String did;
    Message.Sealed sealed;
    try (EnclaveClient first = enclave("first", proxy)) {
      did = first.call(new Message.Health(), Message.HealthStatus.class).enclaveDid();
      sealed = first.call(new Message.Seal(), Message.Sealed.class);
    }
    long afterSeal = hostProxy.accepted();
    assertTrue(afterSeal >= 1, "GenerateDataKey went through the host-side forwarder");
    try (EnclaveClient second = enclave("second", proxy)) {
      second.call(new Message.Restore(sealed.sealedState()), Message.Restored.class);
      assertEquals(did, second.call(new Message.Health(), Message.HealthStatus.class).enclaveDid());
    }
    assertTrue(hostProxy.accepted() > afterSeal, "Decrypt went through the host-side forwarder");
  }

  @Test
  void theHostHandsOverKmsCredentialsThroughTheProtocolAndBadOnesAreRefused() throws Exception {
    try (EnclaveClient c = enclave("credentials", proxy)) {
      Message.Error bad =
          assertInstanceOf(
              Message.Error.class,
              c.call(new Message.KmsCredentials("not-an-access-key", "s3cr3t-value", null)));
      assertEquals("malformed-message", bad.code());
      assertTrue(!bad.detail().contains("s3cr3t-value"), bad.detail());
      assertEquals(
          "ASIAEXAMPLEEXAMPLE01",
          c.call(
                  new Message.KmsCredentials(
                      "ASIAEXAMPLEEXAMPLE01", "s3cr3t-value", "session-token"),
                  Message.KmsCredentialsSet.class)
              .accessKeyId());
      // The local broker checks attestation, not SigV4: sealing goes on with the handed-over
      // credentials.
      c.call(new Message.Seal(), Message.Sealed.class);
    }
    for (EnclaveProcess p : processes) {
      assertTrue(
          !p.stderr().contains("s3cr3t-value") && !p.stdout().contains("s3cr3t-value"),
          "a secret in the output");
    }
  }

  @Test
  void withTheHostsProxyAbsentSealingAnswersUnavailable() throws Exception {
    try (EnclaveClient c = enclave("orphan", new ForwardAddress.Unix(dir.resolve("nobody.sock")))) {
      Message.Error e = assertInstanceOf(Message.Error.class, c.call(new Message.Seal()));
      assertEquals("unavailable", e.code(), e.detail());
    }
  }
}
