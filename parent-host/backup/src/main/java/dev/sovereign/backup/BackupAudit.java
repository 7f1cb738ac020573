package dev.sovereign.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.crypto.audit.AuditFormat;
import dev.sovereign.crypto.audit.ChainBrokenException;
import dev.sovereign.crypto.audit.HashChain;
import dev.sovereign.crypto.audit.LockedChainFile;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * The backup jobs' audit log: the shared chain ({@code dev.sovereign.crypto.audit}) in the key
 * broker's format, {@link AuditFormat#EVENT_LINES} (JSON lines {@code {n, time, event, fields,
 * prev}} where {@code prev} is the SHA-256 of the previous line, 64 zeros first), so {@code
 * sovereign key-broker verify-audit} checks it as well. Appends lock the file and fsync.
 */
public final class BackupAudit {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LockedChainFile chain;

  public BackupAudit(Path file, Clock clock) {
    this.chain = new LockedChainFile(file, AuditFormat.EVENT_LINES, clock);
  }

  /** Appends one event; fields hold names, hashes, times and reason codes only (never a blob). */
  public void append(String event, Map<String, ?> fields) throws IOException {
    Path file = chain.file();
    Files.createDirectories(file.toAbsolutePath().getParent());
    if (!Files.exists(file)) {
      try {
        Files.createFile(file);
      } catch (FileAlreadyExistsException raced) {
        // another job created it first: append to theirs
      }
    }
    chain.append(event, JSON.valueToTree(fields));
  }

  /**
   * Verifies the whole chain of {@code file}.
   *
   * @throws ChainBrokenException with {@code AUDIT_CHAIN_BROKEN} and the first line that does not
   *     chain
   */
  public static HashChain.Verified verify(Path file) throws IOException, ChainBrokenException {
    return HashChain.verify(AuditFormat.EVENT_LINES, Files.readAllBytes(file));
  }

  /** Lowercase hex SHA-256 (blob names and hashes in the log's fields). */
  public static String sha256(byte[] b) {
    return HashChain.sha256Hex(b);
  }
}
