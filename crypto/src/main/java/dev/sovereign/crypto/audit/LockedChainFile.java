package dev.sovereign.crypto.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A hash-chained log file that several processes append to (the key broker and its admin CLI, the
 * backup jobs): each append locks the file, re-reads its last line to chain from it, writes and
 * fsyncs ({@link ChainWriter}). The file must exist.
 *
 * <p>Two kinds of concurrent writer are kept apart: other processes by the file lock, and other
 * instances in this JVM on the same file by a lock per path taken first (a JVM may hold a file's
 * lock only once; a second {@code FileChannel.lock} would throw).
 *
 * <p>A last line without its newline can only be an append a crash cut short (an append is one
 * write and one fsync under the lock, and returns only after both): it was never acknowledged. The
 * next writer cuts it off and records that it did, as an entry of kind {@link #TAIL_DROPPED} with
 * the number of bytes and their SHA-256, chained like any other, so the log goes on and an auditor
 * still sees that something was dropped. {@link HashChain#verify} alone still rejects such a file.
 */
public final class LockedChainFile {
  /** The kind of the entry that records a cut-short last line being dropped. */
  public static final String TAIL_DROPPED = "AUDIT_TAIL_DROPPED";

  private static final ConcurrentHashMap<Path, ReentrantLock> IN_THIS_JVM =
      new ConcurrentHashMap<>();

  private final Path file;
  private final AuditFormat format;
  private final Clock clock;
  private final ReentrantLock jvmLock;

  public LockedChainFile(Path file, AuditFormat format, Clock clock) {
    this.file = file;
    this.format = format;
    this.clock = clock;
    this.jvmLock =
        IN_THIS_JVM.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new ReentrantLock());
  }

  /** Appends one entry of kind {@code kind}; returns its sequence number. */
  public long append(String kind, JsonNode fields) throws IOException {
    long[] seq = new long[1];
    lockedRun(ch -> seq[0] = writeEntries(ch, kind, fields));
    return seq[0];
  }

  /**
   * Drops a last line a crash cut short, recording it ({@link #TAIL_DROPPED}); returns the number
   * of bytes dropped (0 when the file ends with a complete line or is empty).
   */
  public long dropTornTail() throws IOException {
    long[] dropped = new long[1];
    lockedRun(ch -> dropped[0] = writeEntries(ch, null, null));
    return dropped[0];
  }

  /** The log file. */
  public Path file() {
    return file;
  }

  private interface Locked {
    void run(FileChannel ch) throws IOException;
  }

  @SuppressWarnings("try") // the file lock is held for the block, never referenced
  private void lockedRun(Locked body) throws IOException {
    jvmLock.lock();
    try (FileChannel ch =
            FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      body.run(ch);
    } finally {
      jvmLock.unlock();
    }
  }

  /**
   * Under the lock: drops a torn tail (writing its {@link #TAIL_DROPPED} entry), then appends the
   * entry {@code kind} unless it is null. Returns the appended entry's sequence number, or with no
   * kind the number of bytes dropped.
   */
  private long writeEntries(FileChannel ch, String kind, JsonNode fields) throws IOException {
    long size = ch.size();
    long end = completeEnd(ch, size);
    long torn = size - end;
    if (torn == 0 && kind == null) {
      return 0;
    }
    byte[] last = lastLine(ch, end);
    String prev = last == null ? HashChain.GENESIS : HashChain.sha256Hex(last);
    long seq = last == null ? 0 : format.claimedSeq(last);
    String time = clock.instant().toString();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (torn > 0) {
      ByteBuffer tail = ByteBuffer.allocate(Math.toIntExact(torn));
      read(ch, tail, end);
      ObjectNode f = JsonNodeFactory.instance.objectNode();
      f.put("bytes", torn);
      f.put("sha256", HashChain.sha256Hex(tail.array()));
      byte[] line = format.line(++seq, time, TAIL_DROPPED, f, prev);
      prev = HashChain.sha256Hex(line);
      out.write(line);
      out.write('\n');
      ch.truncate(end); // a crash right after leaves a shorter, complete log
    }
    if (kind != null) {
      byte[] line = format.line(++seq, time, kind, fields, prev);
      out.write(line);
      out.write('\n');
    }
    ChainWriter.append(ch, end, out.toByteArray());
    return kind == null ? torn : seq;
  }

  /** The offset just past the last newline before {@code size} (0 when there is none). */
  private static long completeEnd(FileChannel ch, long size) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    long end = size;
    while (end > 0) {
      one.clear();
      read(ch, one, end - 1);
      if (one.get(0) == '\n') {
        break;
      }
      end--;
    }
    return end;
  }

  /** The last complete line's bytes without its newline, or {@code null} when there is none. */
  private static byte[] lastLine(FileChannel ch, long end) throws IOException {
    if (end == 0) {
      return null;
    }
    long stop = end - 1; // the trailing newline
    long start = completeEnd(ch, stop);
    ByteBuffer line = ByteBuffer.allocate(Math.toIntExact(stop - start));
    read(ch, line, start);
    return line.array();
  }

  private static void read(FileChannel ch, ByteBuffer into, long at) throws IOException {
    long pos = at;
    while (into.hasRemaining()) {
      int n = ch.read(into, pos);
      if (n < 0) {
        throw new IOException("the log file shrank while it was locked");
      }
      pos += n;
    }
  }
}
