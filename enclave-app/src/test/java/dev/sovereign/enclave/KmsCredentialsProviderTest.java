package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.enclave.protocol.Codec;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.Message;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkClientException;

class KmsCredentialsProviderTest {
  @Test
  void withoutCredentialsAKmsCallFailsOnTheClientSide() {
    KmsCredentialsProvider p = KmsCredentialsProvider.of(Optional.empty());
    assertThrows(SdkClientException.class, p::resolveCredentials);
    assertEquals(Optional.empty(), p.accessKeyId());
  }

  @Test
  void theLastCredentialsHandedOverAreUsedForTheNextCall() {
    KmsCredentialsProvider p = KmsCredentialsProvider.of(Optional.empty());
    p.update("ASIAEXAMPLEEXAMPLE01", "first-secret", "first-token");
    p.update("ASIAEXAMPLEEXAMPLE02", "second-secret", "second-token");
    AwsSessionCredentials c = assertInstanceOf(AwsSessionCredentials.class, p.resolveCredentials());
    assertEquals("ASIAEXAMPLEEXAMPLE02", c.accessKeyId());
    assertEquals("second-token", c.sessionToken());
    assertFalse(p.toString().contains("second-secret"));
  }

  @Test
  void malformedCredentialsAreRefusedWithoutEchoingThem() {
    KmsCredentialsProvider p = KmsCredentialsProvider.of(Optional.empty());
    for (String[] bad :
        new String[][] {
          {null, "s", null},
          {"lowercase-key-id-1", "s", null},
          {"AKIA", "s", null},
          {"ASIAEXAMPLEEXAMPLE01", "", null},
          {"ASIAEXAMPLEEXAMPLE01", "x".repeat(257), null},
          {"ASIAEXAMPLEEXAMPLE01", "s", ""},
          {"ASIAEXAMPLEEXAMPLE01", "secret-value-1", "t".repeat(8193)}
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> p.update(bad[0], bad[1], bad[2]));
      assertFalse(e.getMessage().contains("secret-value-1"));
    }
    assertEquals(Optional.empty(), p.accessKeyId(), "a refused update changes nothing");
  }

  @Test
  void theMessageRoundTripsOnTheWireAndItsTextNeverShowsTheSecret() throws Exception {
    Message.KmsCredentials m =
        new Message.KmsCredentials("ASIAEXAMPLEEXAMPLE01", "wire-secret", "wire-token");
    byte[] frame = Codec.encode(m);
    assertEquals(0x0c, frame[5] & 0xff, "type byte 0x0c");
    String body = new String(frame, 6, frame.length - 6, StandardCharsets.UTF_8);
    assertEquals(
        "{\"accessKeyId\":\"ASIAEXAMPLEEXAMPLE01\",\"secretAccessKey\":\"wire-secret\",\"sessionToken\":\"wire-token\"}",
        body);
    assertEquals(
        m, new Codec(Frames.DEFAULT_MAX_FRAME).read(new ByteArrayInputStream(frame)).orElseThrow());
    assertFalse(
        m.toString().contains("wire-secret") || m.toString().contains("wire-token"), m.toString());
    assertTrue(
        Codec.encode(new Message.KmsCredentialsSet("ASIAEXAMPLEEXAMPLE01"))[5] == (byte) 0x8c);
  }
}
