package dev.sovereign.crypto.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Appending to a hash-chained log file: the new lines go after {@code end} in one write and one
 * {@code fsync}; a write that fails is cut off again, so the next append chains from the last
 * complete line.
 */
public final class ChainWriter {
  private ChainWriter() {}

  /** Writes {@code lines} (complete, each ending with {@code \n}) at {@code end} and fsyncs. */
  public static void append(FileChannel ch, long end, byte[] lines) throws IOException {
    try {
      ByteBuffer buf = ByteBuffer.wrap(lines);
      long pos = end;
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
      ch.force(true);
    } catch (IOException e) {
      try {
        ch.truncate(end);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}
