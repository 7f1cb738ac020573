package dev.sovereign.kms.aws;

import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.kms.KeyReleaseUserData;
import dev.sovereign.attestation.kms.Recipient;
import dev.sovereign.attestation.kms.RecipientKeyPair;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import dev.sovereign.keybroker.KmsHttpServer;
import dev.sovereign.keybroker.LocalKeyBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * A local key broker on loopback, a simulated NSM and enclaves booted from two "builds" on EU and
 * US parent instances; KMS clients are the real AWS SDK v2 client with an endpoint override.
 */
final class LocalBrokerFixture implements AutoCloseable {
  static final String EU_ROLE = "arn:aws:iam::111122223333:role/sovereign-eu-parent";
  static final String US_ROLE = "arn:aws:iam::111122223333:role/sovereign-us-parent";
  static final String EU_INSTANCE = "i-0e0e0e0e0e0e0e0e1";
  static final String US_INSTANCE = "i-0a0a0a0a0a0a0a0a1";
  static final Duration MAX_AGE = Duration.ofMinutes(5);
  static final HexFormat HEX = HexFormat.of();
  static final SecureRandom RANDOM = new SecureRandom();

  final Path dir;
  final Path nsmState;
  final Path brokerState;
  final Path buildA;
  final Path buildB;
  final LocalKeyBroker broker;
  final KmsHttpServer server;
  final KmsClient sdk;
  final AwsKmsKeyBroker keyBroker;

  LocalBrokerFixture(Path dir) throws IOException {
    this.dir = dir;
    this.nsmState = dir.resolve("nsm-state");
    this.brokerState = dir.resolve("broker-state");
    this.buildA = jar(dir.resolve("enclave-a.jar"), "enclave build A");
    this.buildB = jar(dir.resolve("enclave-b.jar"), "enclave build B");
    AttestationPolicy policy =
        AttestationPolicy.builder()
            .pinnedRoot(SimulatedNsm.rootCertificate(nsmState))
            .maxAge(MAX_AGE)
            .build();
    this.broker =
        LocalKeyBroker.open(brokerState, AttestationVerifier.create(policy), Clock.systemUTC());
    this.server =
        KmsHttpServer.start(broker, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.sdk =
        KmsClient.builder()
            .endpointOverride(server.endpoint())
            .region(Region.of("local-1"))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("AKIDLOCALTEST", "local-test-secret")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
    this.keyBroker = AwsKmsKeyBroker.using(sdk);
  }

  /** An enclave: its per-boot recipient key and the attestation document that carries it. */
  record Enclave(
      RecipientKeyPair keys, KeyPair rawKeys, byte[] document, byte[] pcr0, byte[] policyHash) {
    Recipient recipient() {
      return Recipient.of(document);
    }
  }

  Enclave boot(Path build, String role, String instance, String policyText) throws IOException {
    return boot(build, role, instance, policyText, Clock.systemUTC());
  }

  Enclave boot(Path build, String role, String instance, String policyText, Clock clock)
      throws IOException {
    KeyPair raw;
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048, RANDOM);
      raw = g.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    RecipientKeyPair keys = RecipientKeyPair.of(raw);
    byte[] policyHash = sha256(policyText);
    SimulationConfig config =
        SimulationConfig.of(nsmState, build)
            .withParentRoleArn(role)
            .withParentInstanceId(instance)
            .withClock(clock);
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      byte[] doc =
          nsm.attestation(
              KeyReleaseUserData.encode(policyHash, "did:key:z6MkTest"), null, keys.publicKeyDer());
      return new Enclave(keys, raw, doc, SimulatedMeasurements.pcr0(build), policyHash);
    }
  }

  /** The key policy of the EU region: build A on the EU parent, with the EU sovereignty policy. */
  static String euKeyPolicy(byte[] pcr0, byte[] policyHash) {
    String h = HEX.formatHex(policyHash);
    return """
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "Allow the EU enclave to use the key",
              "Effect": "Allow",
              "Principal": {"AWS": "arn:aws:iam::111122223333:role/sovereign-eu-parent"},
              "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
              "Resource": "*",
              "Condition": {
                "StringEqualsIgnoreCase": {
                  "kms:RecipientAttestation:ImageSha384": "%s",
                  "kms:RecipientAttestation:PCR3": ["%s"],
                  "kms:RecipientAttestation:PCR4": ["%s", "%s"],
                  "sovereign:RecipientAttestation:PolicyHash": "%s"
                },
                "StringEquals": {"kms:EncryptionContext:sovereign:region": "EU"}
              }
            }
          ]
        }
        """
        .formatted(
            HEX.formatHex(pcr0),
            HEX.formatHex(SimulatedMeasurements.pcr3(EU_ROLE)),
            HEX.formatHex(SimulatedMeasurements.pcr4(EU_INSTANCE)),
            HEX.formatHex(SimulatedMeasurements.pcr4("i-0e0e0e0e0e0e0e0e2")),
            h);
  }

  private static Path jar(Path file, String content) throws IOException {
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      zip.putNextEntry(new ZipEntry("build.txt"));
      zip.write(content.getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    return file;
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    sdk.close();
    server.close();
  }
}
