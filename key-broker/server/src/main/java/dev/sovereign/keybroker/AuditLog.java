package dev.sovereign.keybroker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Append-only, hash-chained audit log ({@code audit.log}, JSON lines, mode 0600). Each entry holds
 * {@code prev}, the SHA-256 (hex) of the previous line's bytes (64 zeros for the first), so an
 * edited, removed or reordered line breaks the chain at that point ({@link #verify}). Entries hold
 * decisions, measurements and encryption contexts, never key material.
 */
public final class AuditLog {
  static final String FILE = "audit.log";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GENESIS = "0".repeat(64);

  private final Path file;
  private final Clock clock;

  private AuditLog(Path file, Clock clock) {
    this.file = file;
    this.clock = clock;
  }

  static AuditLog open(Path stateDir, Clock clock) throws IOException {
    Path file = stateDir.resolve(FILE);
    if (!Files.exists(file)) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(StateFiles.OWNER_RW));
    }
    verify(file);
    return new AuditLog(file, clock);
  }

  /**
   * Appends one entry; {@code fields} must not hold key material. The file is locked and its last
   * line re-read, so the admin CLI and a running broker can both append without breaking the chain.
   */
  @SuppressWarnings("try") // the lock is held for the block, never referenced
  synchronized void append(String event, Map<String, ?> fields) throws IOException {
    try (FileChannel ch =
            FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      long size = ch.size();
      String last = lastLine(ch, size);
      String prev = last == null ? GENESIS : sha256(last.getBytes(StandardCharsets.UTF_8));
      long number = last == null ? 1 : JSON.readTree(last).path("n").asLong() + 1;
      ObjectNode n = JSON.createObjectNode();
      n.put("n", number);
      n.put("time", clock.instant().toString());
      n.put("event", event);
      n.set("fields", JSON.valueToTree(fields));
      n.put("prev", prev);
      byte[] line = JSON.writeValueAsBytes(n);
      ByteBuffer buf = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
      long pos = size;
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
      ch.force(true);
    }
  }

  private static String lastLine(FileChannel ch, long size) throws IOException {
    if (size == 0) {
      return null;
    }
    long end = size - 1; // the trailing newline
    long start = end;
    ByteBuffer one = ByteBuffer.allocate(1);
    while (start > 0) {
      one.clear();
      ch.read(one, start - 1);
      if (one.get(0) == '\n') {
        break;
      }
      start--;
    }
    ByteBuffer line = ByteBuffer.allocate((int) (end - start));
    while (line.hasRemaining()) {
      ch.read(line, start + line.position());
    }
    return new String(line.array(), StandardCharsets.UTF_8);
  }

  /** The hash of the last line: publish or pin it to detect truncation. */
  public String head() throws IOException {
    return verify(file).head();
  }

  /** The log file. */
  public Path file() {
    return file;
  }

  /** The chain checked from the first line: entry count and head hash. */
  public record Verified(long entries, String head) {}

  /** Thrown when the chain is broken; {@code line} is 1-based. */
  public static final class BrokenChainException extends IOException {
    private static final long serialVersionUID = 1L;
    private final long line;

    BrokenChainException(long line, String detail) {
      super("AUDIT_CHAIN_BROKEN at line " + line + ": " + detail);
      this.line = line;
    }

    /** The first line that does not chain. */
    public long line() {
      return line;
    }
  }

  /** Verifies the whole chain of {@code file}. */
  public static Verified verify(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    String prev = GENESIS;
    long n = 0;
    for (String line : lines) {
      n++;
      String claimed;
      long number;
      try {
        var node = JSON.readTree(line);
        claimed = node.path("prev").asText("");
        number = node.path("n").asLong(-1);
      } catch (IOException e) {
        throw new BrokenChainException(n, "not JSON");
      }
      if (!claimed.equals(prev) || number != n) {
        throw new BrokenChainException(n, "prev hash or sequence does not match");
      }
      prev = sha256(line.getBytes(StandardCharsets.UTF_8));
    }
    return new Verified(n, prev);
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
