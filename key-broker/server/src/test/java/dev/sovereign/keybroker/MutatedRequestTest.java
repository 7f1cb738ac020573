package dev.sovereign.keybroker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.kms.KeyReleaseUserData;
import dev.sovereign.attestation.kms.RecipientKeyPair;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated attestation documents and ciphertext blobs end in a KMS error, never in an internal
 * error.
 */
class MutatedRequestTest {
  @TempDir Path dir;

  @Test
  void mutatedDocumentsAndBlobsOnlyEverGiveAKmsError() throws Exception {
    Path jar = dir.resolve("enclave.jar");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
      zip.putNextEntry(new ZipEntry("a.txt"));
      zip.write("build".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    Path nsmState = dir.resolve("nsm");
    RecipientKeyPair keys = RecipientKeyPair.generate(new SecureRandom());
    byte[] doc;
    try (SimulatedNsm nsm = SimulatedNsm.open(SimulationConfig.of(nsmState, jar))) {
      doc =
          nsm.attestation(KeyReleaseUserData.encode(new byte[32], null), null, keys.publicKeyDer());
    }
    LocalKeyBroker broker =
        LocalKeyBroker.open(
            dir.resolve("broker"),
            AttestationVerifier.create(
                AttestationPolicy.builder()
                    .pinnedRoot(SimulatedNsm.rootCertificate(nsmState))
                    .maxAge(Duration.ofMinutes(5))
                    .build()),
            Clock.systemUTC());
    ObjectMapper json = new ObjectMapper();
    String policy =
        """
        {"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",
          "Condition":{"StringEqualsIgnoreCase":{"kms:RecipientAttestation:ImageSha384":"%s"}}}}"""
            .formatted(HexFormat.of().formatHex(SimulatedMeasurements.pcr0(jar)));
    String keyId =
        broker
            .handle("CreateKey", json.createObjectNode().put("Policy", policy))
            .get("KeyMetadata")
            .get("KeyId")
            .asText();
    ObjectNode gen = json.createObjectNode().put("KeyId", keyId).put("KeySpec", "AES_256");
    gen.putObject("Recipient")
        .put("KeyEncryptionAlgorithm", "RSAES_OAEP_SHA_256")
        .put("AttestationDocument", Base64.getEncoder().encodeToString(doc));
    byte[] blob =
        Base64.getDecoder()
            .decode(broker.handle("GenerateDataKey", gen).get("CiphertextBlob").asText());

    Random r = new Random(20261127L); // fixed seed: failures reproduce
    for (int i = 0; i < 300; i++) {
      boolean mutateDoc = i % 2 == 0;
      byte[] t = (mutateDoc ? doc : blob).clone();
      t[r.nextInt(t.length)] = (byte) r.nextInt(256);
      ObjectNode req =
          json.createObjectNode()
              .put("CiphertextBlob", Base64.getEncoder().encodeToString(mutateDoc ? blob : t));
      req.putObject("Recipient")
          .put("KeyEncryptionAlgorithm", "RSAES_OAEP_SHA_256")
          .put("AttestationDocument", Base64.getEncoder().encodeToString(mutateDoc ? t : doc));
      try {
        broker.handle("Decrypt", req);
      } catch (KmsError expected) {
        // a typed KMS error: fine (a flipped byte in an unsigned region of the document may still
        // verify)
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " escaped as " + e, e);
      }
    }
    AuditLog.verify(dir.resolve("broker/audit.log"));
  }
}
