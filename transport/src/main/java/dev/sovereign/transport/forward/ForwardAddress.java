package dev.sovereign.transport.forward;

import dev.sovereign.transport.vsock.VsockServerSocket;
import dev.sovereign.transport.vsock.VsockSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A forwarder end: {@code tcp:HOST:PORT}, {@code unix:PATH} or {@code vsock:CID:PORT}. CID and PORT
 * of vsock are unsigned 32-bit decimals (CID {@code any} only for listening); {@code tcp:} ports
 * are 1..65535 (0 = any, only for listening). The parent instance is vsock CID 3.
 */
public sealed interface ForwardAddress {
  /** {@code VMADDR_CID_ANY}. */
  long CID_ANY = 0xFFFF_FFFFL;

  /** The parent instance's CID, seen from inside a Nitro Enclave ({@code VMADDR_CID_HOST}). */
  long CID_PARENT = 3;

  /** A TCP address (a name or a literal). */
  record Tcp(String host, int port) implements ForwardAddress {
    @Override
    public String toString() {
      return "tcp:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** An AF_UNIX socket path. */
  record Unix(Path path) implements ForwardAddress {
    @Override
    public String toString() {
      return "unix:" + path;
    }
  }

  /** An AF_VSOCK address. */
  record Vsock(long cid, long port) implements ForwardAddress {
    @Override
    public String toString() {
      return "vsock:" + (cid == CID_ANY ? "any" : Long.toString(cid)) + ":" + port;
    }
  }

  /**
   * Parses {@code tcp:HOST:PORT}, {@code unix:PATH} or {@code vsock:CID:PORT}; the message says
   * what is wrong.
   */
  static ForwardAddress parse(String s) {
    if (s.startsWith("unix:")) {
      String p = s.substring(5);
      if (p.isEmpty() || p.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "unix: needs a socket path, e.g. unix:/run/sovereign/kms.sock");
      }
      if (p.getBytes(StandardCharsets.UTF_8).length > 107) {
        throw new IllegalArgumentException(
            "unix socket path longer than 107 bytes (sun_path limit)");
      }
      return new Unix(Path.of(p));
    }
    if (s.startsWith("vsock:")) {
      Matcher m = Pattern.compile("vsock:([^:]*):([^:]*)").matcher(s);
      if (!m.matches()) {
        throw new IllegalArgumentException("expected vsock:CID:PORT, e.g. vsock:3:8000");
      }
      long cid = m.group(1).equals("any") ? CID_ANY : u32("CID", m.group(1));
      long port = u32("PORT", m.group(2));
      if (port == 0xFFFF_FFFFL) {
        throw new IllegalArgumentException(
            "vsock PORT 4294967295 (VMADDR_PORT_ANY) is not a fixed port");
      }
      return new Vsock(cid, port);
    }
    if (s.startsWith("tcp:")) {
      Matcher m =
          Pattern.compile("tcp:(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):([0-9]{1,5})").matcher(s);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "expected tcp:HOST:PORT, e.g. tcp:kms.eu-central-1.amazonaws.com:443");
      }
      int port = Integer.parseInt(m.group(2));
      if (port > 65535) {
        throw new IllegalArgumentException("tcp PORT " + port + " is above 65535");
      }
      String host =
          m.group(1).startsWith("[")
              ? m.group(1).substring(1, m.group(1).length() - 1)
              : m.group(1);
      return new Tcp(host, port);
    }
    throw new IllegalArgumentException(
        "expected tcp:HOST:PORT, unix:PATH or vsock:CID:PORT, got '" + s + "'");
  }

  private static long u32(String what, String v) {
    if (!v.matches("0|[1-9][0-9]{0,9}")) {
      throw new IllegalArgumentException(
          "vsock "
              + what
              + " must be a decimal number without sign or leading zeros, got '"
              + v
              + "'");
    }
    long n = Long.parseLong(v);
    if (n > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("vsock " + what + " " + n + " does not fit in 32 bits");
    }
    return n;
  }

  /** Accepts connections at an address. */
  interface Acceptor extends AutoCloseable {
    /** Waits for the next connection; throws once closed. */
    Duplex accept() throws IOException;

    /** The address actually bound (a chosen port filled in). */
    ForwardAddress address();

    @Override
    void close();
  }

  /** Opens a new connection to an address. */
  @FunctionalInterface
  interface Connector {
    Duplex connect() throws IOException;
  }

  /**
   * Listens here. {@code tcp:} binds the literal address given (no name lookup beyond the local
   * one); {@code unix:} replaces a stale socket file; {@code vsock:} needs a kernel with AF_VSOCK.
   */
  default Acceptor listen(int backlog) throws IOException {
    if (this instanceof Vsock v) {
      VsockServerSocket server = VsockServerSocket.bind(v.cid(), v.port(), backlog);
      Vsock bound = new Vsock(v.cid(), server.port());
      return new Acceptor() {
        @Override
        public Duplex accept() throws IOException {
          return new VsockDuplex(server.accept());
        }

        @Override
        public ForwardAddress address() {
          return bound;
        }

        @Override
        public void close() {
          server.close();
        }
      };
    }
    ServerSocketChannel server;
    ForwardAddress bound;
    if (this instanceof Unix u) {
      Files.deleteIfExists(u.path());
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(u.path()), backlog);
      bound = u;
    } else {
      Tcp t = (Tcp) this;
      server = ServerSocketChannel.open();
      try {
        server.bind(new InetSocketAddress(t.host(), t.port()), backlog);
      } catch (IOException e) {
        server.close();
        throw e;
      }
      bound = new Tcp(t.host(), ((InetSocketAddress) server.getLocalAddress()).getPort());
    }
    return new Acceptor() {
      @Override
      public Duplex accept() throws IOException {
        return new ChannelDuplex(server.accept());
      }

      @Override
      public ForwardAddress address() {
        return bound;
      }

      @Override
      public void close() {
        try {
          server.close();
        } catch (IOException e) {
          // closing a listening channel: nothing to report
        }
        if (bound instanceof Unix u) {
          try {
            Files.deleteIfExists(u.path());
          } catch (IOException e) {
            // the socket file stays; the next listen replaces it
          }
        }
      }
    };
  }

  /**
   * Connects here, failing after {@code timeout} (vsock and TCP; AF_UNIX connects at once or
   * fails).
   */
  default Connector connector(Duration timeout) {
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    if (this instanceof Vsock v) {
      return () -> new VsockDuplex(VsockSocket.connect(v.cid(), v.port(), millis));
    }
    if (this instanceof Unix u) {
      return () -> {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
          ch.connect(UnixDomainSocketAddress.of(u.path()));
          return new ChannelDuplex(ch);
        } catch (IOException | RuntimeException e) {
          ch.close();
          throw e;
        }
      };
    }
    Tcp t = (Tcp) this;
    return () -> {
      SocketChannel ch = SocketChannel.open();
      try {
        // The adaptor socket's connect honours a timeout; the channel stays blocking.
        ch.socket().connect(new InetSocketAddress(t.host(), t.port()), millis);
        ch.socket().setTcpNoDelay(true);
        return new ChannelDuplex(ch);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    };
  }
}
