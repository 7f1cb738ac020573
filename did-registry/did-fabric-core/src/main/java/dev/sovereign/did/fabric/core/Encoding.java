package dev.sovereign.did.fabric.core;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Byte encodings used by did:fabric: base64url (no padding), base32 lower (no padding), base58btc.
 */
public final class Encoding {
  private static final String B32 = "abcdefghijklmnopqrstuvwxyz234567";
  private static final String B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

  private Encoding() {}

  public static String b64url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Decodes unpadded base64url; rejects padding and characters outside the alphabet. */
  public static byte[] fromB64url(String s) {
    if (s == null || s.indexOf('=') >= 0 || !s.matches("[A-Za-z0-9_-]*")) {
      throw new IllegalArgumentException("not unpadded base64url");
    }
    return Base64.getUrlDecoder().decode(s);
  }

  public static String base32Lower(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : bytes) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(B32.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(B32.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  public static String base58btc(byte[] bytes) {
    int zeros = 0;
    while (zeros < bytes.length && bytes[zeros] == 0) {
      zeros++;
    }
    BigInteger value = new BigInteger(1, bytes);
    BigInteger radix = BigInteger.valueOf(58);
    StringBuilder digits = new StringBuilder();
    while (value.signum() > 0) {
      BigInteger[] qr = value.divideAndRemainder(radix);
      digits.append(B58.charAt(qr[1].intValue()));
      value = qr[0];
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < zeros; i++) {
      out.append('1');
    }
    out.append(digits.reverse());
    return out.toString();
  }

  public static byte[] fromBase58btc(String s) {
    int zeros = 0;
    while (zeros < s.length() && s.charAt(zeros) == '1') {
      zeros++;
    }
    BigInteger value = BigInteger.ZERO;
    for (int i = zeros; i < s.length(); i++) {
      int digit = B58.indexOf(s.charAt(i));
      if (digit < 0) {
        throw new IllegalArgumentException("not base58btc");
      }
      value = value.multiply(BigInteger.valueOf(58)).add(BigInteger.valueOf(digit));
    }
    byte[] magnitude = value.signum() == 0 ? new byte[0] : value.toByteArray();
    int start = magnitude.length > 0 && magnitude[0] == 0 ? 1 : 0;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[zeros], 0, zeros);
    out.write(magnitude, start, magnitude.length - start);
    return out.toByteArray();
  }

  public static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
    }
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
