package dev.sovereign.did.ethr;

import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;

/**
 * Signs a 32-byte digest as it is (no prefix, no further hashing) with a secp256k1 key. One method,
 * so an HSM, a KMS or the enclave can hold the key; tests pass a lambda or {@link #of(ECKeyPair)}.
 */
@FunctionalInterface
public interface DigestSigner {
  /** Signs {@code digest} (32 bytes). */
  RecoverableSignature sign(byte[] digest);

  /** A signer over an in-memory key pair. */
  static DigestSigner of(ECKeyPair keyPair) {
    return digest -> {
      if (digest.length != 32) {
        throw new IllegalArgumentException("digest must be 32 bytes");
      }
      Sign.SignatureData sig = Sign.signMessage(digest, keyPair, false);
      return new RecoverableSignature(sig.getV()[0] & 0xff, sig.getR(), sig.getS());
    };
  }
}
