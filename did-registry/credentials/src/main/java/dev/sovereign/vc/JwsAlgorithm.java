package dev.sovereign.vc;

import java.util.Optional;

/**
 * The JWS algorithms Sovereign signs and verifies with; anything else (including {@code none}) is
 * rejected.
 */
public enum JwsAlgorithm {
  /** Ed25519 (RFC 8037). */
  EdDSA("EdDSA"),
  /** ECDSA P-256 with SHA-256, signature r||s (RFC 7518). */
  ES256("ES256"),
  /** ECDSA secp256k1 with SHA-256, signature r||s (RFC 8812). */
  ES256K("ES256K"),
  /**
   * did-jwt's recoverable secp256k1: r||s||v, verified by recovering the key (non-standard, read
   * only).
   */
  ES256K_R("ES256K-R");

  private final String joseName;

  JwsAlgorithm(String joseName) {
    this.joseName = joseName;
  }

  /** The {@code alg} header value. */
  public String joseName() {
    return joseName;
  }

  /** The algorithm named by a header value, exact match only. */
  public static Optional<JwsAlgorithm> fromJoseName(String name) {
    for (JwsAlgorithm a : values()) {
      if (a.joseName.equals(name)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
