package dev.sovereign.enclave.pipeline;

import java.math.BigInteger;

/** NIST P-256 (SEC 2 secp256r1) public point validation, done before any key agreement. */
final class P256 {
  static final BigInteger P =
      new BigInteger("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16);
  static final BigInteger B =
      new BigInteger("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16);
  private static final BigInteger A = P.subtract(BigInteger.valueOf(3));

  private P256() {}

  /**
   * True if {@code params} are P-256's (prime and {@code b} compared; secp256k1 shares the field
   * size).
   */
  static boolean isCurve(java.security.spec.ECParameterSpec params) {
    return params.getCurve().getField() instanceof java.security.spec.ECFieldFp fp
        && fp.getP().equals(P)
        && params.getCurve().getB().equals(B);
  }

  /**
   * True if {@code (x, y)} is an affine point of P-256: both coordinates in {@code [0, p)} and
   * {@code y^2 = x^3 - 3x + b (mod p)}. P-256 has cofactor 1, so every such point is in the
   * prime-order group; the point at infinity has no affine form and cannot pass.
   */
  static boolean onCurve(BigInteger x, BigInteger y) {
    if (x.signum() < 0 || y.signum() < 0 || x.compareTo(P) >= 0 || y.compareTo(P) >= 0) {
      return false;
    }
    BigInteger lhs = y.multiply(y).mod(P);
    BigInteger rhs = x.multiply(x).multiply(x).add(A.multiply(x)).add(B).mod(P);
    return lhs.equals(rhs);
  }
}
