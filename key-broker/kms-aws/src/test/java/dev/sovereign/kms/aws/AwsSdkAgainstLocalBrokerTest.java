package dev.sovereign.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.kms.KeyBrokerRefusedException;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.SecretAccess;
import dev.sovereign.attestation.kms.SecretBytes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.CreateKeyResponse;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.GenerateRandomResponse;
import software.amazon.awssdk.services.kms.model.KeyEncryptionMechanism;
import software.amazon.awssdk.services.kms.model.MalformedPolicyDocumentException;
import software.amazon.awssdk.services.kms.model.RecipientInfo;

class AwsSdkAgainstLocalBrokerTest {
  @TempDir static Path dir;
  static LocalBrokerFixture f;
  static LocalBrokerFixture.Enclave eu;
  static String keyArn;

  @BeforeAll
  static void start() throws Exception {
    f = new LocalBrokerFixture(dir);
    eu = f.boot(f.buildA, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE, "EU policy v1");
    CreateKeyResponse created = f.sdk.createKey(b -> b.description("EU sealing key")
        .policy(LocalBrokerFixture.euKeyPolicy(eu.pcr0(), eu.policyHash())));
    keyArn = created.keyMetadata().arn();
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static RecipientInfo recipient(LocalBrokerFixture.Enclave e) {
    return RecipientInfo.builder().keyEncryptionAlgorithm(KeyEncryptionMechanism.RSAES_OAEP_SHA_256)
        .attestationDocument(SdkBytes.fromByteArray(e.document())).build();
  }

  @Test
  void theAwsSdkClientCompletesCreateKeyGenerateDataKeyAndDecryptWithARecipient() throws Exception {
    assertTrue(keyArn.startsWith("arn:aws:kms:local-1:000000000000:key/"));
    Map<String, String> ctx = Map.of("sovereign:region", "EU");
    GenerateDataKeyResponse g = f.sdk.generateDataKey(b -> b.keyId(keyArn).keySpec(DataKeySpec.AES_256)
        .encryptionContext(ctx).recipient(recipient(eu)));
    assertNull(g.plaintext(), "no plaintext for a recipient");
    SecretBytes generated = eu.keys().open(g.ciphertextForRecipient().asByteArray());
    assertEquals(32, generated.size());

    DecryptResponse d = f.sdk.decrypt(b -> b.ciphertextBlob(g.ciphertextBlob()).encryptionContext(ctx).recipient(recipient(eu)));
    assertNull(d.plaintext());
    assertEquals(keyArn, d.keyId());
    SecretBytes decrypted = eu.keys().open(d.ciphertextForRecipient().asByteArray());
    assertTrue(generated.equalsSecret(decrypted), "Decrypt releases the key GenerateDataKey made");
  }

  @Test
  void theKeyBrokerInterfaceOverTheSdkReleasesTheSameKeyTwice() throws Exception {
    Map<String, String> ctx = Map.of("sovereign:region", "EU");
    var g = f.keyBroker.generateDataKey(keyArn, ctx, eu.recipient());
    var d = f.keyBroker.decrypt(g.ciphertextBlob(), ctx, eu.recipient());
    assertTrue(eu.keys().open(g.ciphertextForRecipient()).equalsSecret(eu.keys().open(d.ciphertextForRecipient())));
  }

  @Test
  void theBrokersEnvelopeOpensWithOpensslCmsDecryptGivenTheRecipientKey() throws Exception {
    GenerateDataKeyResponse g = f.sdk.generateDataKey(b -> b.keyId(keyArn).keySpec(DataKeySpec.AES_256)
        .encryptionContext(Map.of("sovereign:region", "EU")).recipient(recipient(eu)));
    byte[] envelope = g.ciphertextForRecipient().asByteArray();
    Path env = Files.write(dir.resolve("envelope.der"), envelope);
    Path key = dir.resolve("recipient.key.pem");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(eu.rawKeys().getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n");
    Path out = dir.resolve("openssl-out.bin");
    Process p = new ProcessBuilder("openssl", "cms", "-decrypt", "-inform", "DER", "-in", env.toString(),
        "-inkey", key.toString(), "-binary", "-out", out.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "openssl cms -decrypt failed: " + log);
    byte[] fromOpenssl = Files.readAllBytes(out);
    assertTrue(eu.keys().open(envelope).equalsSecret(SecretBytes.copyOf(fromOpenssl, SecretAccess.get())));
    Files.delete(out);
    Files.delete(key);
  }

  @Test
  void generateRandomForARecipientComesBackWrapped() throws Exception {
    GenerateRandomResponse r = f.sdk.generateRandom(b -> b.numberOfBytes(48).recipient(recipient(eu)));
    assertNull(r.plaintext());
    assertEquals(48, eu.keys().open(r.ciphertextForRecipient().asByteArray()).size());
    assertEquals(16, f.sdk.generateRandom(b -> b.numberOfBytes(16)).plaintext().asByteArray().length);
  }

  @Test
  void aDataKeyRequestWithoutRecipientIsRefusedEvenWhenThePolicyWouldMatch() {
    KmsException e = assertThrows(KmsException.class,
        () -> f.sdk.generateDataKey(b -> b.keyId(keyArn).keySpec(DataKeySpec.AES_256)));
    assertEquals("AccessDeniedException", e.awsErrorDetails().errorCode());
    assertTrue(e.awsErrorDetails().errorMessage().startsWith("RECIPIENT_REQUIRED - "), e.getMessage());
    KeyBrokerRefusedException mapped = AwsKmsKeyBroker.refusal(e);
    assertEquals(KeyReleaseRefusal.RECIPIENT_REQUIRED, mapped.reason());
  }

  @Test
  void aKeyWithoutPolicyOrWithAnUnsupportedConditionIsNotCreated() {
    assertThrows(MalformedPolicyDocumentException.class, () -> f.sdk.createKey(b -> b.description("no policy")));
    String odd = """
        {"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",
          "Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}""";
    assertThrows(MalformedPolicyDocumentException.class, () -> f.sdk.createKey(b -> b.policy(odd)));
  }

  @Test
  void describeKeyReturnsTheMetadataCreateKeyReturned() {
    var m = f.sdk.describeKey(b -> b.keyId(keyArn)).keyMetadata();
    assertEquals(keyArn, m.arn());
    assertNotNull(m.creationDate());
    assertArrayEquals(new byte[0], new byte[0]);
  }
}
