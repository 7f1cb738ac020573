package dev.sovereign.keybroker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The KMS JSON wire format as any client sees it, without the AWS SDK. */
class KmsHttpServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POLICY =
      """
      {"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",
        "Condition":{"StringEqualsIgnoreCase":{"kms:RecipientAttestation:ImageSha384":"%s"}}}}"""
          .formatted("a".repeat(96));

  @TempDir Path dir;

  private LocalKeyBroker broker() throws Exception {
    AttestationPolicy p =
        AttestationPolicy.builder()
            .pinnedRoot(SimulatedNsm.rootCertificate(dir.resolve("nsm")))
            .maxAge(Duration.ofMinutes(5))
            .build();
    return LocalKeyBroker.open(
        dir.resolve("broker"), AttestationVerifier.create(p), Clock.systemUTC());
  }

  private static HttpResponse<String> post(URI endpoint, String target, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(endpoint)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/x-amz-json-1.1");
    if (target != null) {
      b.header("X-Amz-Target", target);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void createKeyAnswersKmsKeyMetadataAndRefusalsCarryTheKmsErrorTypeAndOurCode() throws Exception {
    LocalKeyBroker broker = broker();
    try (KmsHttpServer server =
        KmsHttpServer.start(broker, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      HttpResponse<String> created =
          post(
              server.endpoint(),
              "TrentService.CreateKey",
              JSON.writeValueAsString(JSON.createObjectNode().put("Policy", POLICY)));
      assertEquals(200, created.statusCode());
      JsonNode meta = JSON.readTree(created.body()).get("KeyMetadata");
      assertTrue(meta.get("Arn").asText().startsWith("arn:aws:kms:local-1:000000000000:key/"));
      assertTrue(meta.get("CreationDate").isNumber());
      assertEquals("SYMMETRIC_DEFAULT", meta.get("KeySpec").asText());

      HttpResponse<String> refused =
          post(
              server.endpoint(),
              "TrentService.GenerateDataKey",
              "{\"KeyId\":\"" + meta.get("KeyId").asText() + "\",\"KeySpec\":\"AES_256\"}");
      assertEquals(400, refused.statusCode());
      assertEquals(
          "AccessDeniedException", refused.headers().firstValue("x-amzn-ErrorType").orElseThrow());
      JsonNode error = JSON.readTree(refused.body());
      assertEquals("AccessDeniedException", error.get("__type").asText());
      assertTrue(error.get("message").asText().startsWith("RECIPIENT_REQUIRED - "));

      HttpResponse<String> badDoc =
          post(
              server.endpoint(),
              "TrentService.Decrypt",
              "{\"CiphertextBlob\":\"AAAA\",\"Recipient\":{\"KeyEncryptionAlgorithm\":\"RSAES_OAEP_SHA_256\",\"AttestationDocument\":\"AAAA\"}}");
      assertEquals(
          "InvalidCiphertextException", JSON.readTree(badDoc.body()).get("__type").asText());

      assertEquals(
          "UnknownOperationException",
          JSON.readTree(post(server.endpoint(), null, "{}").body()).get("__type").asText());
      assertEquals(
          "SerializationException",
          JSON.readTree(post(server.endpoint(), "TrentService.Decrypt", "{not json").body())
              .get("__type")
              .asText());
    }
    String audit = Files.readString(dir.resolve("broker/audit.log"));
    assertTrue(audit.contains("\"CREATE_KEY\"") && audit.contains("\"RECIPIENT_REQUIRED\""));
    assertTrue(audit.contains("\"INVALID_CIPHERTEXT\""), "malformed requests are audited too");
    assertEquals(3, AuditLog.verify(dir.resolve("broker/audit.log")).entries());
  }

  @Test
  void theBrokerRefusesToListenOnANonLoopbackAddress() throws Exception {
    LocalKeyBroker broker = broker();
    assertThrows(
        IllegalArgumentException.class,
        () -> KmsHttpServer.start(broker, new InetSocketAddress("0.0.0.0", 0)));
  }

  @Test
  void theMasterKeyIsCreatedOwnerOnlyAndAWiderModeIsRefusedAtStart() throws Exception {
    broker();
    Path master = dir.resolve("broker/master.key");
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(master)));
    Files.setPosixFilePermissions(
        master, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertThrows(java.io.IOException.class, this::broker);
  }
}
