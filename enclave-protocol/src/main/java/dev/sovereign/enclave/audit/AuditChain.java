package dev.sovereign.enclave.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.policy.Jcs;
import dev.sovereign.enclave.protocol.Codec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;

/**
 * An append-only, hash-chained JSON-lines audit file. Each line is the RFC 8785 canonical JSON of
 * {@code {fields, kind, prev, seq, time}} in UTF-8 followed by {@code \n}; {@code seq} counts from
 * 1 and {@code prev} is the lowercase hex SHA-256 of the previous line's bytes (without the
 * newline), 64 zeros for the first. The head at {@code seq} is the SHA-256 of line {@code seq}.
 * Fields hold ids, hashes and reason codes only, never payload content or key material.
 */
public final class AuditChain {
  /** The {@code prev} of the first entry. */
  public static final String GENESIS = "0".repeat(64);

  /** The kind of the entry that records an enclave-signed head. */
  public static final String HEAD_SIGNED = "audit-head-signed";

  private final Path file;
  private final Clock clock;
  private final long droppedTailBytes;
  private long seq;
  private String head;

  private AuditChain(Path file, Clock clock, long seq, String head, long droppedTailBytes) {
    this.file = file;
    this.clock = clock;
    this.seq = seq;
    this.head = head;
    this.droppedTailBytes = droppedTailBytes;
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
    return new AuditChain(file, clock, c.entries(), c.head(), dropped);
  }

  /** Bytes of an incomplete last line that {@link #open} cut off (0 normally). */
  public long droppedTailBytes() {
    return droppedTailBytes;
  }

  /** The canonical bytes of one entry (no newline). */
  public static byte[] line(long seq, String time, String kind, JsonNode fields, String prev) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("seq", seq);
    n.put("time", time);
    n.put("kind", kind);
    n.set("fields", fields);
    n.put("prev", prev);
    return Jcs.canonicalize(n);
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
    for (Map<String, ?> fields : fieldsList) {
      JsonNode f = Codec.json().valueToTree(fields);
      byte[] line = line(++s, time, kind, f, h);
      out.write(line);
      out.write('\n');
      h = sha256Hex(line);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      long size = ch.size();
      try {
        ByteBuffer buf = ByteBuffer.wrap(out.toByteArray());
        long pos = size;
        while (buf.hasRemaining()) {
          pos += ch.write(buf, pos);
        }
        ch.force(true);
      } catch (IOException e) {
        // Leave no partial line behind: the next append must chain from the last complete one.
        try {
          ch.truncate(size);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
    seq = s;
    head = h;
    return seq;
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

  static String sha256Hex(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
