package dev.sovereign.transport.vsock;

import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import java.io.Closeable;
import java.io.IOException;

/**
 * A listening AF_VSOCK stream socket ({@code socket}, {@code bind}, {@code listen}, {@code accept4}
 * through JNA). {@link #accept()} blocks until a peer connects or {@link #close()} is called from
 * another thread (then it throws {@link java.net.SocketException}).
 */
public final class VsockServerSocket implements Closeable {
  /** {@code VMADDR_CID_ANY}. */
  public static final long CID_ANY = 0xFFFFFFFFL;

  /** {@code VMADDR_PORT_ANY}: let the kernel choose the port. */
  public static final long PORT_ANY = 0xFFFFFFFFL;

  private static final LibC C = LibC.INSTANCE;
  private final VsockFd fd;
  private final long cid;
  private final long port;

  private VsockServerSocket(VsockFd fd, long cid, long port) {
    this.fd = fd;
    this.cid = cid;
    this.port = port;
  }

  /** Binds {@code cid}:{@code port} (unsigned 32-bit) and listens with {@code backlog}. */
  public static VsockServerSocket bind(long cid, long port, int backlog) throws IOException {
    String address = VsockSocket.format(cid, port);
    VsockFd fd = VsockFd.open(address);
    try {
      int n = fd.acquire();
      try {
        SockaddrVm a = SockaddrVm.of(cid, port);
        if (C.bind(n, a, SockaddrVm.SIZE) != 0) {
          throw Errno.exception("bind", address, Native.getLastError());
        }
        if (C.listen(n, backlog) != 0) {
          throw Errno.exception("listen", address, Native.getLastError());
        }
        SockaddrVm bound = new SockaddrVm();
        IntByReference length = new IntByReference(SockaddrVm.SIZE);
        if (C.getsockname(n, bound, length) != 0) {
          throw Errno.exception("getsockname", address, Native.getLastError());
        }
        bound.read();
        return new VsockServerSocket(fd, cid, bound.port());
      } finally {
        fd.release();
      }
    } catch (IOException | RuntimeException e) {
      fd.close();
      throw e;
    }
  }

  /** The CID bound (as given: {@link #CID_ANY} stays ANY). */
  public long cid() {
    return cid;
  }

  /** The port bound (the kernel's choice for {@link #PORT_ANY}). */
  public long port() {
    return port;
  }

  /** Waits for a connection. */
  public VsockSocket accept() throws IOException {
    int n = fd.acquire();
    try {
      while (true) {
        int accepted = C.accept4(n, null, null, LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC);
        if (accepted >= 0) {
          return new VsockSocket(VsockFd.adopt(accepted, "peer of " + fd.address()));
        }
        int errno = Native.getLastError();
        if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
          fd.await(LibC.POLLIN, 0, "accept");
          continue;
        }
        throw Errno.exception("accept", fd.address(), errno);
      }
    } finally {
      fd.release();
    }
  }

  public boolean isClosed() {
    return fd.isClosed();
  }

  @Override
  public void close() {
    fd.close();
  }

  @Override
  public String toString() {
    return VsockSocket.format(cid, port);
  }
}
