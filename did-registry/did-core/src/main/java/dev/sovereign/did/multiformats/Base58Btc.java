package dev.sovereign.did.multiformats;

import java.util.Arrays;

/**
 * Base58 with the Bitcoin alphabet (draft-msporny-base58-03), as used by multibase prefix {@code
 * z}. Leading zero bytes map one-to-one to leading {@code 1} characters. Written here because no
 * small, maintained base58 library is published to Maven Central (io.ipfs / multiformats ship on
 * JitPack).
 */
public final class Base58Btc {
  private static final char[] ALPHABET =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
  private static final int[] INDEXES = new int[128];

  static {
    Arrays.fill(INDEXES, -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      INDEXES[ALPHABET[i]] = i;
    }
  }

  /**
   * Longest input accepted by {@link #decode}: keys and DIDs are far shorter; this bounds the
   * quadratic work.
   */
  public static final int MAX_ENCODED_LENGTH = 4096;

  private Base58Btc() {}

  /** Encodes bytes as base58btc. */
  public static String encode(byte[] input) {
    if (input.length == 0) {
      return "";
    }
    int zeros = 0;
    while (zeros < input.length && input[zeros] == 0) {
      zeros++;
    }
    byte[] num = Arrays.copyOf(input, input.length);
    // Upper bound: log(256)/log(58) ~ 1.366 characters per byte.
    char[] encoded = new char[input.length * 2];
    int out = encoded.length;
    int start = zeros;
    while (start < num.length) {
      int remainder = 0;
      for (int i = start; i < num.length; i++) {
        int digit = (num[i] & 0xff) + remainder * 256;
        num[i] = (byte) (digit / 58);
        remainder = digit % 58;
      }
      encoded[--out] = ALPHABET[remainder];
      while (start < num.length && num[start] == 0) {
        start++;
      }
    }
    for (int i = 0; i < zeros; i++) {
      encoded[--out] = ALPHABET[0];
    }
    return new String(encoded, out, encoded.length - out);
  }

  /**
   * Decodes base58btc; throws {@link IllegalArgumentException} on a character outside the alphabet.
   */
  public static byte[] decode(String input) {
    if (input.isEmpty()) {
      return new byte[0];
    }
    if (input.length() > MAX_ENCODED_LENGTH) {
      throw new IllegalArgumentException("base58 input longer than " + MAX_ENCODED_LENGTH);
    }
    byte[] digits = new byte[input.length()];
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      int d = c < 128 ? INDEXES[c] : -1;
      if (d < 0) {
        throw new IllegalArgumentException("invalid base58btc character at " + i);
      }
      digits[i] = (byte) d;
    }
    int zeros = 0;
    while (zeros < digits.length && digits[zeros] == 0) {
      zeros++;
    }
    byte[] decoded = new byte[input.length()];
    int out = decoded.length;
    int start = zeros;
    while (start < digits.length) {
      int remainder = 0;
      for (int i = start; i < digits.length; i++) {
        int digit = (digits[i] & 0xff) + remainder * 58;
        digits[i] = (byte) (digit / 256);
        remainder = digit % 256;
      }
      decoded[--out] = (byte) remainder;
      while (start < digits.length && digits[start] == 0) {
        start++;
      }
    }
    while (out < decoded.length && decoded[out] == 0) {
      out++;
    }
    byte[] result = new byte[zeros + decoded.length - out];
    System.arraycopy(decoded, out, result, zeros, decoded.length - out);
    return result;
  }
}
