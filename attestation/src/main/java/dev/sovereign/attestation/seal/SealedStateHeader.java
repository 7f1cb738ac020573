package dev.sovereign.attestation.seal;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The header of a sealed-state blob, format version 1. All integers big-endian:
 *
 * <pre>
 * magic          6 bytes  "SVSEAL"
 * version        u8       1
 * keyId          u16 length + UTF-8        (1..2048 bytes)
 * wrappedDataKey u32 length + bytes        (the broker's CiphertextBlob, 1..8192 bytes)
 * measurement    u8 length + bytes         (PCR0, 48 bytes)
 * region         u8 length + ASCII         (1..32)
 * sequence       u64                       (monotonic per enclave identity, >= 1)
 * policyHash     u8 length + bytes         (SHA-256, 32 bytes)
 * nonce          12 bytes                  (AES-GCM IV)
 * </pre>
 *
 * followed by the AES-256-GCM ciphertext and 16-byte tag of the body, with the encoded header as
 * associated data. Measurement, region, sequence and policy hash are also the KMS encryption
 * context of the wrapped data key ({@link #encryptionContext()}), so a changed header makes the
 * broker's Decrypt fail, key policies can test them ({@code kms:EncryptionContext:sovereign:...}),
 * and the local broker can enforce rollback protection on the sequence.
 */
public final class SealedStateHeader {
  /** The format version this code writes and reads. */
  public static final int FORMAT_VERSION = 1;

  /** Encryption-context key: the format marker, value {@code v1}. */
  public static final String CONTEXT_FORMAT = "sovereign:sealed-state";

  /** Encryption-context key: PCR0 of the sealing enclave, lower-case hex. */
  public static final String CONTEXT_MEASUREMENT = "sovereign:measurement";

  /** Encryption-context key: the region. */
  public static final String CONTEXT_REGION = "sovereign:region";

  /** Encryption-context key: the sequence number, decimal. */
  public static final String CONTEXT_SEQUENCE = "sovereign:sequence";

  /** Encryption-context key: the policy hash, lower-case hex. */
  public static final String CONTEXT_POLICY_HASH = "sovereign:policy-hash";

  static final byte[] MAGIC = "SVSEAL".getBytes(StandardCharsets.US_ASCII);
  static final int NONCE_BYTES = 12;
  private static final HexFormat HEX = HexFormat.of();

  private final SealBinding binding;
  private final byte[] wrappedDataKey;
  private final long sequence;
  private final byte[] nonce;
  private final byte[] encoded;

  SealedStateHeader(SealBinding binding, byte[] wrappedDataKey, long sequence, byte[] nonce) {
    if (sequence < 1) {
      throw new IllegalArgumentException("sequence must be >= 1");
    }
    if (wrappedDataKey.length == 0 || wrappedDataKey.length > 8192) {
      throw new IllegalArgumentException("wrapped data key must have 1..8192 bytes");
    }
    this.binding = Objects.requireNonNull(binding, "binding");
    this.wrappedDataKey = wrappedDataKey.clone();
    this.sequence = sequence;
    this.nonce = nonce.clone();
    this.encoded = encode();
  }

  /** The key, measurement, region and policy hash recorded in the header. */
  public SealBinding binding() {
    return binding;
  }

  /** The broker's CiphertextBlob of the data key (a copy). */
  public byte[] wrappedDataKey() {
    return wrappedDataKey.clone();
  }

  /** The monotonic sequence number. */
  public long sequence() {
    return sequence;
  }

  /** The format version. */
  public int formatVersion() {
    return FORMAT_VERSION;
  }

  byte[] nonce() {
    return nonce.clone();
  }

  /** The header bytes (also the GCM associated data). */
  public byte[] encoded() {
    return encoded.clone();
  }

  /** The KMS encryption context that binds this header to the wrapped data key. */
  public Map<String, String> encryptionContext() {
    return encryptionContext(binding, sequence);
  }

  static Map<String, String> encryptionContext(SealBinding binding, long sequence) {
    TreeMap<String, String> ctx = new TreeMap<>();
    ctx.put(CONTEXT_FORMAT, "v" + FORMAT_VERSION);
    ctx.put(CONTEXT_MEASUREMENT, HEX.formatHex(binding.measurement()));
    ctx.put(CONTEXT_REGION, binding.region());
    ctx.put(CONTEXT_SEQUENCE, Long.toString(sequence));
    ctx.put(CONTEXT_POLICY_HASH, HEX.formatHex(binding.policyHash()));
    return ctx;
  }

  private byte[] encode() {
    try {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bos);
      out.write(MAGIC);
      out.writeByte(FORMAT_VERSION);
      byte[] keyId = binding.keyId().getBytes(StandardCharsets.UTF_8);
      out.writeShort(keyId.length);
      out.write(keyId);
      out.writeInt(wrappedDataKey.length);
      out.write(wrappedDataKey);
      byte[] m = binding.measurement();
      out.writeByte(m.length);
      out.write(m);
      byte[] region = binding.region().getBytes(StandardCharsets.US_ASCII);
      out.writeByte(region.length);
      out.write(region);
      out.writeLong(sequence);
      byte[] ph = binding.policyHash();
      out.writeByte(ph.length);
      out.write(ph);
      out.write(nonce);
      return bos.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a header from the start of {@code blob}; the buffer is left at the first body byte. */
  static SealedStateHeader read(ByteBuffer in) throws SealRejectedException {
    try {
      byte[] magic = new byte[MAGIC.length];
      in.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new SealRejectedException(SealRejection.MALFORMED, "not a sealed-state blob");
      }
      int version = Byte.toUnsignedInt(in.get());
      if (version != FORMAT_VERSION) {
        throw new SealRejectedException(
            SealRejection.UNSUPPORTED_VERSION, "format version " + version);
      }
      byte[] keyId = bytes(in, Short.toUnsignedInt(in.getShort()));
      int wrappedLength = in.getInt();
      if (wrappedLength <= 0 || wrappedLength > 8192) {
        throw new SealRejectedException(SealRejection.MALFORMED, "wrapped key length out of range");
      }
      byte[] wrapped = bytes(in, wrappedLength);
      byte[] measurement = bytes(in, Byte.toUnsignedInt(in.get()));
      byte[] region = bytes(in, Byte.toUnsignedInt(in.get()));
      long sequence = in.getLong();
      byte[] policyHash = bytes(in, Byte.toUnsignedInt(in.get()));
      byte[] nonce = bytes(in, NONCE_BYTES);
      SealBinding binding =
          SealBinding.create(
              new String(keyId, StandardCharsets.UTF_8),
              measurement,
              new String(region, StandardCharsets.US_ASCII),
              policyHash);
      SealedStateHeader header = new SealedStateHeader(binding, wrapped, sequence, nonce);
      return header;
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new SealRejectedException(SealRejection.MALFORMED, "truncated or invalid header field");
    }
  }

  private static byte[] bytes(ByteBuffer in, int n) {
    byte[] b = new byte[n];
    in.get(b);
    return b;
  }

  @Override
  public String toString() {
    return "SealedStateHeader[v" + FORMAT_VERSION + ", " + binding + ", seq " + sequence + "]";
  }
}
