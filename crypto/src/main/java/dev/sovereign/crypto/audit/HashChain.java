package dev.sovereign.crypto.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The one check of a hash-chained audit log, whichever format it is in ({@link AuditFormat}): every
 * line parses as entry {@code seq} (1, 2, ...) and names the SHA-256 of the line before it as its
 * {@code prev}. An edited, removed, inserted or reordered line breaks the chain at the first line
 * whose {@code prev} or number no longer fits; a log cut at a line boundary is a valid shorter
 * chain, told from the whole by its head ({@link Verified#head()}), which the writer publishes or
 * signs.
 */
public final class HashChain {
  private HashChain() {}

  /** The {@code prev} of the first entry: 64 zeros. */
  public static final String GENESIS = "0".repeat(64);

  /**
   * A chain that verified: entry count, head (the SHA-256 of the last line, {@link #GENESIS} when
   * empty), each line's hash and each parsed entry.
   */
  public record Verified(
      long entries, String head, List<String> hashes, List<AuditFormat.Entry> lines) {}

  /** Lowercase hex SHA-256: the hash of a line, as {@code prev} and heads name it. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Splits a log file's bytes into lines. Every line ends with {@code \n}; a final line without it
   * is a write cut short and breaks the chain.
   */
  public static List<String> lines(AuditFormat format, byte[] file) throws ChainBrokenException {
    String s = new String(file, StandardCharsets.UTF_8);
    if (s.isEmpty()) {
      return List.of();
    }
    if (!s.endsWith("\n")) {
      throw new ChainBrokenException(format, s.split("\n", -1).length, "last line is incomplete");
    }
    return Arrays.asList(s.substring(0, s.length() - 1).split("\n", -1));
  }

  /** Verifies a whole log: its lines are entries 1.. chained from {@link #GENESIS}. */
  public static Verified verify(AuditFormat format, List<String> lines)
      throws ChainBrokenException {
    return verify(format, 0, GENESIS, lines);
  }

  /** Verifies a whole log file's bytes ({@link #lines} then {@link #verify(AuditFormat, List)}). */
  public static Verified verify(AuditFormat format, byte[] file) throws ChainBrokenException {
    return verify(format, lines(format, file));
  }

  /**
   * Verifies {@code lines} as entries {@code after + 1 ..} of a chain whose entry {@code after} has
   * hash {@code prev}; with {@code prev == null} the first line's {@code prev} is not checked (a
   * fragment whose predecessor the caller does not know).
   */
  public static Verified verify(AuditFormat format, long after, String prev, List<String> lines)
      throws ChainBrokenException {
    List<String> hashes = new ArrayList<>(lines.size());
    List<AuditFormat.Entry> entries = new ArrayList<>(lines.size());
    long seq = after;
    for (String line : lines) {
      seq++;
      if (line == null) {
        throw new ChainBrokenException(format, seq, "no entry");
      }
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      AuditFormat.Entry e = format.parse(seq, bytes);
      if (prev != null && !prev.equals(e.prev())) {
        throw new ChainBrokenException(format, seq, format.prevMismatch());
      }
      prev = sha256Hex(bytes);
      hashes.add(prev);
      entries.add(e);
    }
    return new Verified(seq - after, prev, List.copyOf(hashes), List.copyOf(entries));
  }
}
