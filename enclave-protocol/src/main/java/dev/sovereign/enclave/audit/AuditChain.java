package dev.sovereign.enclave.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.crypto.Crypto;
import dev.sovereign.crypto.audit.AuditFormat;
import dev.sovereign.crypto.audit.ChainWriter;
import dev.sovereign.crypto.audit.HashChain;
import dev.sovereign.enclave.protocol.Codec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;

/**
 * The host's append-only, hash-chained JSON-lines audit file, kept with the enclave: the shared
 * chain ({@link HashChain}, {@link ChainWriter}) in {@link AuditFormat#CANONICAL_LINES}, with an
 * index of line ends and the signed-head bookkeeping. Each line is the RFC 8785 canonical JSON of
 * {@code {fields, kind, prev, seq, time}} in UTF-8 followed by {@code \n}; {@code seq} counts from
 * 1 and {@code prev} is the lowercase hex SHA-256 of the previous line's bytes (without the
 * newline), 64 zeros for the first. The head at {@code seq} is the SHA-256 of line {@code seq}.
 * Fields hold ids, hashes and reason codes only, never payload content or key material.
 */
public final class AuditChain {
  /** The {@code prev} of the first entry. */
  public static final String GENESIS = HashChain.GENESIS;

  /** The kind of the entry that records an enclave-signed head. */
  public static final String HEAD_SIGNED = "audit-head-signed";

  private final Path file;
  private final Clock clock;
  private final long droppedTailBytes;
  private long seq;
  private String head;

  /** {@code ends[i]}: the file offset just after line {@code i + 1}'s newline. */
  private long[] ends;

  /**
   * SHA-256 of each new line (under the append lock): one instance from the system's crypto choice
   * ({@link Crypto#system()}), not a provider lookup per line.
   */
  private final MessageDigest sha256;

  /** The seq of the last entry that is not a head entry. */
  private long lastPlain;

  /** The highest seq a head entry claims to cover (its {@code covers} field, unverified). */
  private long lastCovered;

  /** The last head entry whose {@code covers} reaches every non-head entry before it. */
  private long lastCompleteHead;

  private AuditChain(
      Path file, Clock clock, long droppedTailBytes, AuditVerifier.Chain c, long[] ends) {
    this.file = file;
    this.clock = clock;
    this.seq = c.entries();
    this.head = c.head();
    this.droppedTailBytes = droppedTailBytes;
    this.ends = ends;
    try {
      this.sha256 = Crypto.system().digest("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is routed for every backend", e);
    }
    for (int i = 0; i < c.nodes().size(); i++) {
      JsonNode n = c.nodes().get(i);
      track(i + 1, n.path("kind").asText(), n.path("fields").path("covers").asLong(0));
    }
  }

  private void track(long entry, String kind, long covers) {
    if (!HEAD_SIGNED.equals(kind)) {
      lastPlain = entry;
      return;
    }
    lastCovered = Math.max(lastCovered, covers);
    if (lastPlain <= covers) {
      lastCompleteHead = entry;
    }
  }

  /**
   * Opens (or creates) the file and checks its chain. A last line without its newline is a write
   * cut short by a crash (appends end with the newline and an fsync): it is cut off, and {@link
   * #droppedTailBytes()} says how many bytes went, so the caller can record that it happened.
   *
   * @throws AuditRejectedException when the complete lines do not form a chain
   */
  public static AuditChain open(Path file, Clock clock) throws IOException, AuditRejectedException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    if (!Files.exists(file)) {
      Files.createFile(file);
    }
    byte[] bytes = Files.readAllBytes(file);
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--;
    }
    long dropped = bytes.length - end;
    if (dropped > 0) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(end);
        ch.force(true);
      }
    }
    AuditVerifier.Chain c =
        AuditVerifier.chain(AuditVerifier.lines(java.util.Arrays.copyOf(bytes, end)));
    long[] ends = new long[Math.max(16, (int) c.entries() * 2)];
    int n = 0;
    for (int i = 0; i < end; i++) {
      if (bytes[i] == '\n') {
        ends[n++] = i + 1;
      }
    }
    return new AuditChain(file, clock, dropped, c, ends);
  }

  /** Bytes of an incomplete last line that {@link #open} cut off (0 normally). */
  public long droppedTailBytes() {
    return droppedTailBytes;
  }

  /** The canonical bytes of one entry (no newline). */
  public static byte[] line(long seq, String time, String kind, JsonNode fields, String prev) {
    return AuditFormat.CANONICAL_LINES.line(seq, time, kind, fields, prev);
  }

  /**
   * The canonical bytes of an entry whose fields are flat (string and integer values) and whose
   * strings need no escaping (printable ASCII without {@code "} and {@code \\}), written directly:
   * the same bytes as {@link #line} of the fields' JSON tree (RFC 8785: members sorted by UTF-16
   * code units, integers below 2^53 as their decimal digits), without building the tree and
   * canonicalizing it, which was most of the cost of the host's one line per verdict
   * (docs/benchmarks.md). Null for any other entry, which then goes through {@link #line}.
   */
  static byte[] plainLine(long seq, String time, String kind, Map<String, ?> fields, String prev) {
    if (!plain(time) || !plain(kind) || !plain(prev)) {
      return null;
    }
    String[] names = new String[fields.size()];
    int n = 0;
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      if (e.getKey() == null || !plain(e.getKey())) {
        return null;
      }
      names[n++] = e.getKey();
    }
    java.util.Arrays.sort(names); // String order is UTF-16 code unit order, as RFC 8785 3.2.3 asks
    StringBuilder sb = new StringBuilder(160 + 48 * names.length);
    sb.append("{\"fields\":{");
    for (int i = 0; i < names.length; i++) {
      Object v = fields.get(names[i]);
      if (i > 0) {
        sb.append(',');
      }
      sb.append('"').append(names[i]).append("\":");
      if (v instanceof String str && plain(str)) {
        sb.append('"').append(str).append('"');
      } else if ((v instanceof Long
              || v instanceof Integer
              || v instanceof Short
              || v instanceof Byte)
          && exact(((Number) v).longValue())) {
        sb.append(((Number) v).longValue());
      } else {
        return null;
      }
    }
    sb.append("},\"kind\":\"")
        .append(kind)
        .append("\",\"prev\":\"")
        .append(prev)
        .append("\",\"seq\":");
    if (!exact(seq)) {
      return null;
    }
    sb.append(seq).append(",\"time\":\"").append(time).append("\"}");
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** 2^53: integers up to it print as their digits in RFC 8785 (they are exact doubles). */
  private static final long MAX_EXACT = 1L << 53;

  private static boolean exact(long v) {
    return v >= -MAX_EXACT && v <= MAX_EXACT;
  }

  /**
   * A JSON string RFC 8785 writes as it stands: printable ASCII without {@code "} or {@code \\}.
   */
  private static boolean plain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /** Appends one entry and fsyncs; returns its seq. */
  public synchronized long append(String kind, Map<String, ?> fields) throws IOException {
    return appendAll(kind, java.util.List.of(fields));
  }

  /**
   * Appends one entry per element of {@code fieldsList}, all with one fsync; returns the last seq.
   */
  public synchronized long appendAll(
      String kind, java.util.List<? extends Map<String, ?>> fieldsList) throws IOException {
    if (fieldsList.isEmpty()) {
      return seq;
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    long s = seq;
    String h = head;
    String time = clock.instant().toString();
    long[] lineEnds = new long[fieldsList.size()];
    for (Map<String, ?> fields : fieldsList) {
      byte[] line = plainLine(++s, time, kind, fields, h);
      if (line == null) {
        line = line(s, time, kind, Codec.json().valueToTree(fields), h);
      }
      out.write(line);
      out.write('\n');
      lineEnds[(int) (s - seq - 1)] = out.size();
      h = HexFormat.of().formatHex(sha256.digest(line));
    }
    long base = seq == 0 ? 0 : ends[(int) seq - 1];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ChainWriter.append(ch, ch.size(), out.toByteArray());
    }
    if (ends.length < s) {
      ends = java.util.Arrays.copyOf(ends, (int) Math.max(s, ends.length * 2L));
    }
    for (int i = 0; i < lineEnds.length; i++) {
      ends[(int) seq + i] = base + lineEnds[i];
    }
    for (int i = 0; i < fieldsList.size(); i++) {
      Object covers = fieldsList.get(i).get("covers");
      track(seq + i + 1, kind, covers instanceof Number n ? n.longValue() : 0);
    }
    seq = s;
    head = h;
    return seq;
  }

  /** The seq of the last entry that is not a {@value #HEAD_SIGNED} entry (0 when none). */
  public synchronized long lastPlain() {
    return lastPlain;
  }

  /** The highest seq a {@value #HEAD_SIGNED} entry covers (0 when none). */
  public synchronized long lastCovered() {
    return lastCovered;
  }

  /**
   * The last {@value #HEAD_SIGNED} entry that covers every other entry before it (0 when none): a
   * prefix of the file ending there is a complete signed export.
   */
  public synchronized long lastCompleteHead() {
    return lastCompleteHead;
  }

  /**
   * The lines (without newline) of entries {@code from..to} (1-based, inclusive), read under the
   * append lock.
   */
  public synchronized java.util.List<String> lines(long from, long to) throws IOException {
    if (from < 1 || to > seq || from > to) {
      throw new IllegalArgumentException("entries " + from + ".." + to + " of " + seq);
    }
    long start = from == 1 ? 0 : ends[(int) from - 2];
    long stop = ends[(int) to - 1];
    byte[] b = read(start, stop);
    String text = new String(b, 0, b.length - 1, java.nio.charset.StandardCharsets.UTF_8);
    return java.util.Arrays.asList(text.split("\n", -1));
  }

  /**
   * The file's bytes up to and including entry {@code to}'s newline, read under the append lock.
   */
  public synchronized byte[] export(long to) throws IOException {
    if (to < 0 || to > seq) {
      throw new IllegalArgumentException("entry " + to + " of " + seq);
    }
    return to == 0 ? new byte[0] : read(0, ends[(int) to - 1]);
  }

  private byte[] read(long start, long stop) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(stop - start));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (buf.hasRemaining()) {
        if (ch.read(buf, start + buf.position()) < 0) {
          throw new IOException("the audit file is shorter than its index");
        }
      }
    }
    return buf.array();
  }

  /** The last entry's seq (0 when empty). */
  public synchronized long seq() {
    return seq;
  }

  /** The SHA-256 of the last line (the genesis value when empty). */
  public synchronized String head() {
    return head;
  }

  /** The log file. */
  public Path file() {
    return file;
  }

  /** The whole file's bytes, read under the append lock (so the last line is complete). */
  public synchronized byte[] export() throws IOException {
    return Files.readAllBytes(file);
  }

  /** Lowercase hex SHA-256 (the hash of a line, as {@code prev} and heads name it). */
  public static String sha256Hex(byte[] b) {
    return HashChain.sha256Hex(b);
  }
}
