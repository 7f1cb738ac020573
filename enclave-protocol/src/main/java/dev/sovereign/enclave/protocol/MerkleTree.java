package dev.sovereign.enclave.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * The Merkle tree over accepted inputs: RFC 6962 (section 2.1) Merkle Tree Hash with SHA-256 over
 * the leaves sorted in ascending unsigned byte order, so the root does not depend on arrival order.
 * A leaf is SHA-256 of the compact JWE bytes; the tree hashes {@code 0x00 || leaf} for leaves and
 * {@code 0x01 || left || right} for nodes; the empty tree's root is SHA-256 of the empty string.
 */
public final class MerkleTree {
  private MerkleTree() {}

  /** The root over {@code leaves} (any order; they are sorted here). */
  public static byte[] root(List<byte[]> leaves) {
    byte[][] sorted = leaves.toArray(new byte[0][]);
    Arrays.sort(sorted, Arrays::compareUnsigned);
    return mth(sorted, 0, sorted.length);
  }

  private static byte[] mth(byte[][] d, int from, int to) {
    int n = to - from;
    if (n == 0) {
      return sha256(new byte[0]);
    }
    if (n == 1) {
      return sha256((byte) 0x00, d[from]);
    }
    int k = Integer.highestOneBit(n - 1); // largest power of two smaller than n
    return sha256((byte) 0x01, mth(d, from, from + k), mth(d, from + k, to));
  }

  private static byte[] sha256(byte prefix, byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(prefix);
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
