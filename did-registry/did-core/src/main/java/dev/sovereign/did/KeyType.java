package dev.sovereign.did;

import java.util.Optional;

/**
 * Public key types Sovereign understands, with their multicodec code (multiformats table) and JWK
 * names (RFC 7518 / RFC 8037 / RFC 8812).
 */
public enum KeyType {
  /** Ed25519, multicodec {@code ed-pub} 0xed, 32-byte key. */
  ED25519(0xed, "OKP", "Ed25519", 32),
  /** X25519, multicodec {@code x25519-pub} 0xec, 32-byte key; key agreement only. */
  X25519(0xec, "OKP", "X25519", 32),
  /** NIST P-256, multicodec {@code p256-pub} 0x1200, 33-byte compressed point. */
  P256(0x1200, "EC", "P-256", 33),
  /** NIST P-384, multicodec {@code p384-pub} 0x1201, 49-byte compressed point. */
  P384(0x1201, "EC", "P-384", 49),
  /** NIST P-521, multicodec {@code p521-pub} 0x1202, 67-byte compressed point. */
  P521(0x1202, "EC", "P-521", 67),
  /** secp256k1, multicodec {@code secp256k1-pub} 0xe7, 33-byte compressed point. */
  SECP256K1(0xe7, "EC", "secp256k1", 33);

  private final int multicodec;
  private final String kty;
  private final String crv;
  private final int compressedLength;

  KeyType(int multicodec, String kty, String crv, int compressedLength) {
    this.multicodec = multicodec;
    this.kty = kty;
    this.crv = crv;
    this.compressedLength = compressedLength;
  }

  /** The multicodec code (before varint encoding). */
  public int multicodec() {
    return multicodec;
  }

  /** JWK {@code kty}. */
  public String jwkKty() {
    return kty;
  }

  /** JWK {@code crv}. */
  public String jwkCrv() {
    return crv;
  }

  /** Length of the raw (OKP) or SEC1-compressed (EC) public key in bytes. */
  public int compressedLength() {
    return compressedLength;
  }

  /** True for the Weierstrass curves (SEC1 point encoding). */
  public boolean isEc() {
    return "EC".equals(kty);
  }

  /** The key type with this multicodec code. */
  public static Optional<KeyType> fromMulticodec(int code) {
    for (KeyType t : values()) {
      if (t.multicodec == code) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** The key type with this JWK {@code crv}. */
  public static Optional<KeyType> fromJwkCrv(String crv) {
    for (KeyType t : values()) {
      if (t.crv.equals(crv)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
