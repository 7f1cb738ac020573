package dev.sovereign.transport.vsock;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.ptr.IntByReference;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A connected AF_VSOCK stream socket with blocking streams. {@link #connect} is a non-blocking
 * {@code connect} followed by {@code poll} and {@code SO_ERROR}, so it returns or fails within its
 * timeout; reads honour {@link #setSoTimeout}; {@link #close()} from another thread ends a blocked
 * read with {@link java.net.SocketException}.
 */
public final class VsockSocket implements Closeable {
  private static final LibC C = LibC.INSTANCE;
  private static final int CHUNK = 64 * 1024;

  private final VsockFd fd;
  private volatile int soTimeout;
  private final InputStream in = new In();
  private final OutputStream out = new Out();

  VsockSocket(VsockFd fd) {
    this.fd = fd;
  }

  static String format(long cid, long port) {
    return "vsock:" + (cid == VsockServerSocket.CID_ANY ? "any" : Long.toString(cid)) + ":" + port;
  }

  /** Connects to {@code cid}:{@code port}, failing after {@code timeoutMillis} (> 0). */
  public static VsockSocket connect(long cid, long port, int timeoutMillis) throws IOException {
    if (timeoutMillis <= 0) {
      throw new IllegalArgumentException("connect timeout must be positive");
    }
    String address = format(cid, port);
    VsockFd fd = VsockFd.open(address);
    try {
      int n = fd.acquire();
      try {
        if (C.connect(n, SockaddrVm.of(cid, port), SockaddrVm.SIZE) != 0) {
          int errno = Native.getLastError();
          if (errno != Errno.EINPROGRESS && errno != Errno.EINTR) {
            throw Errno.exception("connect", address, errno);
          }
          fd.await(LibC.POLLOUT, timeoutMillis, "connect");
          IntByReference error = new IntByReference();
          IntByReference length = new IntByReference(4);
          if (C.getsockopt(n, LibC.SOL_SOCKET, LibC.SO_ERROR, error, length) != 0) {
            throw Errno.exception(
                "getsockopt(SO_ERROR) after connect", address, Native.getLastError());
          }
          if (error.getValue() != 0) {
            throw Errno.exception("connect", address, error.getValue());
          }
        }
      } finally {
        fd.release();
      }
      return new VsockSocket(fd);
    } catch (IOException | RuntimeException e) {
      fd.close();
      throw e;
    }
  }

  /** Read timeout in milliseconds; 0 waits without limit. */
  public void setSoTimeout(int millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("negative timeout");
    }
    soTimeout = millis;
  }

  public int getSoTimeout() {
    return soTimeout;
  }

  public InputStream getInputStream() {
    return in;
  }

  public OutputStream getOutputStream() {
    return out;
  }

  public boolean isClosed() {
    return fd.isClosed();
  }

  /**
   * Half-close: {@code shutdown(SHUT_WR)}, so the peer reads end of stream while this side can
   * still read its answer (what a TLS client's close_notify followed by the server's needs).
   */
  public void shutdownOutput() throws IOException {
    int n = fd.acquire();
    try {
      if (C.shutdown(n, LibC.SHUT_WR) != 0) {
        throw Errno.exception("shutdown(SHUT_WR)", fd.address(), Native.getLastError());
      }
    } finally {
      fd.release();
    }
  }

  @Override
  public void close() {
    fd.close();
  }

  @Override
  public String toString() {
    return fd.address();
  }

  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      int n = fd.acquire();
      try (Memory buffer = new Memory(Math.min(len, CHUNK))) {
        while (true) {
          long got = C.read(n, buffer, new NativeLong(buffer.size())).longValue();
          if (got > 0) {
            buffer.read(0, b, off, (int) got);
            return (int) got;
          }
          if (got == 0) {
            return -1;
          }
          int errno = Native.getLastError();
          if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
            fd.await(LibC.POLLIN, soTimeout, "read");
            continue;
          }
          throw Errno.exception("read", fd.address(), errno);
        }
      } finally {
        fd.release();
      }
    }
  }

  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      int n = fd.acquire();
      try (Memory buffer = new Memory(Math.max(1, Math.min(len, CHUNK)))) {
        while (len > 0) {
          int chunk = (int) Math.min(len, buffer.size());
          buffer.write(0, b, off, chunk);
          int sent = 0;
          while (sent < chunk) {
            long w =
                C.send(n, buffer.share(sent), new NativeLong(chunk - sent), LibC.MSG_NOSIGNAL)
                    .longValue();
            if (w >= 0) {
              sent += (int) w;
              continue;
            }
            int errno = Native.getLastError();
            if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
              fd.await(LibC.POLLOUT, 0, "write");
              continue;
            }
            throw Errno.exception("write", fd.address(), errno);
          }
          off += chunk;
          len -= chunk;
        }
      } finally {
        fd.release();
      }
    }
  }
}
