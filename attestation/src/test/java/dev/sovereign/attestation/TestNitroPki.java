package dev.sovereign.attestation;

import dev.sovereign.attestation.internal.Es384;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away P-384 PKI shaped like AWS's Nitro chain (root -> regional -> zonal -> instance ->
 * leaf, path lengths 2/1/0 on the intermediates, leaf valid three hours), for tests and benchmarks
 * in this and other modules (it ships in the test-jar). Not the simulated NSM's PKI: that one is
 * kept in a state directory by {@code dev.sovereign.attestation.nsm}.
 */
public final class TestNitroPki {
  /** Key usage of the Nitro CA certificates: digitalSignature, keyCertSign, cRLSign. */
  public static final int CA_KEY_USAGE =
      KeyUsage.digitalSignature | KeyUsage.keyCertSign | KeyUsage.cRLSign;

  /** Key usage of the Nitro leaf: digitalSignature, nonRepudiation. */
  public static final int LEAF_KEY_USAGE = KeyUsage.digitalSignature | KeyUsage.nonRepudiation;

  /** Marker for {@link #certificate}: an end entity (basicConstraints cA=false). */
  public static final int END_ENTITY = -2;

  /** Marker for {@link #certificate}: a CA without a path length constraint. */
  public static final int CA_NO_PATHLEN = -1;

  private static final BouncyCastleProvider BC = new BouncyCastleProvider();
  private static final AtomicLong SERIAL = new AtomicLong(1000);

  /** One certificate and its key pair. */
  public static final class Issued {
    private final X509Certificate certificate;
    private final KeyPair keys;

    Issued(X509Certificate certificate, KeyPair keys) {
      this.certificate = certificate;
      this.keys = keys;
    }

    /** The certificate. */
    public X509Certificate certificate() {
      return certificate;
    }

    /** Its DER encoding. */
    public byte[] der() {
      try {
        return certificate.getEncoded();
      } catch (java.security.cert.CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Its key pair. */
    public KeyPair keys() {
      return keys;
    }

    /** Its subject name. */
    public X500Name subject() {
      return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }
  }

  private final Instant now;
  private final Issued root;
  private final Issued regional;
  private final Issued zonal;
  private final Issued instance;
  private final Issued leaf;

  private TestNitroPki(Instant now) {
    this.now = now;
    root =
        selfSigned(
            new X500Name("C=US,O=Sovereign,OU=Test,CN=test.nitro-enclaves"),
            now.minus(Duration.ofDays(365)),
            now.plus(Duration.ofDays(3650)));
    regional =
        issue(
            root,
            new X500Name("C=US,O=Sovereign,OU=Test,CN=eu-west-1.test.nitro-enclaves"),
            now.minus(Duration.ofDays(10)),
            now.plus(Duration.ofDays(20)),
            2,
            CA_KEY_USAGE);
    zonal =
        issue(
            regional,
            new X500Name("CN=zonal.eu-west-1.test.nitro-enclaves,OU=Test,O=Sovereign,C=US"),
            now.minus(Duration.ofDays(2)),
            now.plus(Duration.ofDays(5)),
            1,
            CA_KEY_USAGE);
    instance =
        issue(
            zonal,
            new X500Name(
                "C=US,O=Sovereign,OU=Test,CN=i-0123456789abcdef0.eu-west-1.test.nitro-enclaves"),
            now.minus(Duration.ofHours(12)),
            now.plus(Duration.ofHours(12)),
            0,
            KeyUsage.keyCertSign);
    leaf =
        issue(
            instance,
            new X500Name(
                "C=US,O=Sovereign,OU=Test,CN=i-0123456789abcdef0-enc0123456789abcdef.eu-west-1.test"),
            now.minus(Duration.ofMinutes(1)),
            now.plus(Duration.ofHours(3)).minus(Duration.ofMinutes(1)),
            END_ENTITY,
            LEAF_KEY_USAGE);
  }

  /** A new PKI whose certificates are all valid at {@code now} (the leaf for about three hours). */
  public static TestNitroPki create(Instant now) {
    return new TestNitroPki(now);
  }

  /** The instant the PKI was made for. */
  public Instant now() {
    return now;
  }

  /** The root (pin this). */
  public Issued root() {
    return root;
  }

  /** The regional CA (path length 2). */
  public Issued regional() {
    return regional;
  }

  /** The zonal CA (path length 1). */
  public Issued zonal() {
    return zonal;
  }

  /** The instance CA (path length 0). */
  public Issued instance() {
    return instance;
  }

  /** The leaf that signs documents. */
  public Issued leaf() {
    return leaf;
  }

  /** The {@code cabundle}, root first: root, regional, zonal, instance. */
  public List<byte[]> cabundle() {
    List<byte[]> b = new ArrayList<>();
    b.add(root.der());
    b.add(regional.der());
    b.add(zonal.der());
    b.add(instance.der());
    return b;
  }

  /** A policy pinning this root, verifying at {@link #now()}, PCR0-2 required, no debug. */
  public AttestationPolicy.Builder policy() {
    return AttestationPolicy.builder().pinnedRoot(root.certificate()).verifyAt(now);
  }

  /** A document made at {@link #now()} with PCR0-4 set to SHA-384("pcr" + i), nothing optional. */
  public AttestationDocument.Builder document() {
    AttestationDocument.Builder b =
        AttestationDocument.builder()
            .moduleId("i-0123456789abcdef0-enc0123456789abcdef")
            .timestampMillis(now.toEpochMilli())
            .certificate(leaf.der())
            .cabundle(cabundle());
    for (int i = 0; i <= 4; i++) {
      b.pcr(i, pcrValue(i));
    }
    return b;
  }

  /** The PCR value {@link #document()} uses for {@code index}. */
  public static byte[] pcrValue(int index) {
    return Es384.sha384(("pcr" + index).getBytes(StandardCharsets.US_ASCII));
  }

  /** Signs {@code doc} with the leaf key, as the NSM would. */
  public byte[] sign(AttestationDocument doc) {
    return AttestationDocuments.sign(doc, leaf.keys().getPrivate());
  }

  /**
   * A COSE_Sign1 over arbitrary payload bytes, correctly signed by the leaf (to test the parser's
   * limits).
   */
  public byte[] signRawPayload(byte[] payload) {
    return signRawPayload(payload, leaf.keys().getPrivate());
  }

  /** A COSE_Sign1 over arbitrary payload bytes signed by {@code key}. */
  public static byte[] signRawPayload(byte[] payload, PrivateKey key) {
    byte[] protectedHeader = AttestationDocuments.protectedHeader();
    try {
      byte[] sig =
          Es384.signP1363(
              Es384.privateKey(key), AttestationDocuments.sigStructure(protectedHeader, payload));
      return AttestationDocuments.encodeCose(protectedHeader, payload, sig);
    } catch (java.security.InvalidKeyException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A fresh P-384 key pair. */
  public static KeyPair newKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC", BC);
      g.initialize(new ECGenParameterSpec("secp384r1"), new SecureRandom());
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A self-signed CA (no path length constraint), like the AWS root. */
  public static Issued selfSigned(X500Name name, Instant notBefore, Instant notAfter) {
    KeyPair k = newKey();
    return new Issued(
        certificate(
            name,
            k.getPublic(),
            name,
            k.getPrivate(),
            notBefore,
            notAfter,
            CA_NO_PATHLEN,
            CA_KEY_USAGE),
        k);
  }

  /** A certificate for a fresh key, issued by {@code issuer}. */
  public static Issued issue(
      Issued issuer,
      X500Name subject,
      Instant notBefore,
      Instant notAfter,
      int pathLen,
      int keyUsage) {
    KeyPair k = newKey();
    return new Issued(
        certificate(
            subject,
            k.getPublic(),
            issuer.subject(),
            issuer.keys().getPrivate(),
            notBefore,
            notAfter,
            pathLen,
            keyUsage),
        k);
  }

  /**
   * Any certificate, signed with ecdsa-with-SHA384. {@code pathLen}: {@link #END_ENTITY}, {@link
   * #CA_NO_PATHLEN}, or a path length for a CA; {@code keyUsage} 0 for none.
   */
  public static X509Certificate certificate(
      X500Name subject,
      PublicKey key,
      X500Name issuer,
      PrivateKey issuerKey,
      Instant notBefore,
      Instant notAfter,
      int pathLen,
      int keyUsage) {
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(notBefore),
              Date.from(notAfter),
              subject,
              key);
      BasicConstraints bc =
          pathLen == END_ENTITY
              ? new BasicConstraints(false)
              : pathLen == CA_NO_PATHLEN
                  ? new BasicConstraints(true)
                  : new BasicConstraints(pathLen);
      b.addExtension(Extension.basicConstraints, true, bc);
      if (keyUsage != 0) {
        b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
      }
      return new JcaX509CertificateConverter()
          .setProvider(BC)
          .getCertificate(
              b.build(
                  new JcaContentSignerBuilder("SHA384withECDSA").setProvider(BC).build(issuerKey)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a test certificate", e);
    }
  }
}
