package dev.sovereign.kms.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.kms.SecretBytes;
import dev.sovereign.transport.forward.ForwardAddress;
import dev.sovereign.transport.forward.StreamForwarder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.KeyEncryptionMechanism;
import software.amazon.awssdk.services.kms.model.RecipientInfo;

/**
 * The production KMS path with AF_UNIX in place of AF_VSOCK: the AWS SDK client (URL-connection)
 * talks to the enclave-side forwarder on 127.0.0.1, which connects over a unix socket to the
 * host-side forwarder (the stand-in for {@code vsock-proxy}), which connects to the local key
 * broker. The client never learns the broker's own port.
 */
class AwsSdkThroughForwardersTest {
  @TempDir static Path dir;
  static LocalBrokerFixture f;
  static LocalBrokerFixture.Enclave eu;
  static StreamForwarder hostProxy;
  static StreamForwarder enclaveForwarder;
  static KmsClient viaForwarders;

  @BeforeAll
  static void start() throws Exception {
    f = new LocalBrokerFixture(dir);
    eu =
        f.boot(
            f.buildA, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE, "EU policy v1");
    URI broker = f.server.endpoint();
    ForwardAddress.Unix proxy = new ForwardAddress.Unix(dir.resolve("kms-proxy.sock"));
    StreamForwarder.Limits limits =
        new StreamForwarder.Limits(4, Duration.ofSeconds(30), Duration.ofSeconds(10));
    hostProxy =
        StreamForwarder.start(
            proxy, new ForwardAddress.Tcp(broker.getHost(), broker.getPort()), limits);
    enclaveForwarder = StreamForwarder.start(new ForwardAddress.Tcp("127.0.0.1", 0), proxy, limits);
    int port = ((ForwardAddress.Tcp) enclaveForwarder.address()).port();
    viaForwarders =
        KmsClient.builder()
            .endpointOverride(URI.create("http://127.0.0.1:" + port))
            .region(Region.of("local-1"))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("AKIDLOCALTEST", "local-test-secret")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  @AfterAll
  static void stop() {
    viaForwarders.close();
    enclaveForwarder.close();
    hostProxy.close();
    f.close();
  }

  @Test
  void createKeyGenerateDataKeyAndDecryptWithARecipientCompleteThroughBothForwarders()
      throws Exception {
    String arn =
        viaForwarders
            .createKey(
                b ->
                    b.description("EU sealing key via forwarders")
                        .policy(LocalBrokerFixture.euKeyPolicy(eu.pcr0(), eu.policyHash())))
            .keyMetadata()
            .arn();
    Map<String, String> ctx = Map.of("sovereign:region", "EU");
    RecipientInfo recipient =
        RecipientInfo.builder()
            .keyEncryptionAlgorithm(KeyEncryptionMechanism.RSAES_OAEP_SHA_256)
            .attestationDocument(SdkBytes.fromByteArray(eu.document()))
            .build();
    GenerateDataKeyResponse g =
        viaForwarders.generateDataKey(
            b ->
                b.keyId(arn)
                    .keySpec(DataKeySpec.AES_256)
                    .encryptionContext(ctx)
                    .recipient(recipient));
    assertNull(g.plaintext());
    SecretBytes generated = eu.keys().open(g.ciphertextForRecipient().asByteArray());
    assertEquals(32, generated.size());
    DecryptResponse d =
        viaForwarders.decrypt(
            b -> b.ciphertextBlob(g.ciphertextBlob()).encryptionContext(ctx).recipient(recipient));
    assertNull(d.plaintext());
    assertTrue(
        generated.equalsSecret(eu.keys().open(d.ciphertextForRecipient().asByteArray())),
        "the enclave unwraps the same data key from both answers");
    assertTrue(
        hostProxy.accepted() >= 1 && enclaveForwarder.accepted() >= 1,
        "the calls went through both forwarders");
    assertEquals(0, hostProxy.failedUpstream() + enclaveForwarder.failedUpstream());
  }

  @Test
  void theKeyBrokerOverTheForwardersReleasesTheSameKeyTwice() throws Exception {
    String arn =
        viaForwarders
            .createKey(b -> b.policy(LocalBrokerFixture.euKeyPolicy(eu.pcr0(), eu.policyHash())))
            .keyMetadata()
            .arn();
    AwsKmsKeyBroker broker = AwsKmsKeyBroker.using(viaForwarders);
    Map<String, String> ctx = Map.of("sovereign:region", "EU");
    var g = broker.generateDataKey(arn, ctx, eu.recipient());
    var d = broker.decrypt(g.ciphertextBlob(), ctx, eu.recipient());
    assertTrue(
        eu.keys()
            .open(g.ciphertextForRecipient())
            .equalsSecret(eu.keys().open(d.ciphertextForRecipient())));
  }
}
