package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Codec;
import dev.sovereign.enclave.protocol.FrameException;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.server.ListenAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFVSOCKSocketAddress;

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

    /** The enclave's detail (written from enclave-side values; for seal-rejected, the reason code). */
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
  private Socket socket;

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
  public synchronized <R extends Message.Response> R call(Message.Request request, Class<R> expected)
      throws LinkException, EnclaveErrorException {
    try {
      Socket s = connected();
      OutputStream out = s.getOutputStream();
      Codec.write(out, request);
      InputStream in = s.getInputStream();
      Message m = codec.read(in).orElseThrow(() -> new IOException("the enclave closed the connection"));
      if (m instanceof Message.Error e) {
        throw new EnclaveErrorException(e.code(), e.detail());
      }
      if (!expected.isInstance(m)) {
        throw new IOException("the enclave answered " + m.getClass().getSimpleName() + " to "
            + request.getClass().getSimpleName());
      }
      return expected.cast(m);
    } catch (IOException | FrameException | RuntimeException e) {
      drop();
      throw new LinkException("enclave link failed", e);
    }
  }

  private Socket connected() throws IOException {
    if (socket != null && !socket.isClosed()) {
      return socket;
    }
    Socket s;
    if (address instanceof ListenAddress.Unix u) {
      s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(u.path()));
    } else if (address instanceof ListenAddress.Vsock v) {
      // AF_VSOCK through junixsocket's generic socket factory; no vsock loopback exists on dev machines.
      s = AFVSOCKSocketAddress.ofPortAndCID((int) v.port(), (int) v.cid()).newConnectedSocket();
    } else {
      throw new IOException("unsupported address " + address);
    }
    s.setSoTimeout((int) timeout.toMillis());
    socket = s;
    return s;
  }

  private void drop() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // already broken
      }
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
