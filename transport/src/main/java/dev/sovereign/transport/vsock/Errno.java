package dev.sovereign.transport.vsock;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;

/**
 * Turns an errno into an {@link IOException} whose message names the operation, the address, the
 * libc text and the symbolic errno, e.g. {@code bind vsock:any:5005: Address already in use (errno
 * 98 EADDRINUSE)}. The exception type follows java.net where one fits.
 */
public final class Errno {
  /** Linux generic errno values (asm-generic/errno-base.h, asm-generic/errno.h). */
  public static final int EINTR = 4;

  public static final int EAGAIN = 11;
  public static final int EPIPE = 32;
  public static final int EAFNOSUPPORT = 97;
  public static final int EADDRINUSE = 98;
  public static final int EADDRNOTAVAIL = 99;
  public static final int ENETUNREACH = 101;
  public static final int ECONNRESET = 104;
  public static final int ETIMEDOUT = 110;
  public static final int ECONNREFUSED = 111;
  public static final int EHOSTUNREACH = 113;
  public static final int EINPROGRESS = 115;

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(1, "EPERM"),
          Map.entry(EINTR, "EINTR"),
          Map.entry(9, "EBADF"),
          Map.entry(EAGAIN, "EAGAIN"),
          Map.entry(12, "ENOMEM"),
          Map.entry(13, "EACCES"),
          Map.entry(19, "ENODEV"),
          Map.entry(22, "EINVAL"),
          Map.entry(24, "EMFILE"),
          Map.entry(EPIPE, "EPIPE"),
          Map.entry(93, "EPROTONOSUPPORT"),
          Map.entry(95, "EOPNOTSUPP"),
          Map.entry(EAFNOSUPPORT, "EAFNOSUPPORT"),
          Map.entry(EADDRINUSE, "EADDRINUSE"),
          Map.entry(EADDRNOTAVAIL, "EADDRNOTAVAIL"),
          Map.entry(ENETUNREACH, "ENETUNREACH"),
          Map.entry(ECONNRESET, "ECONNRESET"),
          Map.entry(107, "ENOTCONN"),
          Map.entry(ETIMEDOUT, "ETIMEDOUT"),
          Map.entry(ECONNREFUSED, "ECONNREFUSED"),
          Map.entry(EHOSTUNREACH, "EHOSTUNREACH"),
          Map.entry(EINPROGRESS, "EINPROGRESS"));

  private Errno() {}

  /** The symbolic name, or {@code E?} for values this class does not name. */
  public static String name(int errno) {
    return NAMES.getOrDefault(errno, "E?");
  }

  /** The exception for {@code errno} raised by {@code operation} on {@code address}. */
  public static IOException exception(String operation, String address, int errno) {
    String text =
        operation
            + " "
            + address
            + ": "
            + LibC.INSTANCE.strerror(errno)
            + " (errno "
            + errno
            + " "
            + name(errno)
            + ")";
    return switch (errno) {
      case EADDRINUSE, EADDRNOTAVAIL -> new BindException(text);
      case ECONNREFUSED -> new ConnectException(text);
      case ETIMEDOUT -> new SocketTimeoutException(text);
      case EHOSTUNREACH, ENETUNREACH -> new NoRouteToHostException(text);
      case EAFNOSUPPORT -> new VsockUnsupportedException(text);
      default -> new SocketException(text);
    };
  }

  /** This kernel has no AF_VSOCK ({@code socket(AF_VSOCK)} failed with EAFNOSUPPORT). */
  public static final class VsockUnsupportedException extends SocketException {
    private static final long serialVersionUID = 1L;

    VsockUnsupportedException(String message) {
      super(message);
    }
  }
}
