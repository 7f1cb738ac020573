package dev.sovereign.host;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Throw-away P-256 certificates for TLS tests (Bouncy Castle), and SSL contexts that use them. */
final class TestCerts {
  private static final SecureRandom RANDOM = new SecureRandom();

  private TestCerts() {}

  /** A key pair and its certificate. */
  record Issued(KeyPair keys, X509Certificate cert) {}

  static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  /** A self-signed CA certificate. */
  static Issued ca(String subject) throws GeneralSecurityException {
    KeyPair k = keyPair();
    return new Issued(k, build(subject, k, subject, k.getPrivate(), true, null));
  }

  /** A self-signed end-entity certificate (no CA) for TLS clients. */
  static Issued selfSignedClient(String subject) throws GeneralSecurityException {
    KeyPair k = keyPair();
    return new Issued(
        k, build(subject, k, subject, k.getPrivate(), false, KeyPurposeId.id_kp_clientAuth));
  }

  /** A client certificate issued by {@code ca}. */
  static Issued client(String subject, Issued ca) throws GeneralSecurityException {
    KeyPair k = keyPair();
    return new Issued(
        k,
        build(
            subject,
            k,
            ca.cert().getSubjectX500Principal().getName(),
            ca.keys().getPrivate(),
            false,
            KeyPurposeId.id_kp_clientAuth));
  }

  /** A self-signed server certificate for 127.0.0.1 and localhost. */
  static Issued server() throws GeneralSecurityException {
    KeyPair k = keyPair();
    return new Issued(
        k,
        build(
            "CN=localhost",
            k,
            "CN=localhost",
            k.getPrivate(),
            false,
            KeyPurposeId.id_kp_serverAuth));
  }

  private static X509Certificate build(
      String subject,
      KeyPair subjectKeys,
      String issuer,
      PrivateKey issuerKey,
      boolean isCa,
      KeyPurposeId purpose)
      throws GeneralSecurityException {
    Instant now = Instant.now();
    try {
      // Names as RFC 2253 strings, parsed by the JDK (BC's own string order is the reverse).
      JcaX509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name(issuer),
              new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(Duration.ofDays(1))),
              name(subject),
              subjectKeys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
      if (isCa) {
        b.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      } else {
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      }
      if (purpose == KeyPurposeId.id_kp_serverAuth) {
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(
                new GeneralName[] {
                  new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                  new GeneralName(GeneralName.dNSName, "localhost")
                }));
      }
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    } catch (OperatorCreationException | IOException e) {
      throw new GeneralSecurityException("test certificate", e);
    }
  }

  private static X500Name name(String rfc2253) {
    return X500Name.getInstance(new javax.security.auth.x500.X500Principal(rfc2253).getEncoded());
  }

  /** Writes {@code objects} (certificates, private keys as PKCS#8) as PEM. */
  static Path pem(Path file, Object... objects) throws IOException {
    StringWriter s = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(s)) {
      for (Object o : objects) {
        // Private keys as PKCS#8 ("PRIVATE KEY"), which every PEM reader takes.
        w.writeObject(
            o instanceof PrivateKey k
                ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null)
                : o);
      }
    }
    Files.createDirectories(file.getParent());
    Files.writeString(file, s.toString());
    return file;
  }

  /** A TLS client context trusting {@code server}, presenting {@code client} if not null. */
  static SSLContext clientContext(X509Certificate server, Issued client)
      throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", server);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (client != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry(
          "client", client.keys().getPrivate(), new char[0], new X509Certificate[] {client.cert()});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
    return ctx;
  }
}
