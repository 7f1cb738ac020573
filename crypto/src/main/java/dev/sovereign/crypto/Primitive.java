package dev.sovereign.crypto;

import java.util.List;

/**
 * The primitives the system uses, each with the JCA services that make it up. {@link Crypto} routes
 * every service of a primitive to one underlying provider, so a primitive is served by exactly one
 * implementation and {@link Crypto#describe()} can name it.
 */
public enum Primitive {
  /** ECDH on P-256 (JWE {@code ECDH-ES}, the payload key agreement). */
  ECDH("ECDH", List.of(Service.of("KeyAgreement", "ECDH"))),
  /**
   * ECDSA on P-256/P-384 (JWS {@code ES256}, COSE and X.509 {@code ES384}); DER and P1363 forms.
   */
  ECDSA(
      "ECDSA",
      List.of(
          Service.of("Signature", "SHA256withECDSA"),
          Service.of("Signature", "SHA384withECDSA"),
          Service.of("Signature", "SHA512withECDSA"),
          Service.of("Signature", "SHA256withECDSAinP1363Format"),
          Service.of("Signature", "SHA384withECDSAinP1363Format"),
          Service.of("Signature", "SHA512withECDSAinP1363Format"))),
  /** Ed25519 (JWS {@code EdDSA}, did:key, credentials). */
  EDDSA("EdDSA", List.of(Service.of("Signature", "Ed25519", "EdDSA"))),
  /** AES-GCM (JWE {@code A256GCM}, sealed state, key-broker blobs). */
  AES_GCM("AES-GCM", List.of(Service.of("Cipher", "AES/GCM/NoPadding"))),
  /** AES key wrap, RFC 3394 (JWE {@code A256KW}). */
  AES_KW("AES-KW", List.of(Service.of("Cipher", "AESWrap", "AESWrap_256"))),
  /** RSA-OAEP (the KMS recipient envelope, CMS KeyTransRecipientInfo). */
  RSA_OAEP("RSA-OAEP", List.of(Service.of("Cipher", "RSA/ECB/OAEPPadding"))),
  /** SHA-2 digests. */
  DIGEST(
      "SHA-2",
      List.of(
          Service.of("MessageDigest", "SHA-256"),
          Service.of("MessageDigest", "SHA-384"),
          Service.of("MessageDigest", "SHA-512"))),
  /** HMAC with SHA-2 (JWE's Concat KDF uses the digest, HMAC is for tokens and audit heads). */
  HMAC(
      "HMAC",
      List.of(
          Service.of("Mac", "HmacSHA256"),
          Service.of("Mac", "HmacSHA384"),
          Service.of("Mac", "HmacSHA512"))),
  /** EC key encoding and generation. */
  EC_KEYS("EC keys", List.of(Service.of("KeyFactory", "EC"), Service.of("KeyPairGenerator", "EC"))),
  /** Ed25519 key encoding and generation. */
  ED25519_KEYS(
      "Ed25519 keys",
      List.of(Service.of("KeyFactory", "Ed25519"), Service.of("KeyPairGenerator", "Ed25519"))),
  /** RSA key encoding and generation. */
  RSA_KEYS(
      "RSA keys", List.of(Service.of("KeyFactory", "RSA"), Service.of("KeyPairGenerator", "RSA")));

  private final String label;
  private final List<Service> services;

  Primitive(String label, List<Service> services) {
    this.label = label;
    this.services = services;
  }

  /** Short human name, as in the startup line and the bench output. */
  public String label() {
    return label;
  }

  List<Service> services() {
    return services;
  }

  /**
   * One JCA service: its type, its name in Sovereign's provider and the aliases it answers to.
   * {@code target} names the service in the underlying provider when it differs per backend (see
   * {@link Crypto}).
   */
  record Service(String type, String algorithm, List<String> aliases) {
    static Service of(String type, String algorithm, String... aliases) {
      return new Service(type, algorithm, List.of(aliases));
    }
  }
}
