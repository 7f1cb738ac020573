package dev.sovereign.enclave.protocol;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The host side of one connection: sends a request, reads its response. Not thread-safe; open one
 * client per thread (the enclave serves connections in parallel).
 */
public final class EnclaveClient implements Closeable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final Codec codec;

  private EnclaveClient(Socket socket, InputStream in, OutputStream out, int maxFrame) {
    this.socket = socket;
    this.in = in;
    this.out = out;
    this.codec = new Codec(maxFrame);
  }

  /** Connects to an enclave listening on a unix socket. */
  public static EnclaveClient connectUnix(Path path) throws IOException {
    AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
    return new EnclaveClient(
        s,
        new BufferedInputStream(s.getInputStream(), 64 * 1024),
        s.getOutputStream(),
        Frames.DEFAULT_MAX_FRAME * 2);
  }

  /**
   * Connects to an enclave on a unix socket and copies every byte the enclave sends to {@code tap}
   * (audits: proving what left the enclave).
   */
  public static EnclaveClient connectUnix(Path path, OutputStream tap) throws IOException {
    AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
    InputStream raw = s.getInputStream();
    InputStream tee =
        new java.io.FilterInputStream(raw) {
          @Override
          public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
              synchronized (tap) {
                tap.write(b);
              }
            }
            return b;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
              synchronized (tap) {
                tap.write(b, off, n);
              }
            }
            return n;
          }
        };
    return new EnclaveClient(
        s,
        new BufferedInputStream(tee, 64 * 1024),
        s.getOutputStream(),
        Frames.DEFAULT_MAX_FRAME * 2);
  }

  /** Over given streams (tests, other transports). */
  public static EnclaveClient over(InputStream in, OutputStream out) {
    return new EnclaveClient(null, in, out, Frames.DEFAULT_MAX_FRAME * 2);
  }

  /** Sends {@code request} and returns the response (which may be a {@link Message.Error}). */
  public Message.Response call(Message.Request request) throws IOException {
    Codec.write(out, request);
    return read();
  }

  /**
   * Sends {@code request} and returns the response of the expected type, else throws with the
   * error.
   */
  public <T extends Message.Response> T call(Message.Request request, Class<T> expected)
      throws IOException {
    Message.Response r = call(request);
    if (expected.isInstance(r)) {
      return expected.cast(r);
    }
    if (r instanceof Message.Error e) {
      throw new EnclaveErrorException(e);
    }
    throw new IOException("unexpected response " + r.getClass().getSimpleName());
  }

  /** Sends raw bytes (tests of malformed frames). */
  public void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads the next response. */
  public Message.Response read() throws IOException {
    try {
      Message m =
          codec.read(in).orElseThrow(() -> new IOException("the enclave closed the connection"));
      if (m instanceof Message.Response r) {
        return r;
      }
      throw new IOException("the enclave sent a request type");
    } catch (FrameException e) {
      throw new IOException("unreadable frame from the enclave: " + e.getMessage(), e);
    }
  }

  /** Half-closes the sending side (the enclave then sees end of stream). */
  public void shutdownOutput() throws IOException {
    if (socket != null) {
      socket.shutdownOutput();
    } else {
      out.close();
    }
  }

  @Override
  public void close() throws IOException {
    if (socket != null) {
      socket.close();
    }
  }

  /** The enclave answered with an error response. */
  public static final class EnclaveErrorException extends IOException {
    private final transient Message.Error error;

    public EnclaveErrorException(Message.Error error) {
      super(error.code() + ": " + error.detail());
      this.error = error;
    }

    public Message.Error error() {
      return error;
    }
  }
}
