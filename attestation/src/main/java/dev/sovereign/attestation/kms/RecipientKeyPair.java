package dev.sovereign.attestation.kms;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Objects;

/**
 * The enclave's per-boot RSA-2048 key pair for key release. The public key goes into the {@code
 * public_key} field of the attestation document handed to the broker; the private key never leaves
 * this object and only opens {@code CiphertextForRecipient} envelopes.
 */
public final class RecipientKeyPair {
  /** RSA modulus size; KMS wraps to RSA keys and the design fixes 2048 bits. */
  public static final int MODULUS_BITS = 2048;

  private final RSAPublicKey publicKey;
  private final PrivateKey privateKey;

  private RecipientKeyPair(RSAPublicKey publicKey, PrivateKey privateKey) {
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  /** A fresh key pair (once per boot). */
  public static RecipientKeyPair generate(SecureRandom random) {
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
      kpg.initialize(new RSAKeyGenParameterSpec(MODULUS_BITS, RSAKeyGenParameterSpec.F4), random);
      KeyPair kp = kpg.generateKeyPair();
      return new RecipientKeyPair((RSAPublicKey) kp.getPublic(), kp.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA key generation unavailable", e);
    }
  }

  /** Wraps an existing RSA key pair (tests, or a key pair made elsewhere in the enclave). */
  public static RecipientKeyPair of(KeyPair keyPair) {
    Objects.requireNonNull(keyPair, "keyPair");
    if (!(keyPair.getPublic() instanceof RSAPublicKey)
        || ((RSAPublicKey) keyPair.getPublic()).getModulus().bitLength() < MODULUS_BITS) {
      throw new IllegalArgumentException("recipient key must be RSA with at least 2048 bits");
    }
    return new RecipientKeyPair((RSAPublicKey) keyPair.getPublic(), keyPair.getPrivate());
  }

  /**
   * The public key as DER SubjectPublicKeyInfo: the bytes for the attestation document's {@code
   * public_key}.
   */
  public byte[] publicKeyDer() {
    return publicKey.getEncoded();
  }

  /** The public key. */
  public RSAPublicKey publicKey() {
    return publicKey;
  }

  /** Opens a {@code CiphertextForRecipient} envelope addressed to this key. */
  public SecretBytes open(byte[] ciphertextForRecipient) throws RecipientEnvelopeException {
    return RecipientEnvelopes.open(ciphertextForRecipient, privateKey);
  }

  @Override
  public String toString() {
    return "RecipientKeyPair[RSA-" + publicKey.getModulus().bitLength() + "]";
  }
}
