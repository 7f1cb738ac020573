package dev.sovereign.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.keybroker.KmsError;
import dev.sovereign.keybroker.KmsHttpServer;
import dev.sovereign.keybroker.LocalKeyBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Development only: the local key broker in the host process, on loopback, with its state under the
 * host's data directory, trusting the dev enclave's simulated NSM root. On first start (and
 * whenever the enclave build or policy changes) it creates the sealing key with a KMS key policy
 * that releases data keys only to this PCR0 with this policy hash (docs/sealing.md).
 */
public final class DevKeyBroker implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KmsHttpServer server;
  private final String keyArn;

  private DevKeyBroker(KmsHttpServer server, String keyArn) {
    this.server = server;
    this.keyArn = keyArn;
  }

  /**
   * Starts the broker for the enclave measured from {@code enclaveJar} running {@code
   * policySha256}.
   *
   * @param stateDir broker state (master key, keys, audit log, rollback marks)
   * @param nsmState the dev enclave's simulated NSM state (its root is the one trust anchor)
   */
  public static DevKeyBroker start(
      Path stateDir, Path nsmState, Path enclaveJar, String policySha256) throws IOException {
    AttestationPolicy attestation =
        AttestationPolicy.builder()
            .pinnedRoot(SimulatedNsm.rootCertificate(nsmState))
            .maxAge(Duration.ofMinutes(5))
            .build();
    LocalKeyBroker broker =
        LocalKeyBroker.open(stateDir, AttestationVerifier.create(attestation), Clock.systemUTC());
    String pcr0 = HexFormat.of().formatHex(SimulatedMeasurements.pcr0(enclaveJar));
    Path record = stateDir.resolve("sovereign-sealing-key.json");
    String arn = null;
    if (Files.exists(record)) {
      JsonNode r = JSON.readTree(record.toFile());
      if (pcr0.equals(r.path("pcr0").asText())
          && policySha256.equals(r.path("policySha256").asText())) {
        arn = r.path("keyArn").asText();
      }
    }
    if (arn == null) {
      try {
        JsonNode created =
            broker.handle(
                "CreateKey",
                JSON.createObjectNode()
                    .put("Description", "Sovereign dev enclave sealed state")
                    .put("Policy", keyPolicy(pcr0, policySha256)));
        arn = created.at("/KeyMetadata/Arn").asText();
      } catch (KmsError e) {
        throw new IOException("the local key broker refused CreateKey", e);
      }
      ObjectNode r =
          JSON.createObjectNode()
              .put("keyArn", arn)
              .put("pcr0", pcr0)
              .put("policySha256", policySha256);
      SealStore.writeAtomically(record, JSON.writeValueAsBytes(r));
    }
    KmsHttpServer server =
        KmsHttpServer.start(broker, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return new DevKeyBroker(server, arn);
  }

  /**
   * The KMS key policy of the dev sealing key: this image, this policy hash, attestation required.
   */
  static String keyPolicy(String pcr0, String policySha256) {
    return """
        {"Version": "2012-10-17", "Statement": [
          {"Sid": "Release only to the attested dev enclave build with its policy", "Effect": "Allow",
           "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
           "Condition": {"StringEqualsIgnoreCase": {
             "kms:RecipientAttestation:ImageSha384": "%s",
             "sovereign:RecipientAttestation:PolicyHash": "%s"}}},
          {"Sid": "Never without an attestation document", "Effect": "Deny", "Principal": "*",
           "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
           "Condition": {"Null": {"kms:RecipientAttestation:ImageSha384": "true"}}}]}
        """
        .formatted(pcr0, policySha256);
  }

  /** The KMS endpoint ({@code http://127.0.0.1:PORT}). */
  public URI endpoint() {
    return server.endpoint();
  }

  /** The sealing key's ARN. */
  public String keyArn() {
    return keyArn;
  }

  @Override
  public void close() {
    server.close();
  }
}
