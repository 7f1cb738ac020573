package dev.sovereign.did.fabric.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.crypto.Crypto;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SignatureVerifier;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ledger's controller-signature checks on each crypto backend give Bouncy Castle's verdicts
 * (the chaincode's and the enclave's log verifier's) on genuine, tampered, truncated, high-s and
 * wrong-key signatures.
 */
class ProviderSignatureVerifierTest {
  static Stream<Crypto> backends() {
    return Crypto.backends().stream();
  }

  private static final BigInteger N =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  @ParameterizedTest
  @MethodSource("backends")
  void everyBackendAgreesWithBouncyCastleOnGenuineAndForgedSignatures(Crypto crypto) {
    ProviderSignatureVerifier provider = new ProviderSignatureVerifier(crypto);
    for (Multikey.Type type : Multikey.Type.values()) {
      SoftwareControllerKey key = SoftwareControllerKey.generate(type);
      SoftwareControllerKey other = SoftwareControllerKey.generate(type);
      byte[] message = ("did:fabric operation " + type).getBytes(StandardCharsets.UTF_8);
      byte[] signature = key.sign(message);
      List<byte[]> forged = new ArrayList<>();
      for (int i : new int[] {0, 31, 32, 63}) {
        byte[] flipped = signature.clone();
        flipped[i] ^= 1;
        forged.add(flipped);
      }
      forged.add(Arrays.copyOf(signature, 63));
      forged.add(Arrays.copyOf(signature, 65));
      forged.add(new byte[64]);
      forged.add(other.sign(message));
      if (type == Multikey.Type.P256) {
        forged.add(highS(signature));
      }
      assertTrue(provider.verifies(key.publicKey(), message, signature), type.toString());
      assertTrue(SignatureVerifier.BOUNCY_CASTLE.verifies(key.publicKey(), message, signature));
      byte[] otherMessage = Arrays.copyOf(message, message.length + 1);
      assertFalse(provider.verifies(key.publicKey(), otherMessage, signature));
      assertFalse(provider.verifies(other.publicKey(), message, signature));
      for (byte[] f : forged) {
        assertEquals(
            SignatureVerifier.BOUNCY_CASTLE.verifies(key.publicKey(), message, f),
            provider.verifies(key.publicKey(), message, f),
            type + " " + crypto.backend().id());
        assertFalse(provider.verifies(key.publicKey(), message, f), type.toString());
      }
    }
  }

  /** The same P-256 signature with s replaced by n - s: valid ECDSA, refused as malleable. */
  private static byte[] highS(byte[] signature) {
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    BigInteger high = N.subtract(s);
    byte[] out = signature.clone();
    byte[] h = high.toByteArray();
    int copy = Math.min(h.length, 32);
    Arrays.fill(out, 32, 64, (byte) 0);
    System.arraycopy(h, h.length - copy, out, 64 - copy, copy);
    return out;
  }
}
