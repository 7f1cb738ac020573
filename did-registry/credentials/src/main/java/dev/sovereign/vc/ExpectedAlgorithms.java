package dev.sovereign.vc;

import dev.sovereign.did.KeyType;
import java.util.Optional;

/**
 * The one algorithm fixed per key type: Ed25519 -> EdDSA, P-256 -> ES256, secp256k1 -> ES256K (and
 * did-jwt's recoverable ES256K-R). A token never selects its own algorithm.
 */
public final class ExpectedAlgorithms {
  private ExpectedAlgorithms() {}

  /** The algorithm for a key type, empty for key types that never sign credentials here. */
  public static Optional<JwsAlgorithm> forKeyType(KeyType type) {
    return switch (type) {
      case ED25519 -> Optional.of(JwsAlgorithm.EdDSA);
      case P256 -> Optional.of(JwsAlgorithm.ES256);
      case SECP256K1 -> Optional.of(JwsAlgorithm.ES256K);
      default -> Optional.empty();
    };
  }

  /** Whether a token's algorithm is acceptable for a key of this type. */
  public static boolean admits(KeyType type, JwsAlgorithm alg) {
    return forKeyType(type)
        .map(a -> a == alg || (a == JwsAlgorithm.ES256K && alg == JwsAlgorithm.ES256K_R))
        .orElse(false);
  }
}
