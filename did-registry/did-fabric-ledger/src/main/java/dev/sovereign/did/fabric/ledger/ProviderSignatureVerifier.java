package dev.sovereign.did.fabric.ledger;

import dev.sovereign.crypto.Crypto;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SignatureVerifier;
import dev.sovereign.did.internal.KeyCodec;
import java.math.BigInteger;
import java.security.InvalidKeyException;
import java.security.PublicKey;
import java.util.Arrays;

/**
 * did:fabric controller signatures on the system's crypto provider ({@link Crypto#system()}: AWS-LC
 * where it loads), with {@link SignatureVerifier#BOUNCY_CASTLE}'s rules: Ed25519 (RFC 8032) or
 * ECDSA P-256 with SHA-256 over a 64-byte r||s whose s is low; anything else is false, never an
 * exception.
 */
final class ProviderSignatureVerifier implements SignatureVerifier {
  private static final BigInteger HALF_N =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
          .shiftRight(1);

  private final Crypto crypto;

  ProviderSignatureVerifier(Crypto crypto) {
    this.crypto = crypto;
  }

  /** The backend the checks run on ({@code aws-lc} or {@code java}). */
  String provider() {
    return crypto.backend().id();
  }

  @Override
  public boolean verifies(Multikey key, byte[] message, byte[] signature) {
    if (signature == null || signature.length != 64) {
      return false;
    }
    try {
      if (key.type() == Multikey.Type.ED25519) {
        return crypto.verifyEd25519(crypto.ed25519PublicKey(key.raw()), message, signature);
      }
      if (new BigInteger(1, Arrays.copyOfRange(signature, 32, 64)).compareTo(HALF_N) > 0) {
        return false; // high-s signatures are malleable copies; the spec requires low s
      }
      PublicKey p256 = KeyCodec.toPublicKey(KeyType.P256, key.raw());
      return crypto.verifyEcdsaP1363("SHA256", p256, message, signature);
    } catch (InvalidKeyException | IllegalArgumentException e) {
      return false;
    }
  }
}
