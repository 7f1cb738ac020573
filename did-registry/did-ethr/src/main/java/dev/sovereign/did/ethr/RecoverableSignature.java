package dev.sovereign.did.ethr;

/**
 * A secp256k1 signature with its recovery id, as Ethereum's {@code ecrecover} takes it.
 *
 * @param v 27 or 28
 * @param r 32 bytes
 * @param s 32 bytes
 */
public record RecoverableSignature(int v, byte[] r, byte[] s) {
  /** Validates sizes and copies the arrays. */
  public RecoverableSignature {
    if (v != 27 && v != 28) {
      throw new IllegalArgumentException("v must be 27 or 28, was " + v);
    }
    if (r == null || r.length != 32 || s == null || s.length != 32) {
      throw new IllegalArgumentException("r and s must be 32 bytes each");
    }
    r = r.clone();
    s = s.clone();
  }

  @Override
  public byte[] r() {
    return r.clone();
  }

  @Override
  public byte[] s() {
    return s.clone();
  }
}
