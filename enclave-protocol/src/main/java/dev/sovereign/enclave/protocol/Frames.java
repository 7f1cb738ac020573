package dev.sovereign.enclave.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Frame layer. A frame is a 4-byte big-endian unsigned length {@code N} followed by {@code N}
 * bytes: one version byte ({@link #VERSION}), one type byte, then the UTF-8 JSON body. The length
 * is checked against the maximum before any buffer is allocated, and the body's buffer grows only
 * as its bytes arrive.
 */
public final class Frames {
  /** Protocol version carried in every frame. */
  public static final int VERSION = 1;

  /**
   * The message revision this code speaks (docs/enclave-protocol.md): 1.1 added {@code
   * deferEvidence} and deferred answers, 1.2 the round lifecycle both sides agree on, 1.3 the
   * refused status lists, 1.4 audit heads that only extend and one result per round, 1.5 a result
   * that counts unauthenticated payloads apart, 1.6 the two-phase close ({@code holdResult}), 1.7
   * the same payload bytes sent again answered with their first verdict and counted once, all under
   * the same frame version byte.
   */
  public static final String REVISION = "1.7";

  /** Default maximum of {@code N}: 8 MiB. */
  public static final int DEFAULT_MAX_FRAME = 8 * 1024 * 1024;

  /** First buffer for a frame body; it grows as bytes arrive, up to the announced length. */
  static final int INITIAL_BUFFER = 64 * 1024;

  private Frames() {}

  /** A frame's content after the length prefix. */
  public record Frame(int version, int type, byte[] body) {}

  /**
   * Reads one frame, or empty at a clean end of stream (before the first length byte).
   *
   * @throws FrameException {@link ErrorCode#FRAME_TOO_LARGE} (before allocating) or {@link
   *     ErrorCode#TRUNCATED_FRAME}, both fatal; {@link ErrorCode#MALFORMED_FRAME} when {@code N <
   *     2}
   */
  public static Optional<Frame> read(InputStream in, int maxFrame)
      throws IOException, FrameException {
    int b0 = in.read();
    if (b0 < 0) {
      return Optional.empty();
    }
    byte[] rest = new byte[3];
    if (in.readNBytes(rest, 0, 3) != 3) {
      throw new FrameException(
          ErrorCode.TRUNCATED_FRAME, "stream ended inside the length prefix", true);
    }
    long n =
        ((long) b0 << 24)
            | ((rest[0] & 0xffL) << 16)
            | ((rest[1] & 0xffL) << 8)
            | (rest[2] & 0xffL);
    if (n > maxFrame) {
      throw new FrameException(
          ErrorCode.FRAME_TOO_LARGE,
          "frame of " + n + " bytes exceeds the maximum of " + maxFrame,
          true);
    }
    if (n < 2) {
      if (in.readNBytes((int) n).length != n) {
        throw new FrameException(
            ErrorCode.TRUNCATED_FRAME, "stream ended inside a frame of " + n + " bytes", true);
      }
      // delimited: the connection stays usable
      throw new FrameException(
          ErrorCode.MALFORMED_FRAME, "frame of " + n + " bytes has no header", false);
    }
    int version = in.read();
    int type = in.read();
    if (type < 0) {
      throw new FrameException(
          ErrorCode.TRUNCATED_FRAME,
          "stream ended after " + (version < 0 ? 0 : 1) + " of " + n + " frame bytes",
          true);
    }
    byte[] body = readBody(in, (int) n - 2);
    return Optional.of(new Frame(version, type, body));
  }

  /**
   * Reads exactly {@code n} bytes, growing the buffer only as bytes arrive (at most doubling,
   * starting at {@link #INITIAL_BUFFER}): a peer that announces a large frame and stalls holds
   * about what it sent, not the announced length.
   */
  private static byte[] readBody(InputStream in, int n) throws IOException, FrameException {
    byte[] buf = new byte[Math.min(n, INITIAL_BUFFER)];
    int got = 0;
    while (got < n) {
      if (got == buf.length) {
        buf = java.util.Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
      }
      int r = in.read(buf, got, buf.length - got);
      if (r < 0) {
        throw new FrameException(
            ErrorCode.TRUNCATED_FRAME,
            "stream ended after " + (got + 2) + " of " + (n + 2) + " frame bytes",
            true);
      }
      got += r;
    }
    return buf;
  }

  /** Writes one frame and flushes. */
  public static void write(OutputStream out, int type, byte[] body) throws IOException {
    out.write(encode(type, body));
    out.flush();
  }

  /** The bytes of one frame. */
  public static byte[] encode(int type, byte[] body) {
    int n = body.length + 2;
    byte[] frame = new byte[4 + n];
    frame[0] = (byte) (n >>> 24);
    frame[1] = (byte) (n >>> 16);
    frame[2] = (byte) (n >>> 8);
    frame[3] = (byte) n;
    frame[4] = (byte) VERSION;
    frame[5] = (byte) type;
    System.arraycopy(body, 0, frame, 6, body.length);
    return frame;
  }
}
