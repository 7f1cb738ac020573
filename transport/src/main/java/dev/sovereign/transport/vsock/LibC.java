package dev.sovereign.transport.vsock;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The part of glibc the vsock sockets use. Every call returns -1 and leaves errno set on failure;
 * callers read it with {@link Native#getLastError()} right after the call (JNA preserves it per
 * thread). Constants are the Linux generic values (x86_64 and aarch64, the Nitro platforms),
 * checked once against the system headers with gcc 12.2.0 on Linux 6.18 (see {@link SockaddrVm}).
 */
interface LibC extends Library {
  LibC INSTANCE = Native.load("c", LibC.class);

  int AF_VSOCK = 40;
  int SOCK_STREAM = 1;
  int SOCK_NONBLOCK = 0x800;
  int SOCK_CLOEXEC = 0x80000;
  int SOL_SOCKET = 1;
  int SO_ERROR = 4;
  int MSG_NOSIGNAL = 0x4000;
  int SHUT_WR = 1;
  int EFD_NONBLOCK = 0x800;
  int EFD_CLOEXEC = 0x80000;
  short POLLIN = 0x1;
  short POLLOUT = 0x4;
  short POLLERR = 0x8;
  short POLLHUP = 0x10;
  short POLLNVAL = 0x20;

  int socket(int domain, int type, int protocol);

  int bind(int fd, SockaddrVm address, int length);

  int listen(int fd, int backlog);

  int accept4(int fd, Pointer address, Pointer length, int flags);

  int connect(int fd, SockaddrVm address, int length);

  int getsockname(int fd, SockaddrVm address, IntByReference length);

  int getsockopt(int fd, int level, int name, IntByReference value, IntByReference length);

  NativeLong read(int fd, Pointer buffer, NativeLong count);

  NativeLong send(int fd, Pointer buffer, NativeLong count, int flags);

  NativeLong write(int fd, Pointer buffer, NativeLong count);

  int poll(Pointer fds, NativeLong count, int timeoutMillis);

  int eventfd(int initval, int flags);

  int shutdown(int fd, int how);

  int close(int fd);

  String strerror(int errno);
}
