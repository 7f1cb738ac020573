package dev.sovereign.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.sovereign.attestation.kms.KeyBrokerException;
import dev.sovereign.attestation.kms.KeyBrokerRefusedException;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.Recipient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * What {@link AwsKmsKeyBroker} puts on the wire, and what it refuses to accept back, against a
 * scripted KMS.
 */
class AwsKmsKeyBrokerWireTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Exchange(String target, JsonNode body, String authorization) {}

  private static <T> T withKms(
      int status, String response, AtomicReference<Exchange> seen, Call<T> call) throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    server.createContext(
        "/",
        ex -> {
          seen.set(
              new Exchange(
                  ex.getRequestHeaders().getFirst("X-Amz-Target"),
                  JSON.readTree(ex.getRequestBody()),
                  ex.getRequestHeaders().getFirst("Authorization")));
          byte[] b = response.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
          ex.sendResponseHeaders(status, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    server.start();
    try (AwsKmsKeyBroker broker =
        AwsKmsKeyBroker.builder()
            .region("eu-central-1")
            .credentials(
                StaticCredentialsProvider.create(
                    AwsSessionCredentials.create("ASIAHOSTPASSED", "host-secret", "host-token")))
            .endpoint(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
            .build()) {
      return call.run(broker);
    } finally {
      server.stop(0);
    }
  }

  private interface Call<T> {
    T run(AwsKmsKeyBroker broker) throws Exception;
  }

  @Test
  void generateDataKeySendsTheRecipientAndTheContextSignedWithTheHostsCredentials()
      throws Exception {
    AtomicReference<Exchange> seen = new AtomicReference<>();
    byte[] doc = {(byte) 0x84, 0x44, 1, 2, 3};
    String ok =
        "{\"KeyId\":\"arn:aws:kms:eu-central-1:111122223333:key/k\",\"CiphertextBlob\":\"AQID\",\"CiphertextForRecipient\":\"BAUG\"}";
    var g =
        withKms(
            200,
            ok,
            seen,
            b ->
                b.generateDataKey("alias/eu", Map.of("sovereign:region", "EU"), Recipient.of(doc)));
    assertArrayEquals(new byte[] {4, 5, 6}, g.ciphertextForRecipient());
    Exchange e = seen.get();
    assertEquals("TrentService.GenerateDataKey", e.target());
    assertEquals("alias/eu", e.body().get("KeyId").asText());
    assertEquals("AES_256", e.body().get("KeySpec").asText());
    assertEquals("EU", e.body().get("EncryptionContext").get("sovereign:region").asText());
    assertEquals(
        "RSAES_OAEP_SHA_256", e.body().get("Recipient").get("KeyEncryptionAlgorithm").asText());
    assertArrayEquals(
        doc,
        Base64.getDecoder().decode(e.body().get("Recipient").get("AttestationDocument").asText()));
    assertTrue(
        e.authorization().startsWith("AWS4-HMAC-SHA256 Credential=ASIAHOSTPASSED/"),
        e.authorization());
  }

  @Test
  void anAnswerCarryingAPlaintextKeyIsAFailureNotAKey() throws Exception {
    AtomicReference<Exchange> seen = new AtomicReference<>();
    String leaky =
        "{\"KeyId\":\"k\",\"CiphertextBlob\":\"AQID\",\"Plaintext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"CiphertextForRecipient\":\"BAUG\"}";
    KeyBrokerException e =
        assertThrows(
            KeyBrokerException.class,
            () ->
                withKms(
                    200,
                    leaky,
                    seen,
                    b -> b.generateDataKey("k", Map.of(), Recipient.of(new byte[] {1}))));
    assertTrue(e.getMessage().contains("plaintext"));
    String leakyDecrypt = "{\"KeyId\":\"k\",\"Plaintext\":\"AAAA\"}";
    assertThrows(
        KeyBrokerException.class,
        () ->
            withKms(
                200,
                leakyDecrypt,
                seen,
                b -> b.decrypt(new byte[] {1}, Map.of(), Recipient.of(new byte[] {1}))));
  }

  @Test
  void awsKmsErrorsWithoutOurCodeMapToTheGenericReasons() throws Exception {
    AtomicReference<Exchange> seen = new AtomicReference<>();
    String denied =
        "{\"__type\":\"AccessDeniedException\",\"message\":\"User is not authorized to perform kms:Decrypt\"}";
    KeyBrokerRefusedException e =
        assertThrows(
            KeyBrokerRefusedException.class,
            () ->
                withKms(
                    400,
                    denied,
                    seen,
                    b -> b.decrypt(new byte[] {1}, Map.of(), Recipient.of(new byte[] {1}))));
    assertEquals(KeyReleaseRefusal.ACCESS_DENIED, e.reason());
    String invalid = "{\"__type\":\"InvalidCiphertextException\",\"message\":\"\"}";
    assertEquals(
        KeyReleaseRefusal.INVALID_CIPHERTEXT,
        assertThrows(
                KeyBrokerRefusedException.class,
                () ->
                    withKms(
                        400,
                        invalid,
                        seen,
                        b -> b.decrypt(new byte[] {1}, Map.of(), Recipient.of(new byte[] {1}))))
            .reason());
    String ours =
        "{\"__type\":\"AccessDeniedException\",\"message\":\"ROLLBACK_REFUSED:OLDER_SNAPSHOT - snapshot 3 is older\"}";
    KeyBrokerRefusedException r =
        assertThrows(
            KeyBrokerRefusedException.class,
            () ->
                withKms(
                    400,
                    ours,
                    seen,
                    b -> b.decrypt(new byte[] {1}, Map.of(), Recipient.of(new byte[] {1}))));
    assertEquals(KeyReleaseRefusal.ROLLBACK_REFUSED, r.reason());
    assertEquals("OLDER_SNAPSHOT", r.subCode().orElseThrow());
  }
}
