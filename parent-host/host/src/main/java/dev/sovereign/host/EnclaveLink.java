package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Codec;
import dev.sovereign.enclave.protocol.FrameException;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.transport.vsock.VsockSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * One connection to the enclave: a request, then its response. Calls are serialized (the protocol
 * is strictly request/response per connection); a failed call drops the connection and the next
 * call reconnects, so a restarted enclave is picked up without restarting the host.
 */
public final class EnclaveLink implements AutoCloseable {

  /** The enclave could not be reached or broke the protocol. */
  public static final class LinkException extends Exception {
    private static final long serialVersionUID = 1L;

    LinkException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The enclave answered with its explicit error response. */
  public static final class EnclaveErrorException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final String detail;

    EnclaveErrorException(String code, String detail) {
      super(code + ": " + detail);
      this.code = code;
      this.detail = detail;
    }

    /**
     * The enclave's detail (written from enclave-side values; for seal-rejected, the reason code).
     */
    public String detail() {
      return detail;
    }

    /** The error code from the protocol's closed set. */
    public String code() {
      return code;
    }
  }

  private final ListenAddress address;
  private final Duration timeout;
  private final Codec codec = new Codec(Frames.DEFAULT_MAX_FRAME);
  private Connection socket;

  /** Connect timeout when the link has no timeout (0): the vsock core's own limit is 2 s. */
  static final int DEFAULT_VSOCK_CONNECT_MILLIS = 10_000;

  /** An open stream connection: AF_UNIX (junixsocket) or AF_VSOCK (JNA). */
  private record Connection(InputStream in, OutputStream out, AutoCloseable closer) {
    void close() {
      try {
        closer.close();
      } catch (Exception ignored) {
        // already broken
      }
    }
  }

  public EnclaveLink(ListenAddress address, Duration timeout) {
    this.address = address;
    this.timeout = timeout;
  }

  public ListenAddress address() {
    return address;
  }

  /**
   * Sends {@code request} and returns the response of the expected type.
   *
   * @throws EnclaveErrorException the enclave refused with a protocol error code
   * @throws LinkException the enclave is unreachable, timed out, or answered out of protocol
   */
  public synchronized <R extends Message.Response> R call(
      Message.Request request, Class<R> expected) throws LinkException, EnclaveErrorException {
    long start = System.nanoTime();
    String outcome = "link-failed";
    try {
      R answer = exchange(request, expected);
      outcome = "ok";
      return answer;
    } catch (EnclaveErrorException e) {
      outcome = "error";
      throw e;
    } finally {
      EnclaveLinkMetrics.record(request, outcome, System.nanoTime() - start);
    }
  }

  private <R extends Message.Response> R exchange(Message.Request request, Class<R> expected)
      throws LinkException, EnclaveErrorException {
    try {
      Connection s = connected();
      OutputStream out = s.out();
      // a batch of payloads without Jackson's per-character escaping (the same bytes, SubmitFrame)
      out.write(
          request instanceof Message.SubmitPayloads submit
              ? SubmitFrame.encode(submit)
              : Codec.encode(request));
      out.flush();
      InputStream in = s.in();
      Message m =
          codec.read(in).orElseThrow(() -> new IOException("the enclave closed the connection"));
      if (m instanceof Message.Error e) {
        throw new EnclaveErrorException(e.code(), e.detail());
      }
      if (!expected.isInstance(m)) {
        throw new IOException(
            "the enclave answered "
                + m.getClass().getSimpleName()
                + " to "
                + request.getClass().getSimpleName());
      }
      return expected.cast(m);
    } catch (IOException | FrameException | RuntimeException e) {
      drop();
      throw new LinkException("enclave link failed", e);
    }
  }

  private Connection connected() throws IOException {
    if (socket != null) {
      return socket;
    }
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    Connection c;
    if (address instanceof ListenAddress.Unix u) {
      Socket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(u.path()));
      s.setSoTimeout(millis);
      c = new Connection(s.getInputStream(), s.getOutputStream(), s);
    } else if (address instanceof ListenAddress.Vsock v) {
      // AF_VSOCK through the JNA sockets (dev.sovereign.transport.vsock); the connect is bounded
      // by the
      // same timeout as each response.
      VsockSocket s =
          VsockSocket.connect(
              v.cid(), v.port(), millis > 0 ? millis : DEFAULT_VSOCK_CONNECT_MILLIS);
      s.setSoTimeout(millis);
      c = new Connection(s.getInputStream(), s.getOutputStream(), s);
    } else {
      throw new IOException("unsupported address " + address);
    }
    socket = c;
    return c;
  }

  private void drop() {
    if (socket != null) {
      socket.close();
      socket = null;
    }
  }

  /** Drops the connection (e.g. to a process known to be gone); the next call reconnects. */
  public synchronized void reset() {
    drop();
  }

  @Override
  public synchronized void close() {
    drop();
  }
}
