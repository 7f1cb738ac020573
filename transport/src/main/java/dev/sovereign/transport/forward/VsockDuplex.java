package dev.sovereign.transport.forward;

import dev.sovereign.transport.vsock.VsockSocket;
import java.io.IOException;

/** A connected vsock socket. */
final class VsockDuplex implements Duplex {
  private final VsockSocket s;

  VsockDuplex(VsockSocket s) {
    this.s = s;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    return s.getInputStream().read(b, off, len);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    s.getOutputStream().write(b, off, len);
  }

  @Override
  public void shutdownOutput() throws IOException {
    s.shutdownOutput();
  }

  @Override
  public void close() {
    s.close();
  }
}
