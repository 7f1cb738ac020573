package dev.sovereign.did.fabric.core;

import java.util.Arrays;

/**
 * The few protobuf reads that verifying a Fabric peer endorsement needs (wire format only, no
 * generated classes, so the enclave needs no protobuf runtime). Fields are read by number; as in
 * protobuf, the last occurrence of a non-repeated field wins. Malformed input throws
 * IllegalArgumentException.
 */
final class Protobuf {
  private Protobuf() {}

  /** The length-delimited field {@code number} of {@code message}, or null when absent. */
  static byte[] bytes(byte[] message, int number) {
    byte[] found = null;
    int[] pos = {0};
    while (pos[0] < message.length) {
      long key = varint(message, pos);
      int field = (int) (key >>> 3);
      int type = (int) (key & 7);
      switch (type) {
        case 0:
          varint(message, pos);
          break;
        case 1:
          skip(message, pos, 8);
          break;
        case 5:
          skip(message, pos, 4);
          break;
        case 2:
          long length = varint(message, pos);
          if (length < 0 || length > message.length - pos[0]) {
            throw new IllegalArgumentException("truncated protobuf field");
          }
          if (field == number) {
            found = Arrays.copyOfRange(message, pos[0], pos[0] + (int) length);
          }
          pos[0] += (int) length;
          break;
        default:
          throw new IllegalArgumentException("unsupported protobuf wire type " + type);
      }
    }
    return found;
  }

  /** The varint field {@code number} of {@code message}, or {@code absent}. */
  static long varintField(byte[] message, int number, long absent) {
    long found = absent;
    int[] pos = {0};
    while (pos[0] < message.length) {
      long key = varint(message, pos);
      int field = (int) (key >>> 3);
      int type = (int) (key & 7);
      if (type == 0) {
        long v = varint(message, pos);
        if (field == number) {
          found = v;
        }
      } else if (type == 2) {
        long length = varint(message, pos);
        if (length < 0 || length > message.length - pos[0]) {
          throw new IllegalArgumentException("truncated protobuf field");
        }
        pos[0] += (int) length;
      } else if (type == 1) {
        skip(message, pos, 8);
      } else if (type == 5) {
        skip(message, pos, 4);
      } else {
        throw new IllegalArgumentException("unsupported protobuf wire type " + type);
      }
    }
    return found;
  }

  private static void skip(byte[] m, int[] pos, int n) {
    if (n > m.length - pos[0]) {
      throw new IllegalArgumentException("truncated protobuf field");
    }
    pos[0] += n;
  }

  private static long varint(byte[] m, int[] pos) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= m.length) {
        throw new IllegalArgumentException("truncated varint");
      }
      byte b = m[pos[0]++];
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("varint too long");
  }
}
