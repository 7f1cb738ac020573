package dev.sovereign.did.multiformats;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Multicodec headers: an unsigned LEB128 varint code (multiformats unsigned-varint spec: minimal
 * encoding, at most 9 bytes) followed by the payload.
 */
public final class Multicodec {
  private Multicodec() {}

  /** A decoded header and payload. */
  public record Prefixed(int code, byte[] payload) {
    /** Copies the payload. */
    public Prefixed {
      payload = payload.clone();
    }

    @Override
    public byte[] payload() {
      return payload.clone();
    }
  }

  /** varint(code) || payload. */
  public static byte[] prefix(int code, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 3);
    long v = code & 0xffffffffL;
    while (v >= 0x80) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    out.writeBytes(payload);
    return out.toByteArray();
  }

  /** Splits a varint header off; rejects truncated, over-long and non-minimal varints. */
  public static Prefixed split(byte[] bytes) {
    long value = 0;
    int i = 0;
    while (true) {
      if (i >= bytes.length) {
        throw new IllegalArgumentException("truncated multicodec varint");
      }
      if (i >= 4) {
        throw new IllegalArgumentException(
            "multicodec varint longer than this implementation accepts");
      }
      int b = bytes[i] & 0xff;
      value |= (long) (b & 0x7f) << (7 * i);
      i++;
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 1) {
          throw new IllegalArgumentException("non-minimal multicodec varint");
        }
        break;
      }
    }
    return new Prefixed((int) value, Arrays.copyOfRange(bytes, i, bytes.length));
  }
}
