package dev.sovereign.transport.vsock;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * One non-blocking AF_VSOCK descriptor plus an eventfd that wakes threads waiting on it. Every
 * blocking operation is a {@code poll} on both; {@link #close()} signals the eventfd, so a thread
 * in {@code accept} or {@code read} returns with "socket closed" (closing a listening descriptor
 * does not wake {@code accept} on Linux, and {@code shutdown} on a listening vsock socket is
 * ENOTCONN). The descriptors are closed when the last operation using them has returned, so a
 * number is never reused under a waiting thread.
 */
final class VsockFd {
  private static final LibC C = LibC.INSTANCE;

  private final int fd;
  private final int wake;
  private final String address;
  private int inUse;
  private boolean closed;
  private boolean released;

  private VsockFd(int fd, int wake, String address) {
    this.fd = fd;
    this.wake = wake;
    this.address = address;
  }

  /** A new AF_VSOCK stream socket. */
  static VsockFd open(String address) throws IOException {
    int fd = C.socket(LibC.AF_VSOCK, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw Errno.exception("socket(AF_VSOCK)", address, Native.getLastError());
    }
    return adopt(fd, address);
  }

  /** Wraps an accepted descriptor (already non-blocking). */
  static VsockFd adopt(int fd, String address) throws IOException {
    int wake = C.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
    if (wake < 0) {
      int errno = Native.getLastError();
      C.close(fd);
      throw Errno.exception("eventfd for", address, errno);
    }
    return new VsockFd(fd, wake, address);
  }

  String address() {
    return address;
  }

  /** Marks the descriptor in use; fails if closed. */
  synchronized int acquire() throws SocketException {
    if (closed) {
      throw new SocketException("socket closed: " + address);
    }
    inUse++;
    return fd;
  }

  void release() {
    boolean last;
    synchronized (this) {
      inUse--;
      last = closed && inUse == 0 && !released;
      if (last) {
        released = true;
      }
    }
    if (last) {
      closeDescriptors();
    }
  }

  synchronized boolean isClosed() {
    return closed;
  }

  /**
   * Waits until {@code events} are ready on the socket. Returns the revents; throws {@link
   * SocketTimeoutException} after {@code timeoutMillis} (0: no limit) and "socket closed" if {@link
   * #close()} was called meanwhile.
   */
  short await(short events, int timeoutMillis, String operation) throws IOException {
    long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000L : 0;
    try (Memory fds = new Memory(16)) {
      while (true) {
        fds.setInt(0, fd);
        fds.setShort(4, events);
        fds.setShort(6, (short) 0);
        fds.setInt(8, wake);
        fds.setShort(12, LibC.POLLIN);
        fds.setShort(14, (short) 0);
        int wait = -1;
        if (timeoutMillis > 0) {
          long left = (deadline - System.nanoTime()) / 1_000_000L;
          if (left <= 0) {
            throw new SocketTimeoutException(
                operation + " " + address + " timed out after " + timeoutMillis + " ms");
          }
          wait = (int) Math.min(Integer.MAX_VALUE, left);
        }
        int n = C.poll(fds, new NativeLong(2), wait);
        if (n < 0) {
          int errno = Native.getLastError();
          if (errno == Errno.EINTR) {
            continue;
          }
          throw Errno.exception("poll during " + operation, address, errno);
        }
        if (isClosed() || fds.getShort(14) != 0) {
          throw new SocketException("socket closed: " + address);
        }
        short revents = fds.getShort(6);
        if (revents != 0) {
          return revents;
        }
      }
    }
  }

  /** Closes: wakes waiting threads; the descriptors go when the last of them returns. */
  void close() {
    boolean now;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      now = inUse == 0;
      if (now) {
        released = true;
      }
    }
    if (now) {
      closeDescriptors();
    } else {
      try (Memory one = new Memory(8)) {
        one.setLong(0, 1L);
        C.write(wake, one, new NativeLong(8));
      }
    }
  }

  private void closeDescriptors() {
    C.close(fd);
    C.close(wake);
  }
}
