package dev.sovereign.attestation.nsm.simulated;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * The simulated NSM's P-384 PKI, shaped like AWS's (as read from the real us-east-1 document in
 * {@code fixtures/nitro}): root (30 years, CA without path length) -> regional (20 days, pathLen 2)
 * -> zonal (6 days, pathLen 1) -> instance (1 day, pathLen 0, key usage keyCertSign only, no key
 * identifiers) -> leaf (3 hours, CA:false, digitalSignature and nonRepudiation, not critical;
 * serial = enclave id, 4 zero bytes, issue second). Subjects follow the same attribute orders with
 * our own names. Kept in {@code <state>/nsm/}: certificates public, private keys PKCS#8 in files of
 * mode 0600 in a directory of mode 0700 (not encrypted). Each level is re-issued with a new key,
 * and everything below it with it, when its remaining validity no longer covers a full child
 * lifetime plus an hour; the leaf when less than two hours remain.
 */
final class SimulatedPki {
  static final Duration ROOT_LIFETIME = Duration.ofDays(30 * 365 + 7);
  static final Duration REGIONAL_LIFETIME = Duration.ofDays(20);
  static final Duration ZONAL_LIFETIME = Duration.ofDays(6);
  static final Duration INSTANCE_LIFETIME = Duration.ofDays(1);
  static final Duration LEAF_LIFETIME = Duration.ofHours(3);
  static final Duration LEAF_MIN_REMAINING = Duration.ofHours(2);
  static final Duration MARGIN = Duration.ofHours(1);

  private static final String[] LEVELS = {"root", "regional", "zonal", "instance", "leaf"};
  private static final Duration[] LIFETIMES = {
    ROOT_LIFETIME, REGIONAL_LIFETIME, ZONAL_LIFETIME, INSTANCE_LIFETIME, LEAF_LIFETIME
  };

  /** The leaf's key and certificate with the bundle that chains it to the root, root first. */
  record Issued(PrivateKey leafKey, X509Certificate leaf, List<X509Certificate> cabundle) {}

  private final Path dir;
  private final String region;
  private final String instanceId;
  private final String enclaveHex;
  private final String regionalId;
  private final String zonalId;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final X509Certificate[] certs = new X509Certificate[5];
  private final PrivateKey[] keys = new PrivateKey[5];

  private SimulatedPki(Path dir, Properties id, Clock clock) {
    this.dir = dir;
    this.region = id.getProperty("region");
    this.instanceId = id.getProperty("instance-id");
    this.enclaveHex = id.getProperty("enclave-id");
    this.regionalId = id.getProperty("regional-id");
    this.zonalId = id.getProperty("zonal-id");
    this.clock = clock;
  }

  /**
   * Loads the PKI from {@code stateDir/nsm}, creating whatever is missing and re-issuing whatever
   * is near expiry. {@code region} and {@code instanceId} {@code null} mean the ones stored there
   * (generated on first use); changing either starts a new identity below the root.
   */
  static SimulatedPki open(Path stateDir, String region, String instanceId, Clock clock)
      throws IOException {
    Path dir = stateDir.toAbsolutePath().resolve("nsm");
    createPrivateDir(dir);
    return locked(
        dir,
        () -> {
          Properties id = new Properties();
          Path idFile = dir.resolve("identity.properties");
          if (Files.exists(idFile)) {
            try (var r = Files.newBufferedReader(idFile)) {
              id.load(r);
            }
          }
          SecureRandom rnd = new SecureRandom();
          boolean changed = false;
          String storedRegion = id.getProperty("region");
          String storedInstance = id.getProperty("instance-id");
          String wantedRegion =
              region != null
                  ? region
                  : storedRegion != null ? storedRegion : SimulationConfig.DEFAULT_REGION;
          if (storedInstance == null
              || (instanceId != null && !instanceId.equals(storedInstance))
              || !wantedRegion.equals(storedRegion)) {
            id.setProperty("region", wantedRegion);
            id.setProperty("instance-id", instanceId != null ? instanceId : randomInstanceId(rnd));
            id.setProperty("enclave-id", hex(rnd, 8));
            changed = true;
          }
          if (id.getProperty("regional-id") == null || changed) {
            id.setProperty("regional-id", hex(rnd, 8));
            id.setProperty("zonal-id", hex(rnd, 8));
          }
          SimulatedPki pki = new SimulatedPki(dir, id, clock);
          if (changed) {
            StringWriter w = new StringWriter();
            id.store(w, "simulated NSM identity");
            writeAtomically(idFile, w.toString().getBytes(StandardCharsets.UTF_8), false);
            pki.deleteFrom(1);
          }
          pki.load();
          pki.refresh();
          return pki;
        });
  }

  /** An action on the state directory that may create or replace files in it. */
  private interface Locked<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code action} holding the JVM-wide monitor (a second {@link FileLock} on the same file
   * from the same JVM would throw) and an exclusive lock on {@code dir/.lock} (other processes).
   */
  @SuppressWarnings("try")
  private static <T> T locked(Path dir, Locked<T> action) throws IOException {
    synchronized (SimulatedPki.class) {
      try (FileChannel lockFile =
              FileChannel.open(
                  dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = lockFile.lock()) {
        return action.run();
      }
    }
  }

  /** The simulation root certificate stored in {@code stateDir}, creating the PKI if needed. */
  static X509Certificate root(Path stateDir) throws IOException {
    return open(stateDir, null, null, Clock.systemUTC()).root();
  }

  X509Certificate root() {
    return certs[0];
  }

  String instanceId() {
    return instanceId;
  }

  /** The NSM module id: {@code <instance id>-enc<16 hex>}, as real module ids are formed. */
  String moduleId() {
    return instanceId + "-enc" + enclaveHex;
  }

  /** The current leaf and bundle, re-issued first when near expiry. */
  synchronized Issued current() {
    if (needsRefresh()) {
      try {
        locked(
            dir,
            () -> {
              load();
              refresh();
              return null;
            });
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot refresh the simulated NSM's certificates in " + dir, e);
      }
    }
    List<X509Certificate> bundle = new ArrayList<>(List.of(certs[0], certs[1], certs[2], certs[3]));
    return new Issued(keys[4], certs[4], bundle);
  }

  private boolean needsRefresh() {
    Instant now = clock.instant();
    for (int i = 1; i < 5; i++) {
      if (certs[i] == null || tooOld(i, now)) {
        return true;
      }
    }
    return false;
  }

  private boolean tooOld(int level, Instant now) {
    Instant notAfter = certs[level].getNotAfter().toInstant();
    Instant notBefore = certs[level].getNotBefore().toInstant();
    Duration need = level == 4 ? LEAF_MIN_REMAINING : LIFETIMES[level + 1].plus(MARGIN);
    return now.plus(need).isAfter(notAfter) || now.isBefore(notBefore);
  }

  private void load() throws IOException {
    for (int i = 0; i < 5; i++) {
      Path crt = dir.resolve(LEVELS[i] + ".pem");
      Path key = dir.resolve(LEVELS[i] + ".key");
      if (Files.exists(crt) && Files.exists(key)) {
        certs[i] = readCertificate(crt);
        keys[i] = readKey(key);
      } else {
        certs[i] = null;
        keys[i] = null;
      }
    }
  }

  private void refresh() throws IOException {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    if (certs[0] == null) {
      issue(0, now);
    } else if (now.plus(REGIONAL_LIFETIME).isAfter(certs[0].getNotAfter().toInstant())) {
      throw new IOException(
          "the simulation root in "
              + dir
              + " is about to expire; delete that directory to start a new one");
    }
    boolean reissue = false;
    for (int i = 1; i < 5; i++) {
      reissue =
          reissue
              || certs[i] == null
              || keys[i] == null
              || tooOld(i, now)
              || !certs[i].getIssuerX500Principal().equals(certs[i - 1].getSubjectX500Principal());
      if (reissue) {
        issue(i, now);
      }
    }
  }

  private void deleteFrom(int level) throws IOException {
    for (int i = level; i < 5; i++) {
      Files.deleteIfExists(dir.resolve(LEVELS[i] + ".pem"));
      Files.deleteIfExists(dir.resolve(LEVELS[i] + ".key"));
    }
  }

  private void issue(int level, Instant now) throws IOException {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp384r1"), random);
      KeyPair kp = gen.generateKeyPair();
      X500Name subject = subject(level);
      X500Name issuer =
          level == 0
              ? subject
              : X500Name.getInstance(certs[level - 1].getSubjectX500Principal().getEncoded());
      PrivateKey signer = level == 0 ? kp.getPrivate() : keys[level - 1];
      PublicKey issuerKey = level == 0 ? kp.getPublic() : certs[level - 1].getPublicKey();
      Instant notAfter = now.plus(LIFETIMES[level]);
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer,
              serial(level, now),
              Date.from(now),
              Date.from(notAfter),
              subject,
              kp.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      int certSign = KeyUsage.digitalSignature | KeyUsage.keyCertSign | KeyUsage.cRLSign;
      switch (level) {
        case 0 -> {
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
          b.addExtension(
              Extension.subjectKeyIdentifier,
              false,
              ext.createSubjectKeyIdentifier(kp.getPublic()));
          b.addExtension(Extension.keyUsage, true, new KeyUsage(certSign));
        }
        case 1, 2 -> {
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(3 - level));
          b.addExtension(
              Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerKey));
          b.addExtension(
              Extension.subjectKeyIdentifier,
              false,
              ext.createSubjectKeyIdentifier(kp.getPublic()));
          b.addExtension(Extension.keyUsage, true, new KeyUsage(certSign));
        }
        case 3 -> {
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
          b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
        }
        default -> {
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
          b.addExtension(
              Extension.keyUsage,
              false,
              new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
        }
      }
      X509Certificate cert =
          new JcaX509CertificateConverter()
              .getCertificate(
                  b.build(new JcaContentSignerBuilder("SHA384withECDSA").build(signer)));
      writeAtomically(
          dir.resolve(LEVELS[level] + ".key"),
          pem("PRIVATE KEY", kp.getPrivate().getEncoded()),
          true);
      writeAtomically(
          dir.resolve(LEVELS[level] + ".pem"), pem("CERTIFICATE", cert.getEncoded()), false);
      certs[level] = cert;
      keys[level] = kp.getPrivate();
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot issue the simulated " + LEVELS[level] + " certificate", e);
    }
  }

  private X500Name subject(int level) {
    X500NameBuilder n = new X500NameBuilder(BCStyle.INSTANCE);
    String domain = region + ".simulated-nitro-enclaves";
    switch (level) {
      case 0 ->
          n.addRDN(BCStyle.C, "ZZ")
              .addRDN(BCStyle.O, "Sovereign")
              .addRDN(BCStyle.OU, "Simulated NSM")
              .addRDN(BCStyle.CN, "simulated-nitro-enclaves");
      case 1 ->
          n.addRDN(BCStyle.C, "ZZ")
              .addRDN(BCStyle.O, "Sovereign")
              .addRDN(BCStyle.OU, "Simulated NSM")
              .addRDN(BCStyle.CN, regionalId + "." + domain);
      case 2 ->
          n.addRDN(BCStyle.CN, zonalId + ".zonal." + domain)
              .addRDN(BCStyle.OU, "Simulated NSM")
              .addRDN(BCStyle.O, "Sovereign")
              .addRDN(BCStyle.C, "ZZ")
              .addRDN(BCStyle.ST, "Simulation")
              .addRDN(BCStyle.L, "Local");
      case 3 ->
          n.addRDN(BCStyle.C, "ZZ")
              .addRDN(BCStyle.ST, "Simulation")
              .addRDN(BCStyle.L, "Local")
              .addRDN(BCStyle.O, "Sovereign")
              .addRDN(BCStyle.OU, "Simulated NSM")
              .addRDN(BCStyle.CN, instanceId + "." + domain);
      default ->
          n.addRDN(BCStyle.C, "ZZ")
              .addRDN(BCStyle.ST, "Simulation")
              .addRDN(BCStyle.L, "Local")
              .addRDN(BCStyle.O, "Sovereign")
              .addRDN(BCStyle.OU, "Simulated NSM")
              .addRDN(BCStyle.CN, moduleId() + "." + region + ".simulated");
    }
    return n.build();
  }

  private BigInteger serial(int level, Instant now) {
    if (level == 4) {
      ByteBuffer b = ByteBuffer.allocate(16);
      b.put(HexFormat.of().parseHex(enclaveHex)).putInt(0).putInt((int) now.getEpochSecond());
      return new BigInteger(1, b.array());
    }
    byte[] r = new byte[level == 3 ? 20 : 16];
    random.nextBytes(r);
    r[0] &= 0x7F;
    r[0] |= 0x01;
    return new BigInteger(1, r);
  }

  private static String randomInstanceId(SecureRandom rnd) {
    return "i-" + hex(rnd, 9).substring(1);
  }

  private static String hex(SecureRandom rnd, int bytes) {
    byte[] b = new byte[bytes];
    rnd.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static X509Certificate readCertificate(Path file) throws IOException {
    try {
      byte[] der = readPem(file);
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException e) {
      throw new IOException("not a certificate: " + file, e);
    }
  }

  private static PrivateKey readKey(Path file) throws IOException {
    try {
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(readPem(file)));
    } catch (GeneralSecurityException e) {
      throw new IOException("not a PKCS#8 EC key: " + file, e);
    }
  }

  private static byte[] readPem(Path file) throws IOException {
    try (PemReader r = new PemReader(new StringReader(Files.readString(file)))) {
      PemObject o = r.readPemObject();
      if (o == null) {
        throw new IOException("no PEM object in " + file);
      }
      return o.getContent();
    }
  }

  static byte[] pem(String type, byte[] der) throws IOException {
    StringWriter w = new StringWriter();
    try (PemWriter pw = new PemWriter(w)) {
      pw.writeObject(new PemObject(type, der));
    }
    return w.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static void createPrivateDir(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Files.createDirectories(dir.getParent());
    try {
      if (posix(dir.getParent())) {
        Files.createDirectory(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectory(dir);
      }
    } catch (FileAlreadyExistsException e) {
      // another process created it first
    }
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static void writeAtomically(Path target, byte[] content, boolean secret)
      throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (posix(target.getParent())) {
      Set<PosixFilePermission> perms =
          PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--");
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(perms));
      Files.setPosixFilePermissions(tmp, perms);
    }
    Files.write(tmp, content);
    try {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
