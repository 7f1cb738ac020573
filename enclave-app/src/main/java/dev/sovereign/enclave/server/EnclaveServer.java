package dev.sovereign.enclave.server;

import dev.sovereign.enclave.protocol.Codec;
import dev.sovereign.enclave.protocol.ErrorCode;
import dev.sovereign.enclave.protocol.FrameException;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.transport.vsock.VsockServerSocket;
import dev.sovereign.transport.vsock.VsockSocket;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Accepts host connections and serves requests in order on each. A connection that sent a frame the
 * enclave cannot delimit (too large, truncated) gets an error response and is closed; everything
 * else is answered on the same connection. The server keeps accepting either way.
 */
public final class EnclaveServer implements Closeable {
  /** Concurrent host connections served; more wait in the accept backlog. */
  public static final int MAX_CONNECTIONS = 16;

  private final Listener server;
  private final RequestHandler service;
  private final Codec codec;
  private final ExecutorService connections;
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private final AtomicInteger served = new AtomicInteger();
  private final ListenAddress address;

  /** A bound socket that hands out connections: AF_UNIX (junixsocket) or AF_VSOCK (JNA). */
  private interface Listener extends Closeable {
    Connection accept() throws IOException;

    boolean isClosed();
  }

  /** One accepted connection's streams. */
  private interface Connection extends Closeable {
    InputStream in() throws IOException;

    OutputStream out() throws IOException;
  }

  private static Listener listener(ServerSocket s) {
    return new Listener() {
      @Override
      public Connection accept() throws IOException {
        Socket c = s.accept();
        return new Connection() {
          @Override
          public InputStream in() throws IOException {
            return c.getInputStream();
          }

          @Override
          public OutputStream out() throws IOException {
            return c.getOutputStream();
          }

          @Override
          public void close() throws IOException {
            c.close();
          }
        };
      }

      @Override
      public boolean isClosed() {
        return s.isClosed();
      }

      @Override
      public void close() throws IOException {
        s.close();
      }
    };
  }

  private static Listener listener(VsockServerSocket s) {
    return new Listener() {
      @Override
      public Connection accept() throws IOException {
        VsockSocket c = s.accept();
        return new Connection() {
          @Override
          public InputStream in() {
            return c.getInputStream();
          }

          @Override
          public OutputStream out() {
            return c.getOutputStream();
          }

          @Override
          public void close() {
            c.close();
          }
        };
      }

      @Override
      public boolean isClosed() {
        return s.isClosed();
      }

      @Override
      public void close() {
        s.close();
      }
    };
  }

  private EnclaveServer(
      Listener server, ListenAddress address, RequestHandler service, int maxFrame) {
    this.server = server;
    this.address = address;
    this.service = service;
    this.codec = new Codec(maxFrame);
    this.connections =
        Executors.newFixedThreadPool(
            MAX_CONNECTIONS,
            r -> {
              Thread t = new Thread(r, "enclave-connection-" + served.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Binds {@code address}. A stale unix socket file at the path is replaced. AF_VSOCK goes through
   * the JNA sockets of {@code dev.sovereign.transport.vsock} (junixsocket's vsock implementation is
   * not available here).
   */
  public static EnclaveServer bind(ListenAddress address, RequestHandler service, int maxFrame)
      throws IOException {
    Listener s;
    if (address instanceof ListenAddress.Unix u) {
      Files.deleteIfExists(u.path());
      s = listener(AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(u.path())));
    } else {
      ListenAddress.Vsock v = (ListenAddress.Vsock) address;
      s = listener(VsockServerSocket.bind(v.cid(), v.port(), 50));
    }
    return new EnclaveServer(s, address, service, maxFrame);
  }

  public ListenAddress address() {
    return address;
  }

  /** Accepts connections until {@link #close()}. */
  public void serve() throws IOException {
    while (!server.isClosed()) {
      Connection socket;
      try {
        slots.acquireUninterruptibly();
        socket = server.accept();
      } catch (SocketException e) {
        slots.release();
        if (server.isClosed()) {
          return;
        }
        throw e;
      }
      connections.execute(
          () -> {
            try (Connection s = socket) {
              serve(s.in(), s.out());
            } catch (IOException e) {
              // the host went away; nothing to answer
            } finally {
              slots.release();
            }
          });
    }
  }

  /** Serves one connection until the peer closes it or sends an undelimitable frame. */
  void serve(InputStream rawIn, OutputStream rawOut) throws IOException {
    InputStream in = new BufferedInputStream(rawIn, 64 * 1024);
    OutputStream out = new BufferedOutputStream(rawOut, 64 * 1024);
    while (true) {
      Optional<Message> m;
      try {
        m = codec.read(in);
      } catch (FrameException e) {
        Codec.write(out, Message.Error.of(e.code(), e.getMessage()));
        if (e.fatal()) {
          return;
        }
        continue;
      }
      if (m.isEmpty()) {
        return;
      }
      Message.Response response;
      if (m.get() instanceof Message.Request r) {
        try {
          response = service.handle(r);
        } catch (RuntimeException e) {
          response =
              Message.Error.of(
                  ErrorCode.INTERNAL,
                  "the enclave failed handling " + r.getClass().getSimpleName());
        }
      } else {
        response =
            Message.Error.of(
                ErrorCode.UNKNOWN_MESSAGE_TYPE, "a response type was sent as a request");
      }
      Codec.write(out, response);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    connections.shutdownNow();
  }
}
