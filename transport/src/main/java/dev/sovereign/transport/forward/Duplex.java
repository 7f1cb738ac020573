package dev.sovereign.transport.forward;

import java.io.Closeable;
import java.io.IOException;

/**
 * One connected byte stream of any transport. {@link #read} and {@link #write} may run at the same
 * time in two threads (one reader, one writer); {@link #close()} from any thread ends both.
 */
public interface Duplex extends Closeable {
  /** Reads up to {@code len} bytes; -1 at end of stream. */
  int read(byte[] b, int off, int len) throws IOException;

  /** Writes all {@code len} bytes. */
  void write(byte[] b, int off, int len) throws IOException;

  /** Half-close: the peer reads end of stream; reading from this side goes on. */
  void shutdownOutput() throws IOException;

  @Override
  void close();
}
