package dev.sovereign.keybroker;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.crypto.audit.AuditFormat;
import dev.sovereign.crypto.audit.ChainBrokenException;
import dev.sovereign.crypto.audit.HashChain;
import dev.sovereign.crypto.audit.LockedChainFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;

/**
 * Append-only, hash-chained audit log ({@code audit.log}, JSON lines, mode 0600): the shared chain
 * ({@code dev.sovereign.crypto.audit}) in {@link AuditFormat#EVENT_LINES}. Each entry holds {@code
 * prev}, the SHA-256 (hex) of the previous line's bytes (64 zeros for the first), so an edited,
 * removed or reordered line breaks the chain at that point ({@link #verify}). Entries hold
 * decisions, measurements and encryption contexts, never key material.
 */
public final class AuditLog {
  static final String FILE = "audit.log";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LockedChainFile chain;

  private AuditLog(LockedChainFile chain) {
    this.chain = chain;
  }

  static AuditLog open(Path stateDir, Clock clock) throws IOException {
    Path file = stateDir.resolve(FILE);
    if (!Files.exists(file)) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(StateFiles.OWNER_RW));
    }
    LockedChainFile chain = new LockedChainFile(file, AuditFormat.EVENT_LINES, clock);
    chain.dropTornTail(); // a crash cut the last append short: dropped and recorded, never refused
    verify(file);
    return new AuditLog(chain);
  }

  /**
   * Appends one entry; {@code fields} must not hold key material. The file is locked and its last
   * line re-read, so the admin CLI and a running broker can both append without breaking the chain.
   */
  synchronized void append(String event, Map<String, ?> fields) throws IOException {
    chain.append(event, JSON.valueToTree(fields));
  }

  /** The hash of the last line: publish or pin it to detect truncation. */
  public String head() throws IOException {
    return verify(chain.file()).head();
  }

  /** The log file. */
  public Path file() {
    return chain.file();
  }

  /** The chain checked from the first line: entry count and head hash. */
  public record Verified(long entries, String head) {}

  /** Thrown when the chain is broken; {@code line} is 1-based. */
  public static final class BrokenChainException extends IOException {
    private static final long serialVersionUID = 1L;
    private final long line;

    BrokenChainException(ChainBrokenException e) {
      super(e.getMessage());
      this.line = e.line();
    }

    /** The first line that does not chain. */
    public long line() {
      return line;
    }
  }

  /** Verifies the whole chain of {@code file}. */
  public static Verified verify(Path file) throws IOException {
    try {
      HashChain.Verified v = HashChain.verify(AuditFormat.EVENT_LINES, Files.readAllBytes(file));
      return new Verified(v.entries(), v.head());
    } catch (ChainBrokenException e) {
      throw new BrokenChainException(e);
    }
  }
}
