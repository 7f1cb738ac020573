package dev.sovereign.attestation.nsm.simulated;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The boot measurements of a simulated enclave, computable by anyone holding the enclave jar (a
 * producer or key broker builds its PCR allow-list with these). All values are SHA-384, 48 bytes.
 *
 * <ul>
 *   <li>PCR0 (image): {@code SHA-384(jar file bytes)}; any rebuilt, changed jar gets a new PCR0.
 *   <li>PCR1 (boot): {@code SHA-384("sovereign-simulated-nsm/PCR1/v1" 0x00
 *       "java.specification.version=" V)}: the runtime that boots the image stands in for Nitro's
 *       kernel and bootstrap.
 *   <li>PCR2 (application): {@code SHA-384("sovereign-simulated-nsm/PCR2/v1" 0x00 (u32be(len(name))
 *       name SHA-384(content))*)} over the jar's entries in file order: the application's contents
 *       without the zip container's metadata (timestamps, compression).
 *   <li>PCR3 (parent role): as AWS defines it, {@code SHA-384(48 zero bytes || UTF-8(role ARN))},
 *       i.e. one extension of a zero PCR with the ARN; all zeros when the parent has no role.
 *   <li>PCR4 (parent instance): {@code SHA-384(48 zero bytes || UTF-8(instance id))}.
 *   <li>PCR8 (image signing certificate): all zeros; simulated images are unsigned.
 * </ul>
 */
public final class SimulatedMeasurements {
  /** The PCR length: SHA-384. */
  public static final int PCR_LENGTH = 48;

  private SimulatedMeasurements() {}

  /** PCR0: SHA-384 of the enclave jar's bytes. */
  public static byte[] pcr0(Path enclaveJar) throws IOException {
    MessageDigest md = sha384();
    try (InputStream in = Files.newInputStream(enclaveJar)) {
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return md.digest();
  }

  /** PCR1: the boot environment, here the Java specification version running the image. */
  public static byte[] pcr1(String javaSpecificationVersion) {
    MessageDigest md = domain("PCR1");
    md.update(
        ("java.specification.version=" + javaSpecificationVersion)
            .getBytes(StandardCharsets.UTF_8));
    return md.digest();
  }

  /** PCR1 for the running JVM. */
  public static byte[] pcr1() {
    return pcr1(System.getProperty("java.specification.version"));
  }

  /** PCR2: the jar's entries, names and contents, in file order. */
  public static byte[] pcr2(Path enclaveJar) throws IOException {
    MessageDigest md = domain("PCR2");
    try (ZipFile zip = new ZipFile(enclaveJar.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      byte[] buf = new byte[64 * 1024];
      for (ZipEntry e : Collections.list(entries)) {
        byte[] name = e.getName().getBytes(StandardCharsets.UTF_8);
        md.update(
            new byte[] {
              (byte) (name.length >>> 24),
              (byte) (name.length >>> 16),
              (byte) (name.length >>> 8),
              (byte) name.length
            });
        md.update(name);
        MessageDigest content = sha384();
        try (InputStream in = zip.getInputStream(e)) {
          for (int n; (n = in.read(buf)) > 0; ) {
            content.update(buf, 0, n);
          }
        }
        md.update(content.digest());
      }
    }
    return md.digest();
  }

  /** PCR3: one extension of a zero PCR with the parent's IAM role ARN; zeros for {@code null}. */
  public static byte[] pcr3(String parentRoleArn) {
    return parentRoleArn == null
        ? new byte[PCR_LENGTH]
        : extend(new byte[PCR_LENGTH], parentRoleArn.getBytes(StandardCharsets.UTF_8));
  }

  /** PCR4: one extension of a zero PCR with the parent's instance id. */
  public static byte[] pcr4(String parentInstanceId) {
    return extend(new byte[PCR_LENGTH], parentInstanceId.getBytes(StandardCharsets.UTF_8));
  }

  /** PCR extension as the NSM does it: {@code SHA-384(old || data)}. */
  public static byte[] extend(byte[] old, byte[] data) {
    MessageDigest md = sha384();
    md.update(old);
    md.update(data);
    return md.digest();
  }

  /** PCR0, 1, 2, 3, 4 and 8 of an enclave booted from {@code enclaveJar} on the given parent. */
  public static SortedMap<Integer, byte[]> boot(
      Path enclaveJar, String parentRoleArn, String parentInstanceId) throws IOException {
    SortedMap<Integer, byte[]> pcrs = new TreeMap<>();
    pcrs.put(0, pcr0(enclaveJar));
    pcrs.put(1, pcr1());
    pcrs.put(2, pcr2(enclaveJar));
    pcrs.put(3, pcr3(parentRoleArn));
    pcrs.put(4, pcr4(parentInstanceId));
    pcrs.put(8, new byte[PCR_LENGTH]);
    return pcrs;
  }

  private static MessageDigest domain(String pcr) {
    MessageDigest md = sha384();
    md.update(("sovereign-simulated-nsm/" + pcr + "/v1").getBytes(StandardCharsets.UTF_8));
    md.update((byte) 0);
    return md;
  }

  static MessageDigest sha384() {
    try {
      return MessageDigest.getInstance("SHA-384");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-384 is mandatory in every JRE", e);
    }
  }
}
