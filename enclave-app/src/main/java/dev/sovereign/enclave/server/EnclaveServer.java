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
import java.io.PushbackInputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Accepts host connections and serves requests in order on each. A connection that sent a frame the
 * enclave cannot delimit (too large, truncated) gets an error response and is closed; everything
 * else is answered on the same connection. The server keeps accepting either way.
 *
 * <p>Local and slow peers are bounded: a unix socket is created owner-only (0600) inside an
 * owner-only directory (0700), so no other local user can connect; once a frame's first byte
 * arrives the whole frame must arrive within the frame deadline or the connection is closed (a peer
 * that announces a large frame and stalls cannot hold a connection slot), and a frame's buffer
 * grows only with the bytes received ({@link Frames}).
 */
public final class EnclaveServer implements Closeable {
  /** Concurrent host connections served; more wait in the accept backlog. */
  public static final int MAX_CONNECTIONS = 16;

  /** How long one frame may take to arrive once its first byte has (8 MiB takes milliseconds). */
  public static final Duration FRAME_DEADLINE = Duration.ofSeconds(10);

  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");

  private final Listener server;
  private final RequestHandler service;
  private final Codec codec;
  private final ExecutorService connections;
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private final AtomicInteger served = new AtomicInteger();
  private final ListenAddress address;
  private final Duration frameDeadline;
  private final ScheduledExecutorService watchdog;

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
      Listener server,
      ListenAddress address,
      RequestHandler service,
      int maxFrame,
      Duration frameDeadline) {
    this.frameDeadline = frameDeadline;
    this.watchdog =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "enclave-frame-deadline");
              t.setDaemon(true);
              return t;
            });
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
    return bind(address, service, maxFrame, FRAME_DEADLINE);
  }

  /**
   * As above with another frame deadline. A unix socket's directory is created owner-only, or made
   * owner-only if this user owns it; one owned by another user is refused (it could swap the
   * socket), and the socket file is owner-only.
   */
  public static EnclaveServer bind(
      ListenAddress address, RequestHandler service, int maxFrame, Duration frameDeadline)
      throws IOException {
    Listener s;
    if (address instanceof ListenAddress.Unix u) {
      Path socket = u.path().toAbsolutePath();
      ownerOnlyDirectory(socket.getParent());
      Files.deleteIfExists(socket);
      AFUNIXServerSocket bound = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(socket));
      try {
        Files.setPosixFilePermissions(socket, OWNER_ONLY_FILE);
      } catch (IOException | UnsupportedOperationException e) {
        bound.close();
        throw new IOException("cannot make the enclave socket owner-only: " + socket, e);
      }
      s = listener(bound);
    } else {
      ListenAddress.Vsock v = (ListenAddress.Vsock) address;
      s = listener(VsockServerSocket.bind(v.cid(), v.port(), 50));
    }
    return new EnclaveServer(s, address, service, maxFrame, frameDeadline);
  }

  private static void ownerOnlyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR)); // umask may narrow it only
    }
    UserPrincipal me =
        dir.getFileSystem()
            .getUserPrincipalLookupService()
            .lookupPrincipalByName(System.getProperty("user.name"));
    if (!Files.getOwner(dir).equals(me)) {
      throw new IOException(
          "the enclave socket's directory "
              + dir
              + " belongs to another user; use a directory of your own");
    }
    if (!Files.getPosixFilePermissions(dir).equals(OWNER_ONLY_DIR)) {
      Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
    }
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
              serve(s.in(), s.out(), s);
            } catch (IOException e) {
              // the host went away; nothing to answer
            } finally {
              slots.release();
            }
          });
    }
  }

  /**
   * Serves one connection until the peer closes it, sends an undelimitable frame, or does not
   * finish a frame within the deadline ({@code connection} is then closed under the blocked read).
   */
  void serve(InputStream rawIn, OutputStream rawOut, Closeable connection) throws IOException {
    PushbackInputStream in = new PushbackInputStream(new BufferedInputStream(rawIn, 64 * 1024), 1);
    OutputStream out = new BufferedOutputStream(rawOut, 64 * 1024);
    while (true) {
      int first = in.read(); // idle between frames: no deadline (the host keeps connections)
      if (first < 0) {
        return;
      }
      in.unread(first);
      ScheduledFuture<?> cut =
          watchdog.schedule(
              () -> {
                try {
                  connection.close();
                } catch (IOException e) {
                  // closing is all we wanted
                }
              },
              frameDeadline.toNanos(),
              TimeUnit.NANOSECONDS);
      Optional<Message> m;
      try {
        m = codec.read(in);
      } catch (FrameException e) {
        Codec.write(out, Message.Error.of(e.code(), e.getMessage()));
        if (e.fatal()) {
          return;
        }
        continue;
      } finally {
        cut.cancel(false);
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
    watchdog.shutdownNow();
  }
}
