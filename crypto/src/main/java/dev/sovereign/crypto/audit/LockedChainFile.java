package dev.sovereign.crypto.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;

/**
 * A hash-chained log file that several processes append to (the key broker and its admin CLI, the
 * backup jobs): each append locks the file, re-reads its last line to chain from it, writes and
 * fsyncs ({@link ChainWriter}). The file must exist.
 */
public final class LockedChainFile {
  private final Path file;
  private final AuditFormat format;
  private final Clock clock;

  public LockedChainFile(Path file, AuditFormat format, Clock clock) {
    this.file = file;
    this.format = format;
    this.clock = clock;
  }

  /** Appends one entry of kind {@code kind}; returns its sequence number. */
  @SuppressWarnings("try") // the lock is held for the block, never referenced
  public long append(String kind, JsonNode fields) throws IOException {
    try (FileChannel ch =
            FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      long size = ch.size();
      byte[] last = lastLine(ch, size);
      String prev = last == null ? HashChain.GENESIS : HashChain.sha256Hex(last);
      long seq = last == null ? 1 : format.claimedSeq(last) + 1;
      byte[] line = format.line(seq, clock.instant().toString(), kind, fields, prev);
      ByteArrayOutputStream out = new ByteArrayOutputStream(line.length + 1);
      out.write(line);
      out.write('\n');
      ChainWriter.append(ch, size, out.toByteArray());
      return seq;
    }
  }

  /** The log file. */
  public Path file() {
    return file;
  }

  /** The last line's bytes without its newline, or {@code null} for an empty file. */
  private static byte[] lastLine(FileChannel ch, long size) throws IOException {
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
    ByteBuffer line = ByteBuffer.allocate(Math.toIntExact(end - start));
    while (line.hasRemaining()) {
      if (ch.read(line, start + line.position()) < 0) {
        throw new IOException("the log file shrank while it was locked");
      }
    }
    return line.array();
  }
}
