package dev.sovereign.keybroker;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The local broker's {@code CiphertextBlob}: {@code "SVKB" | 0x01 | u16 keyId length | keyId
 * (UTF-8) | 12-byte IV | AES-256-GCM(key material, data key)}. The associated data is everything
 * before the IV followed by the canonical encryption context (entries sorted by key, each key and
 * value as u32 length + UTF-8), so Decrypt with another context fails as in KMS.
 */
final class CiphertextBlobs {
  private static final byte[] MAGIC = "SVKB".getBytes(StandardCharsets.US_ASCII);

  record Parsed(String keyId, byte[] prefix, byte[] iv, byte[] ciphertext) {}

  private CiphertextBlobs() {}

  static byte[] seal(
      String keyId,
      byte[] material,
      byte[] dataKey,
      Map<String, String> context,
      SecureRandom random) {
    byte[] prefix = prefix(keyId);
    byte[] iv = new byte[12];
    random.nextBytes(iv);
    try {
      Cipher c = cipher(Cipher.ENCRYPT_MODE, material, iv, prefix, context);
      byte[] ct = c.doFinal(dataKey);
      return ByteBuffer.allocate(prefix.length + 12 + ct.length)
          .put(prefix)
          .put(iv)
          .put(ct)
          .array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  static Parsed parse(byte[] blob) throws KmsError {
    try {
      ByteBuffer in = ByteBuffer.wrap(blob);
      byte[] magic = new byte[4];
      in.get(magic);
      if (!Arrays.equals(magic, MAGIC) || in.get() != 1) {
        throw KmsError.invalidCiphertext("not a ciphertext blob of this broker");
      }
      byte[] id = new byte[Short.toUnsignedInt(in.getShort())];
      in.get(id);
      byte[] iv = new byte[12];
      in.get(iv);
      byte[] ct = new byte[in.remaining()];
      in.get(ct);
      if (ct.length < 16) {
        throw KmsError.invalidCiphertext("ciphertext blob truncated");
      }
      String keyId = new String(id, StandardCharsets.UTF_8);
      return new Parsed(keyId, prefix(keyId), iv, ct);
    } catch (BufferUnderflowException e) {
      throw KmsError.invalidCiphertext("ciphertext blob truncated");
    }
  }

  /** The data key; the caller wipes it. */
  static byte[] open(Parsed p, byte[] material, Map<String, String> context) throws KmsError {
    try {
      return cipher(Cipher.DECRYPT_MODE, material, p.iv(), p.prefix(), context)
          .doFinal(p.ciphertext());
    } catch (AEADBadTagException e) {
      throw KmsError.invalidCiphertext("ciphertext blob or encryption context does not match");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  private static byte[] prefix(String keyId) {
    byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + 1 + 2 + id.length)
        .put(MAGIC)
        .put((byte) 1)
        .putShort((short) id.length)
        .put(id)
        .array();
  }

  private static Cipher cipher(
      int mode, byte[] material, byte[] iv, byte[] prefix, Map<String, String> context)
      throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, iv));
    c.updateAAD(prefix);
    c.updateAAD(canonical(context));
    return c;
  }

  static byte[] canonical(Map<String, String> context) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, String> e : new TreeMap<>(context).entrySet()) {
      for (String s : new String[] {e.getKey(), e.getValue()}) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
        out.writeBytes(b);
      }
    }
    return out.toByteArray();
  }
}
