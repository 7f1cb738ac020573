package dev.sovereign.keybroker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real AWS Nitro attestation document (fixtures/nitro, from evervault/attestation-doc-validation,
 * MIT) as a KMS Recipient: the broker reads it and refuses it for the right reason.
 */
class RealAwsDocumentTest {
  private static final Path NITRO =
      Path.of(System.getProperty("sovereign.root", "../.."), "fixtures/nitro");
  private static final Instant DOCUMENT_TIME = Instant.ofEpochMilli(1694102161556L);

  @TempDir Path dir;

  private static X509Certificate awsRoot() throws Exception {
    try (InputStream in = Files.newInputStream(NITRO.resolve("aws-nitro-root.pem"))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private KmsError refusal(AttestationPolicy policy) throws Exception {
    LocalKeyBroker broker =
        LocalKeyBroker.open(
            dir.resolve("broker-" + System.nanoTime()),
            AttestationVerifier.create(policy),
            Clock.systemUTC());
    ObjectMapper json = new ObjectMapper();
    ObjectNode req = json.createObjectNode().put("NumberOfBytes", 32);
    req.putObject("Recipient")
        .put("KeyEncryptionAlgorithm", "RSAES_OAEP_SHA_256")
        .put(
            "AttestationDocument",
            Files.readString(NITRO.resolve("aws-nitro-attestation-us-east-1-2023-09-07.b64"))
                .trim());
    return assertThrows(KmsError.class, () -> broker.handle("GenerateRandom", req));
  }

  @Test
  void aRealDocumentIsUntrustedWhenOnlyTheSimulationRootIsPinned() throws Exception {
    KmsError e =
        refusal(
            AttestationPolicy.builder()
                .pinnedRoot(SimulatedNsm.rootCertificate(dir.resolve("nsm")))
                .verifyAt(DOCUMENT_TIME)
                .build());
    assertEquals(KeyReleaseRefusal.ATTESTATION_REJECTED, e.reason());
    assertEquals("UNTRUSTED_ROOT", e.subCode());
  }

  @Test
  void aRealDebugModeDocumentIsRefusedUnderTheAwsRootAndWithDebugAllowedItHasNoRecipientKey()
      throws Exception {
    KmsError debug =
        refusal(AttestationPolicy.builder().pinnedRoot(awsRoot()).verifyAt(DOCUMENT_TIME).build());
    assertEquals("DEBUG_MODE", debug.subCode());
    KmsError noKey =
        refusal(
            AttestationPolicy.builder()
                .pinnedRoot(awsRoot())
                .verifyAt(DOCUMENT_TIME)
                .allowDebug(true)
                .build());
    assertEquals(KeyReleaseRefusal.RECIPIENT_KEY_INVALID, noKey.reason());
  }

  @Test
  void aRealDocumentVerifiedNowHasExpiredCertificates() throws Exception {
    assertEquals(
        "EXPIRED", refusal(AttestationPolicy.builder().pinnedRoot(awsRoot()).build()).subCode());
  }
}
