package dev.sovereign.transport.vsock;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;

/**
 * Two connected {@link VsockSocket}s over an AF_UNIX {@code socketpair}: the read, send, poll and
 * shutdown calls behave as on AF_VSOCK, which has no loopback on this machine.
 */
public final class VsockPairs {
  interface Pair extends Library {
    Pair C = Native.load("c", Pair.class);

    int socketpair(int domain, int type, int protocol, int[] fds);
  }

  private VsockPairs() {}

  public static VsockSocket[] pair() throws IOException {
    int[] fds = new int[2];
    int rc =
        Pair.C.socketpair(1, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0, fds);
    if (rc != 0) {
      throw new IOException("socketpair errno " + Native.getLastError());
    }
    return new VsockSocket[] {
      new VsockSocket(VsockFd.adopt(fds[0], "pair:a")),
      new VsockSocket(VsockFd.adopt(fds[1], "pair:b"))
    };
  }
}
