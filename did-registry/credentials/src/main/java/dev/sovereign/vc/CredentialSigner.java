package dev.sovereign.vc;

/**
 * Signs JWS signing input with a key that may live elsewhere (enclave, HSM, KMS): bytes in, JOSE
 * signature out (Ed25519: 64 bytes; ECDSA: r||s, 64 bytes). Tests may pass a lambda-backed
 * instance.
 */
public interface CredentialSigner {
  /** The algorithm this signer produces; goes into the {@code alg} header. */
  JwsAlgorithm algorithm();

  /** The DID URL of the verification method (goes into {@code kid}); its DID is the issuer. */
  String keyId();

  /** Signs the ASCII bytes {@code BASE64URL(header) || '.' || BASE64URL(payload)}. */
  byte[] sign(byte[] signingInput) throws SigningException;

  /** The signer failed (our failure, not a rejected input). */
  final class SigningException extends Exception {
    public SigningException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
