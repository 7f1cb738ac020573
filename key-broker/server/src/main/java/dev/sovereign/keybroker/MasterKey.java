package dev.sovereign.keybroker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The broker's master key: 32 random bytes in {@code master.key} (mode 0600, created that way). It
 * encrypts KMS key material at rest with AES-256-GCM; a file with wider permissions is refused.
 */
final class MasterKey {
  static final String FILE = "master.key";
  private final byte[] key;

  private MasterKey(byte[] key) {
    this.key = key;
  }

  static MasterKey loadOrCreate(Path stateDir, SecureRandom random) throws IOException {
    Path file = stateDir.resolve(FILE);
    if (!Files.exists(file)) {
      byte[] k = new byte[32];
      random.nextBytes(k);
      StateFiles.createOwnerOnly(file, k);
      return new MasterKey(k);
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (!StateFiles.OWNER_RW.containsAll(perms)) {
      throw new IOException(file + " must be readable by its owner only (chmod 600)");
    }
    byte[] k = Files.readAllBytes(file);
    if (k.length != 32) {
      throw new IOException(file + " does not hold a 32-byte key");
    }
    return new MasterKey(k);
  }

  byte[] encrypt(byte[] plaintext, byte[] aad, SecureRandom random) {
    byte[] iv = new byte[12];
    random.nextBytes(iv);
    try {
      Cipher c = cipher(Cipher.ENCRYPT_MODE, iv, aad);
      byte[] ct = c.doFinal(plaintext);
      byte[] out = Arrays.copyOf(iv, 12 + ct.length);
      System.arraycopy(ct, 0, out, 12, ct.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  byte[] decrypt(byte[] sealed, byte[] aad) throws AEADBadTagException {
    try {
      Cipher c = cipher(Cipher.DECRYPT_MODE, Arrays.copyOf(sealed, 12), aad);
      return c.doFinal(sealed, 12, sealed.length - 12);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  private Cipher cipher(int mode, byte[] iv, byte[] aad) throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
    c.updateAAD(aad);
    return c;
  }

  @Override
  public String toString() {
    return "MasterKey[redacted]";
  }
}
