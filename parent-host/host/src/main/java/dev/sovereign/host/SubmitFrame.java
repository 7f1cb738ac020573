package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Codec;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.protocol.MessageType;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.List;

/**
 * The frame of a {@link Message.SubmitPayloads}, byte for byte what {@link Codec#encode} writes
 * (sorted members, {@code deferEvidence} and {@code reportSeal} only when set), without Jackson's
 * per-character escaping: the forwarder sends up to 64 compact JWEs of several KB each per batch,
 * and writing their strings through Jackson's generator was about a third of its CPU
 * (docs/benchmarks.md). A compact JWE is base64url parts and dots ({@link JweEnvelope} refuses
 * anything else at the edge) and a round id matches {@code [A-Za-z0-9._-]}: strings in that
 * alphabet need no escaping, so their bytes are copied as they are. Any other string (a payload
 * stored by a build without that check, a test's odd round id) sends the whole message through
 * {@link Codec#encode}, so the bytes on the wire never depend on which path wrote them.
 *
 * <p>A payload this host checked when it was submitted ({@link JweEnvelope#read} accepted it: every
 * character base64url or a dot) and kept in memory for the forwarder ({@link Outbox}) comes in a
 * {@link Payloads} list marked as checked: its characters are copied straight into the frame, with
 * neither a second {@code getBytes} nor a second pass over the alphabet (together 17% of the
 * forwarder's samples, docs/benchmarks.md, sixth pass). A payload read back from the store (after a
 * restart, or evicted from memory) is checked here as before.
 */
final class SubmitFrame {
  private SubmitFrame() {}

  private static final byte[] DEFER = bytes("{\"deferEvidence\":");
  private static final byte[] PAYLOADS_FIRST = bytes("{\"payloads\":[");
  private static final byte[] PAYLOADS_NEXT = bytes(",\"payloads\":[");
  private static final byte[] REPORT = bytes("],\"reportSeal\":");
  private static final byte[] ROUND_AFTER_REPORT = bytes(",\"round\":\"");
  private static final byte[] ROUND_AFTER_PAYLOADS = bytes("],\"round\":\"");
  private static final byte[] TRUE = bytes("true");
  private static final byte[] FALSE = bytes("false");
  private static final byte[] END = bytes("\"}");

  /** {@code [A-Za-z0-9._-]}, indexed by byte value. */
  private static final boolean[] PLAIN = new boolean[128];

  static {
    for (char c = 'A'; c <= 'Z'; c++) {
      PLAIN[c] = true;
      PLAIN[Character.toLowerCase(c)] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      PLAIN[c] = true;
    }
    PLAIN['.'] = true;
    PLAIN['_'] = true;
    PLAIN['-'] = true;
  }

  /** The frame bytes of {@code s}: the same as {@code Codec.encode(s)}. */
  static byte[] encode(Message.SubmitPayloads s) {
    List<String> payloads = s.payloads();
    if (s.round() == null || payloads == null) {
      return Codec.encode(s);
    }
    byte[] round = plain(s.round());
    Payloads known = payloads instanceof Payloads k ? k : null;
    byte[][] jwes = new byte[payloads.size()][];
    int body = 0;
    for (int i = 0; i < jwes.length; i++) {
      String p = payloads.get(i);
      if (p != null && known != null && known.checked[i]) {
        jwes[i] = CHECKED; // copied from the string below
        body += p.length() + 3;
        continue;
      }
      jwes[i] = p == null ? null : plain(p);
      if (jwes[i] == null) {
        return Codec.encode(s);
      }
      body += jwes[i].length + 3; // quotes and a comma (one comma too many, for the empty list)
    }
    if (round == null) {
      return Codec.encode(s);
    }
    byte[] defer = flag(s.deferEvidence());
    byte[] report = flag(s.reportSeal());
    body +=
        (defer != null ? DEFER.length + defer.length + PAYLOADS_NEXT.length : PAYLOADS_FIRST.length)
            + (report != null
                ? REPORT.length + report.length + ROUND_AFTER_REPORT.length
                : ROUND_AFTER_PAYLOADS.length)
            + round.length
            + END.length
            - (jwes.length > 0 ? 1 : 0);
    int n = body + 2;
    byte[] f = new byte[4 + n];
    f[0] = (byte) (n >>> 24);
    f[1] = (byte) (n >>> 16);
    f[2] = (byte) (n >>> 8);
    f[3] = (byte) n;
    f[4] = (byte) Frames.VERSION;
    f[5] = (byte) MessageType.SUBMIT_PAYLOADS.code();
    int at = 6;
    if (defer != null) {
      at = put(f, at, DEFER);
      at = put(f, at, defer);
      at = put(f, at, PAYLOADS_NEXT);
    } else {
      at = put(f, at, PAYLOADS_FIRST);
    }
    for (int i = 0; i < jwes.length; i++) {
      if (i > 0) {
        f[at++] = ',';
      }
      f[at++] = '"';
      if (jwes[i] == CHECKED) {
        at = putChecked(f, at, payloads.get(i));
      } else {
        at = put(f, at, jwes[i]);
      }
      f[at++] = '"';
    }
    if (report != null) {
      at = put(f, at, REPORT);
      at = put(f, at, report);
      at = put(f, at, ROUND_AFTER_REPORT);
    } else {
      at = put(f, at, ROUND_AFTER_PAYLOADS);
    }
    at = put(f, at, round);
    at = put(f, at, END);
    if (at != f.length) {
      throw new IllegalStateException("frame length " + at + " != " + f.length);
    }
    return f;
  }

  /** The string's bytes if every character is in {@link #PLAIN}, else null. */
  private static byte[] plain(String s) {
    // UTF-8 of a Latin-1 string is a plain copy when it is ASCII; a longer result means non-ASCII
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length != s.length()) {
      return null;
    }
    for (byte c : b) {
      if (c < 0 || !PLAIN[c]) {
        return null;
      }
    }
    return b;
  }

  /** Marks a payload written from its checked string. */
  private static final byte[] CHECKED = new byte[0];

  /**
   * Copies a checked string's characters (all ASCII) into the frame: for a Latin-1 string (every
   * ASCII string) this is one array copy straight from the string's own bytes.
   */
  @SuppressWarnings("deprecation")
  private static int putChecked(byte[] f, int at, String s) {
    int n = s.length();
    s.getBytes(0, n, f, at); // low 8 bits of each char: the char itself, for ASCII
    return at + n;
  }

  /**
   * Payloads for one frame, each marked whether this host already checked that every character is
   * in the plain alphabet (done once, at submit, by {@link JweEnvelope#read}). Only a payload so
   * checked may be marked: a mark on any other string would put its characters on the link
   * unescaped.
   */
  static final class Payloads extends AbstractList<String> {
    private final List<String> jwes;
    private final boolean[] checked;

    Payloads(List<String> jwes, boolean[] checked) {
      if (jwes.size() != checked.length) {
        throw new IllegalArgumentException("one mark per payload");
      }
      this.jwes = List.copyOf(jwes);
      this.checked = checked.clone();
    }

    @Override
    public String get(int i) {
      return jwes.get(i);
    }

    @Override
    public int size() {
      return jwes.size();
    }
  }

  private static byte[] flag(Boolean b) {
    return b == null ? null : b ? TRUE : FALSE;
  }

  private static int put(byte[] f, int at, byte[] b) {
    System.arraycopy(b, 0, f, at, b.length);
    return at + b.length;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
