package dev.sovereign.enclave.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sovereign.did.Did;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.testing.HostileHeaders;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The signed audit head is refused, with its one reason code, when its header is anything but
 * exactly {alg: EdDSA, kid, typ}, even when the enclave's own key signed it.
 */
class AuditHeadTokenTest {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final String POLICY = "11".repeat(32);
  private static final String HEAD = "22".repeat(32);

  private record Ed25519Signer(KeyPair keys, Did id) implements AuditHeadToken.Signer {
    static Ed25519Signer generate() throws GeneralSecurityException {
      KeyPair k = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      return new Ed25519Signer(k, DidKey.fromKey(k.getPublic()));
    }

    @Override
    public String did() {
      return id.toString();
    }

    @Override
    public String verificationMethod() {
      return id + "#" + id.methodSpecificId();
    }

    @Override
    public byte[] sign(byte[] input) {
      try {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(keys.getPrivate());
        s.update(input);
        return s.sign();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void aGenuineHeadVerifies() throws Exception {
    Ed25519Signer enclave = Ed25519Signer.generate();
    String token =
        AuditHeadToken.sign(enclave, POLICY, 7, HEAD, Instant.parse("2026-12-07T06:00:00Z"));
    assertEquals(HEAD, AuditHeadToken.verify(token).head());
  }

  @Test
  void aHeadSignedByTheEnclaveUnderAHostileHeaderIsRefused() throws Exception {
    Ed25519Signer enclave = Ed25519Signer.generate();
    String genuine =
        AuditHeadToken.sign(enclave, POLICY, 7, HEAD, Instant.parse("2026-12-07T06:00:00Z"));
    String[] parts = genuine.split("\\.");
    String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
    Map<String, String> hostile = HostileHeaders.encoded(header);
    assertEquals(7, hostile.size());
    hostile.forEach(
        (attack, h) -> {
          String input = h + "." + parts[1];
          String token =
              input
                  + "."
                  + B64.encodeToString(enclave.sign(input.getBytes(StandardCharsets.US_ASCII)));
          AuditHeadToken.InvalidHeadException e =
              assertThrows(
                  AuditHeadToken.InvalidHeadException.class,
                  () -> AuditHeadToken.verify(token),
                  attack);
          assertEquals("audit-head-signature-invalid", e.code(), attack);
        });
  }
}
