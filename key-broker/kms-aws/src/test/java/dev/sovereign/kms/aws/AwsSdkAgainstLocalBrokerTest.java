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
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.model.CreateKeyResponse;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.GenerateRandomResponse;
import software.amazon.awssdk.services.kms.model.KeyEncryptionMechanism;
import software.amazon.awssdk.services.kms.model.KmsException;
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
    eu =
        f.boot(
            f.buildA, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE, "EU policy v1");
    CreateKeyResponse created =
        f.sdk.createKey(
            b ->
                b.description("EU sealing key")
                    .policy(LocalBrokerFixture.euKeyPolicy(eu.pcr0(), eu.policyHash())));
    keyArn = created.keyMetadata().arn();
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static RecipientInfo recipient(LocalBrokerFixture.Enclave e) {
    return RecipientInfo.builder()
        .keyEncryptionAlgorithm(KeyEncryptionMechanism.RSAES_OAEP_SHA_256)
        .attestationDocument(SdkBytes.fromByteArray(e.document()))
        .build();
  }

  @Test
  void theAwsSdkClientCompletesCreateKeyGenerateDataKeyAndDecryptWithARecipient() throws Exception {
    assertTrue(keyArn.startsWith("arn:aws:kms:local-1:000000000000:key/"));
    Map<String, String> ctx = Map.of("sovereign:region", "EU");
    GenerateDataKeyResponse g =
        f.sdk.generateDataKey(
            b ->
                b.keyId(keyArn)
                    .keySpec(DataKeySpec.AES_256)
                    .encryptionContext(ctx)
                    .recipient(recipient(eu)));
    assertNull(g.plaintext(), "no plaintext for a recipient");
    SecretBytes generated = eu.keys().open(g.ciphertextForRecipient().asByteArray());
    assertEquals(32, generated.size());

    DecryptResponse d =
        f.sdk.decrypt(
            b ->
                b.ciphertextBlob(g.ciphertextBlob())
                    .encryptionContext(ctx)
                    .recipient(recipient(eu)));
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
    assertTrue(
        eu.keys()
            .open(g.ciphertextForRecipient())
            .equalsSecret(eu.keys().open(d.ciphertextForRecipient())));
  }

  @Test
  void theBrokersEnvelopeOpensWithOpensslCmsDecryptGivenTheRecipientKey() throws Exception {
    GenerateDataKeyResponse g =
        f.sdk.generateDataKey(
            b ->
                b.keyId(keyArn)
                    .keySpec(DataKeySpec.AES_256)
                    .encryptionContext(Map.of("sovereign:region", "EU"))
                    .recipient(recipient(eu)));
    byte[] envelope = g.ciphertextForRecipient().asByteArray();
    Path env = Files.write(dir.resolve("envelope.der"), envelope);
    Path key = dir.resolve("recipient.key.pem");
    Files.writeString(
        key,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(eu.rawKeys().getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    Path out = dir.resolve("openssl-out.bin");
    Process p =
        new ProcessBuilder(
                "openssl",
                "cms",
                "-decrypt",
                "-inform",
                "DER",
                "-in",
                env.toString(),
                "-inkey",
                key.toString(),
                "-binary",
                "-out",
                out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "openssl cms -decrypt failed: " + log);
    byte[] fromOpenssl = Files.readAllBytes(out);
    assertTrue(
        eu.keys().open(envelope).equalsSecret(SecretBytes.copyOf(fromOpenssl, SecretAccess.get())));
    Files.delete(out);
    Files.delete(key);
  }

  @Test
  void generateRandomForARecipientComesBackWrapped() throws Exception {
    GenerateRandomResponse r =
        f.sdk.generateRandom(b -> b.numberOfBytes(48).recipient(recipient(eu)));
    assertNull(r.plaintext());
    assertEquals(48, eu.keys().open(r.ciphertextForRecipient().asByteArray()).size());
    assertEquals(
        16, f.sdk.generateRandom(b -> b.numberOfBytes(16)).plaintext().asByteArray().length);
  }

  @Test
  void aDataKeyRequestWithoutRecipientIsRefusedEvenWhenThePolicyWouldMatch() {
    KmsException e =
        assertThrows(
            KmsException.class,
            () -> f.sdk.generateDataKey(b -> b.keyId(keyArn).keySpec(DataKeySpec.AES_256)));
    assertEquals("AccessDeniedException", e.awsErrorDetails().errorCode());
    assertTrue(
        e.awsErrorDetails().errorMessage().startsWith("RECIPIENT_REQUIRED - "), e.getMessage());
    KeyBrokerRefusedException mapped = AwsKmsKeyBroker.refusal(e);
    assertEquals(KeyReleaseRefusal.RECIPIENT_REQUIRED, mapped.reason());
  }

  @Test
  void aKeyWithoutPolicyOrWithAnUnsupportedConditionIsNotCreated() {
    assertThrows(
        MalformedPolicyDocumentException.class,
        () -> f.sdk.createKey(b -> b.description("no policy")));
    String odd =
        """
        {"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",
          "Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}""";
    assertThrows(MalformedPolicyDocumentException.class, () -> f.sdk.createKey(b -> b.policy(odd)));
  }

  /** The policy docs/key-broker.md tells users to attach in AWS, with this test's PCR values. */
  static String awsFormPolicy(LocalBrokerFixture.Enclave e) {
    HexFormat hex = HexFormat.of();
    return """
        {"Version":"2012-10-17","Statement":[
          {"Sid":"Key administrators (no data-plane actions)","Effect":"Allow",
           "Principal":{"AWS":"arn:aws:iam::111122223333:role/sovereign-key-admin"},
           "Action":["kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*",
                     "kms:Disable*","kms:Get*","kms:Delete*","kms:TagResource","kms:UntagResource",
                     "kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"},
          {"Sid":"Release only to the attested EU enclave","Effect":"Allow",
           "Principal":{"AWS":"arn:aws:iam::111122223333:role/sovereign-eu-parent"},
           "Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"*",
           "Condition":{
             "StringEqualsIgnoreCase":{"kms:RecipientAttestation:ImageSha384":"%s",
               "kms:RecipientAttestation:PCR3":["%s"],"kms:RecipientAttestation:PCR4":["%s"]},
             "StringEquals":{"kms:EncryptionContext:sovereign:region":"EU",
               "kms:EncryptionContext:sovereign:policy-hash":"%s"}}},
          {"Sid":"Never release data keys without an attestation document","Effect":"Deny","Principal":"*",
           "Action":["kms:Decrypt","kms:GenerateDataKey","kms:GenerateDataKeyWithoutPlaintext",
                     "kms:GenerateDataKeyPair","kms:DeriveSharedSecret"],"Resource":"*",
           "Condition":{"Null":{"kms:RecipientAttestation:ImageSha384":"true"}}}
        ]}"""
        .formatted(
            hex.formatHex(e.pcr0()),
            hex.formatHex(
                dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements.pcr3(
                    LocalBrokerFixture.EU_ROLE)),
            hex.formatHex(
                dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements.pcr4(
                    LocalBrokerFixture.EU_INSTANCE)),
            hex.formatHex(e.policyHash()));
  }

  @Test
  void theAwsFormOfTheKeyPolicyWorksUnchangedOnTheLocalBroker() throws Exception {
    String arn = f.sdk.createKey(b -> b.policy(awsFormPolicy(eu))).keyMetadata().arn();
    Map<String, String> good =
        Map.of(
            "sovereign:region",
            "EU",
            "sovereign:policy-hash",
            HexFormat.of().formatHex(eu.policyHash()));
    var g = f.keyBroker.generateDataKey(arn, good, eu.recipient());
    assertEquals(32, eu.keys().open(g.ciphertextForRecipient()).size());
    Map<String, String> otherHash =
        Map.of("sovereign:region", "EU", "sovereign:policy-hash", "ab".repeat(32));
    assertEquals(
        KeyReleaseRefusal.POLICY_HASH_MISMATCH,
        assertThrows(
                KeyBrokerRefusedException.class,
                () -> f.keyBroker.generateDataKey(arn, otherHash, eu.recipient()))
            .reason());
    LocalBrokerFixture.Enclave us =
        f.boot(
            f.buildA, LocalBrokerFixture.US_ROLE, LocalBrokerFixture.US_INSTANCE, "EU policy v1");
    assertEquals(
        KeyReleaseRefusal.HOST_NOT_ALLOWED,
        assertThrows(
                KeyBrokerRefusedException.class,
                () -> f.keyBroker.decrypt(g.ciphertextBlob(), good, us.recipient()))
            .reason());
  }

  @Test
  void describeKeyReturnsTheMetadataCreateKeyReturned() {
    var m = f.sdk.describeKey(b -> b.keyId(keyArn)).keyMetadata();
    assertEquals(keyArn, m.arn());
    assertNotNull(m.creationDate());
    assertArrayEquals(new byte[0], new byte[0]);
  }
}
