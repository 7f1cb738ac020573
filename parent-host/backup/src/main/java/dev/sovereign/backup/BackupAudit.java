package dev.sovereign.backup;

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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The backup jobs' audit log: JSON lines {@code {n, time, event, fields, prev}} where {@code prev}
 * is the SHA-256 of the previous line (64 zeros first): the key broker's audit format, so {@code
 * sovereign key-broker verify-audit} style checks apply. Appends lock the file and fsync.
 */
public final class BackupAudit {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GENESIS = "0".repeat(64);

  private final Path file;
  private final Clock clock;

  public BackupAudit(Path file, Clock clock) {
    this.file = file;
    this.clock = clock;
  }

  /** Appends one event; fields hold names, hashes, times and reason codes only (never a blob). */
  @SuppressWarnings("try")
  public void append(String event, Map<String, ?> fields) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (FileChannel ch =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      String last = lines.isEmpty() ? null : lines.get(lines.size() - 1);
      ObjectNode n = JSON.createObjectNode();
      n.put("n", last == null ? 1 : JSON.readTree(last).path("n").asLong() + 1);
      n.put("time", clock.instant().toString());
      n.put("event", event);
      n.set("fields", JSON.valueToTree(fields));
      n.put("prev", last == null ? GENESIS : sha256(last.getBytes(StandardCharsets.UTF_8)));
      byte[] line = JSON.writeValueAsBytes(n);
      ByteBuffer buf = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
      long pos = ch.size();
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
      ch.force(true);
    }
  }

  public static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
