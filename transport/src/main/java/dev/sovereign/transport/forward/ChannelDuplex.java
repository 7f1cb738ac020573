package dev.sovereign.transport.forward;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A blocking TCP or AF_UNIX channel; reads and writes go to the channel directly (no shared lock).
 */
final class ChannelDuplex implements Duplex {
  private final SocketChannel ch;

  ChannelDuplex(SocketChannel ch) {
    this.ch = ch;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    return ch.read(ByteBuffer.wrap(b, off, len));
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  @Override
  public void shutdownOutput() throws IOException {
    ch.shutdownOutput();
  }

  @Override
  public void close() {
    try {
      ch.close();
    } catch (IOException e) {
      // already gone
    }
  }
}
