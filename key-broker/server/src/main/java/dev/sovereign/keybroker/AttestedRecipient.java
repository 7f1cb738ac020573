package dev.sovereign.keybroker;

import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.VerifiedAttestation;
import dev.sovereign.attestation.kms.KeyEncryptionAlgorithm;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.KeyReleaseUserData;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** A recipient whose attestation document verified: its RSA key and its condition-key values. */
final class AttestedRecipient {
  private static final HexFormat HEX = HexFormat.of();

  private final RSAPublicKey publicKey;
  private final Map<String, String> conditionKeys;
  private final String imageSha384;
  private final boolean holdsMark;

  private AttestedRecipient(
      RSAPublicKey publicKey,
      Map<String, String> conditionKeys,
      String imageSha384,
      boolean holdsMark) {
    this.publicKey = publicKey;
    this.conditionKeys = conditionKeys;
    this.imageSha384 = imageSha384;
    this.holdsMark = holdsMark;
  }

  /** Verifies the Recipient parameter; every failure is a refusal with a code. */
  static AttestedRecipient verify(AttestationVerifier verifier, String algorithm, byte[] document)
      throws KmsError {
    if (!KeyEncryptionAlgorithm.RSAES_OAEP_SHA_256.name().equals(algorithm)) {
      throw new KmsError(
          "ValidationException",
          400,
          KeyReleaseRefusal.UNSUPPORTED_ALGORITHM,
          null,
          "KeyEncryptionAlgorithm must be RSAES_OAEP_SHA_256");
    }
    VerifiedAttestation v;
    try {
      v = verifier.verify(document);
    } catch (AttestationRejectedException e) {
      throw KmsError.accessDenied(
          KeyReleaseRefusal.ATTESTATION_REJECTED, e.reason().name(), e.detail());
    }
    byte[] spki = v.publicKey();
    if (spki == null) {
      throw KmsError.accessDenied(
          KeyReleaseRefusal.RECIPIENT_KEY_INVALID, null, "attestation document has no public_key");
    }
    PublicKey key;
    try {
      key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(spki));
    } catch (GeneralSecurityException e) {
      throw KmsError.accessDenied(
          KeyReleaseRefusal.RECIPIENT_KEY_INVALID,
          null,
          "public_key is not an RSA SubjectPublicKeyInfo");
    }
    RSAPublicKey rsa = (RSAPublicKey) key;
    if (rsa.getModulus().bitLength() < 2048) {
      throw KmsError.accessDenied(
          KeyReleaseRefusal.RECIPIENT_KEY_INVALID, null, "public_key is shorter than 2048 bits");
    }
    Map<String, String> keys = new TreeMap<>();
    for (Map.Entry<Integer, byte[]> e : v.document().pcrs().entrySet()) {
      keys.put("kms:RecipientAttestation:PCR" + e.getKey(), HEX.formatHex(e.getValue()));
    }
    String image = keys.get("kms:RecipientAttestation:PCR0");
    if (image != null) {
      keys.put("kms:RecipientAttestation:ImageSha384", image);
    }
    Optional<byte[]> policyHash = KeyReleaseUserData.policyHash(v.userData());
    policyHash.ifPresent(h -> keys.put(KeyPolicy.POLICY_HASH_KEY, HEX.formatHex(h)));
    return new AttestedRecipient(
        rsa, Map.copyOf(keys), image, KeyReleaseUserData.holdsMark(v.userData()));
  }

  RSAPublicKey publicKey() {
    return publicKey;
  }

  /** {@code kms:RecipientAttestation:*} values and the policy-hash extension key. */
  Map<String, String> conditionKeys() {
    return conditionKeys;
  }

  /** PCR0 as hex, or null. */
  String imageSha384() {
    return imageSha384;
  }

  Optional<String> pcr(int index) {
    return Optional.ofNullable(conditionKeys.get("kms:RecipientAttestation:PCR" + index));
  }

  /**
   * Whether the attested enclave asked that this sealed-state GenerateDataKey leave the rollback
   * mark where it is ({@link KeyReleaseUserData#holdsMark}).
   */
  boolean holdsMark() {
    return holdsMark;
  }

  Optional<String> policyHash() {
    return Optional.ofNullable(conditionKeys.get(KeyPolicy.POLICY_HASH_KEY));
  }
}
