package dev.sovereign.transport.forward;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * Brings up the loopback interface, which a Nitro Enclave boots without (the AWS examples run
 * {@code ip link set dev lo up} in a shell; the enclave image has no shell). Linux {@code ioctl}s
 * on an AF_INET datagram socket with a 40-byte {@code struct ifreq} ({@code ifr_name[16]}, then the
 * union: {@code ifr_flags} or a {@code struct sockaddr_in}), request numbers of {@code
 * linux/sockios.h}. Changing the interface needs CAP_NET_ADMIN (root in the enclave).
 */
public final class Loopback {
  private static final int AF_INET = 2;
  private static final int SOCK_DGRAM = 2;
  private static final long SIOCGIFFLAGS = 0x8913;
  private static final long SIOCSIFFLAGS = 0x8914;
  private static final long SIOCGIFADDR = 0x8915;
  private static final long SIOCSIFADDR = 0x8916;
  private static final long SIOCSIFNETMASK = 0x891c;
  private static final short IFF_UP = 0x1;
  private static final int IFREQ_SIZE = 40;
  private static final int EADDRNOTAVAIL = 99;

  interface C extends Library {
    C INSTANCE = Native.load("c", C.class);

    int socket(int domain, int type, int protocol);

    int ioctl(int fd, NativeLong request, Pointer ifreq);

    int close(int fd);

    String strerror(int errno);
  }

  private Loopback() {}

  /** Whether {@code lo} is up and has an IPv4 address. */
  public static boolean isUp() throws IOException {
    int fd = socket();
    try (Memory ifr = ifreq()) {
      ioctl(fd, SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS");
      if ((ifr.getShort(16) & IFF_UP) == 0) {
        return false;
      }
      return hasAddress(fd);
    } finally {
      C.INSTANCE.close(fd);
    }
  }

  /**
   * Sets {@code lo} up and gives it 127.0.0.1/8 if it has no IPv4 address; does nothing (and needs
   * no privilege) when both hold already. Returns whether anything was changed.
   */
  public static boolean ensureUp() throws IOException {
    int fd = socket();
    boolean changed = false;
    try (Memory ifr = ifreq()) {
      if (!hasAddress(fd)) {
        ifr.clear();
        name(ifr);
        sockaddrIn(ifr, new byte[] {127, 0, 0, 1});
        ioctl(fd, SIOCSIFADDR, ifr, "SIOCSIFADDR");
        ifr.clear();
        name(ifr);
        sockaddrIn(ifr, new byte[] {(byte) 255, 0, 0, 0});
        ioctl(fd, SIOCSIFNETMASK, ifr, "SIOCSIFNETMASK");
        changed = true;
      }
      ifr.clear();
      name(ifr);
      ioctl(fd, SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS");
      short flags = ifr.getShort(16);
      if ((flags & IFF_UP) == 0) {
        ifr.setShort(16, (short) (flags | IFF_UP));
        ioctl(fd, SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS");
        changed = true;
      }
      return changed;
    } finally {
      C.INSTANCE.close(fd);
    }
  }

  private static boolean hasAddress(int fd) throws IOException {
    try (Memory ifr = ifreq()) {
      if (C.INSTANCE.ioctl(fd, new NativeLong(SIOCGIFADDR), ifr) == 0) {
        return true;
      }
      int errno = Native.getLastError();
      if (errno == EADDRNOTAVAIL) {
        return false;
      }
      throw failure("SIOCGIFADDR", errno);
    }
  }

  private static int socket() throws IOException {
    int fd = C.INSTANCE.socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
      throw failure("socket(AF_INET)", Native.getLastError());
    }
    return fd;
  }

  private static Memory ifreq() {
    Memory ifr = new Memory(IFREQ_SIZE);
    ifr.clear();
    name(ifr);
    return ifr;
  }

  private static void name(Memory ifr) {
    byte[] lo = "lo".getBytes(StandardCharsets.US_ASCII);
    ifr.write(0, lo, 0, lo.length);
  }

  /**
   * {@code struct sockaddr_in} at offset 16: family (host order), port 0, address (network order).
   */
  private static void sockaddrIn(Memory ifr, byte[] address) {
    ifr.setShort(16, (short) AF_INET);
    ifr.write(20, address, 0, 4);
  }

  private static void ioctl(int fd, long request, Memory ifr, String name) throws IOException {
    if (C.INSTANCE.ioctl(fd, new NativeLong(request), ifr) != 0) {
      throw failure(name, Native.getLastError());
    }
  }

  private static SocketException failure(String what, int errno) {
    return new SocketException(
        what + " on lo: " + C.INSTANCE.strerror(errno) + " (errno " + errno + ")");
  }
}
