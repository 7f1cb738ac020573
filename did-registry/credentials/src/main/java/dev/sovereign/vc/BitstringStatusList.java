package dev.sovereign.vc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A Bitstring Status List v1.0 bitstring, one bit per entry (statusSize 1, as revocation and
 * suspension require). Index 0 is the left-most (most significant) bit of the first byte. The wire
 * form ({@code encodedList}) is the multibase base64url ('u', no padding) of the GZIP-compressed
 * bitstring.
 */
public final class BitstringStatusList {
  /** The specification's minimum: 16 KB, 131,072 entries (herd privacy). */
  public static final int MIN_ENTRIES = 131_072;

  /** Decompression limit (16 MB of bits = 134 M entries): refuse compression bombs. */
  static final int MAX_BYTES = 16 * 1024 * 1024;

  private final byte[] bits;

  private BitstringStatusList(byte[] bits) {
    this.bits = bits;
  }

  /**
   * An all-zero list with {@code entries} entries (at least {@link #MIN_ENTRIES}, a multiple of 8).
   */
  public static BitstringStatusList create(int entries) {
    if (entries < MIN_ENTRIES || entries % 8 != 0 || entries / 8 > MAX_BYTES) {
      throw new IllegalArgumentException(
          "entries must be a multiple of 8 in [" + MIN_ENTRIES + ", " + MAX_BYTES * 8L + "]");
    }
    return new BitstringStatusList(new byte[entries / 8]);
  }

  /**
   * Decodes an {@code encodedList}. Lists shorter than the minimum are decoded too (the verifier
   * rejects them with {@link ReasonCode#STATUS_LIST_TOO_SHORT}); bad encodings throw.
   */
  public static BitstringStatusList decode(String encodedList) throws CredentialRejectedException {
    if (encodedList == null || encodedList.length() < 2 || encodedList.charAt(0) != 'u') {
      throw new VerificationReport.Builder()
          .fail(
              null,
              "status list",
              ReasonCode.STATUS_LIST_INVALID,
              "encodedList is not multibase base64url ('u')");
    }
    byte[] gz;
    try {
      gz = Base64.getUrlDecoder().decode(encodedList.substring(1));
    } catch (IllegalArgumentException e) {
      throw new VerificationReport.Builder()
          .fail(
              null, "status list", ReasonCode.STATUS_LIST_INVALID, "encodedList is not base64url");
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(MIN_ENTRIES / 8);
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        if (out.size() > MAX_BYTES) {
          throw new VerificationReport.Builder()
              .fail(
                  null,
                  "status list",
                  ReasonCode.STATUS_LIST_INVALID,
                  "decompressed list exceeds " + MAX_BYTES + " bytes");
        }
      }
      return new BitstringStatusList(out.toByteArray());
    } catch (IOException e) {
      throw new VerificationReport.Builder()
          .fail(null, "status list", ReasonCode.STATUS_LIST_INVALID, "encodedList is not GZIP");
    }
  }

  /** The multibase base64url GZIP encoding. */
  public String encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bits);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "u" + Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /** Number of entries. */
  public long size() {
    return bits.length * 8L;
  }

  /** The bit at {@code index}; the caller checks the range. */
  public boolean get(long index) {
    checkIndex(index);
    return (bits[(int) (index >>> 3)] & (0x80 >>> (index & 7))) != 0;
  }

  /** A copy with the bit at {@code index} set to {@code value}. */
  public BitstringStatusList with(long index, boolean value) {
    checkIndex(index);
    byte[] copy = bits.clone();
    int mask = 0x80 >>> (index & 7);
    int i = (int) (index >>> 3);
    copy[i] = (byte) (value ? copy[i] | mask : copy[i] & ~mask);
    return new BitstringStatusList(copy);
  }

  private void checkIndex(long index) {
    if (index < 0 || index >= size()) {
      throw new IndexOutOfBoundsException("index " + index + " outside [0, " + size() + ")");
    }
  }
}
