package dev.sovereign.did.fabric.ledger;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The embedded ledger's endorsing identity: a P-256 key with a certificate issued by a self-signed
 * organisation CA, both made on first open. The CA's private key is discarded after issuing, so the
 * CA certificate (the value verifiers pin) can certify nothing else.
 */
final class LedgerIdentity {
  static final String MSP_ID = "SovereignLedgerMSP";

  private final X509Certificate caCertificate;
  private final X509Certificate certificate;
  private final PrivateKey key;

  private LedgerIdentity(
      X509Certificate caCertificate, X509Certificate certificate, PrivateKey key) {
    this.caCertificate = caCertificate;
    this.certificate = certificate;
    this.key = key;
  }

  static LedgerIdentity loadOrCreate(Path dir) throws IOException, GeneralSecurityException {
    Path ca = dir.resolve("org-ca.der");
    Path cert = dir.resolve("endorser.der");
    Path key = dir.resolve("endorser.p8");
    if (!Files.exists(key)) {
      create(dir, ca, cert, key);
    }
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    return new LedgerIdentity(
        (X509Certificate) cf.generateCertificate(Files.newInputStream(ca)),
        (X509Certificate) cf.generateCertificate(Files.newInputStream(cert)),
        KeyFactory.getInstance("EC")
            .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(key))));
  }

  private static void create(Path dir, Path ca, Path cert, Path key)
      throws IOException, GeneralSecurityException {
    Files.createDirectories(dir);
    KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    KeyPair caKeys = kpg.generateKeyPair();
    KeyPair endorserKeys = kpg.generateKeyPair();
    Instant now = Instant.now();
    X500Name caName = new X500Name("CN=ca." + MSP_ID + ",O=" + MSP_ID);
    X500Name endorserName = new X500Name("CN=ledger." + MSP_ID + ",OU=peer,O=" + MSP_ID);
    try {
      X509CertificateHolder caCert =
          new JcaX509v3CertificateBuilder(
                  caName,
                  serial(),
                  Date.from(now.minus(1, ChronoUnit.DAYS)),
                  Date.from(now.plus(3650, ChronoUnit.DAYS)),
                  caName,
                  caKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
      X509CertificateHolder endorserCert =
          new JcaX509v3CertificateBuilder(
                  caName,
                  serial(),
                  Date.from(now.minus(1, ChronoUnit.DAYS)),
                  Date.from(now.plus(3650, ChronoUnit.DAYS)),
                  endorserName,
                  endorserKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
      writeAtomically(ca, caCert.getEncoded(), false);
      writeAtomically(cert, endorserCert.getEncoded(), false);
      writeAtomically(key, endorserKeys.getPrivate().getEncoded(), true);
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign the ledger certificates", e);
    }
  }

  private static void writeAtomically(Path target, byte[] bytes, boolean secret)
      throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (secret) {
      try {
        // owner-only from the first byte: the key is never in a file others could read
        Files.createFile(
            tmp,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        // non-POSIX file system: rely on the data directory's permissions
      }
    }
    Files.write(tmp, bytes);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static BigInteger serial() {
    return new BigInteger(64, new SecureRandom()).setBit(63);
  }

  X509Certificate caCertificate() {
    return caCertificate;
  }

  X509Certificate certificate() {
    return certificate;
  }

  byte[] sign(byte[] bytes) throws GeneralSecurityException {
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(key);
    s.update(bytes);
    return s.sign();
  }
}
