package dev.sovereign.attestation.kms;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * Secret key material (a plaintext data key). Raw bytes need a {@link SecretAccess} token, {@link
 * #toString()} never shows them, comparison is constant time ({@link #equalsSecret}), and {@link
 * #destroy()} overwrites them.
 */
public final class SecretBytes implements Destroyable {
  private final byte[] bytes;
  private volatile boolean destroyed;

  private SecretBytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A secret holding a copy of {@code bytes}; the caller should wipe its own array. */
  public static SecretBytes copyOf(byte[] bytes, SecretAccess access) {
    Objects.requireNonNull(access, "access");
    return new SecretBytes(Objects.requireNonNull(bytes, "bytes").clone());
  }

  /** Takes ownership of {@code bytes} (no copy): for buffers that were just decrypted into. */
  static SecretBytes adopt(byte[] bytes) {
    return new SecretBytes(bytes);
  }

  /** A copy of the raw bytes; the caller owns (and should wipe) the copy. */
  public byte[] toByteArray(SecretAccess access) {
    Objects.requireNonNull(access, "access");
    if (destroyed) {
      throw new IllegalStateException("secret destroyed");
    }
    return bytes.clone();
  }

  /** Length in bytes (not secret). */
  public int size() {
    return bytes.length;
  }

  /** Constant-time comparison of the secret values. */
  public boolean equalsSecret(SecretBytes other) {
    return !destroyed && !other.destroyed && MessageDigest.isEqual(bytes, other.bytes);
  }

  /** Overwrites the bytes with zeros; later access fails. */
  @Override
  public void destroy() {
    Arrays.fill(bytes, (byte) 0);
    destroyed = true;
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  /** Never the value: only the length. */
  @Override
  public String toString() {
    return "SecretBytes[" + bytes.length + " bytes, redacted]";
  }
}
