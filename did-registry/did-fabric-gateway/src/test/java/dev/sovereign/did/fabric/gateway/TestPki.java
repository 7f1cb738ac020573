package dev.sovereign.did.fabric.gateway;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;

/**
 * An organisation's CA with one client and one peer identity, made fresh for a test (P-256, like
 * Fabric's cryptogen).
 */
public final class TestPki {
  public final String mspId;
  public final X509Certificate ca;
  public final X509Certificate clientCert;
  public final PrivateKey clientKey;
  public final X509Certificate peerCert;
  public final PrivateKey peerKey;

  public TestPki(String mspId) throws Exception {
    this.mspId = mspId;
    KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair caKeys = kpg.generateKeyPair();
    KeyPair client = kpg.generateKeyPair();
    KeyPair peer = kpg.generateKeyPair();
    X500Name caName = new X500Name("CN=ca." + mspId + ",O=" + mspId);
    this.ca = cert(caName, caName, caKeys, caKeys, true);
    this.clientCert =
        cert(caName, new X500Name("CN=User1,OU=client,O=" + mspId), client, caKeys, false);
    this.clientKey = client.getPrivate();
    this.peerCert = cert(caName, new X500Name("CN=peer0,OU=peer,O=" + mspId), peer, caKeys, false);
    this.peerKey = peer.getPrivate();
  }

  private static X509Certificate cert(
      X500Name issuer, X500Name subject, KeyPair subjectKeys, KeyPair issuerKeys, boolean isCa)
      throws Exception {
    Instant now = Instant.now();
    return new JcaX509CertificateConverter()
        .getCertificate(
            new JcaX509v3CertificateBuilder(
                    issuer,
                    BigInteger.valueOf(now.toEpochMilli())
                        .add(BigInteger.valueOf(System.nanoTime() & 0xffff)),
                    Date.from(now.minus(1, ChronoUnit.HOURS)),
                    Date.from(now.plus(1, ChronoUnit.DAYS)),
                    subject,
                    subjectKeys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa))
                .build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }

  /** SerializedIdentity {mspid, id_bytes = PEM}, as Fabric puts in headers and endorsements. */
  static byte[] serialized(String mspId, X509Certificate cert) {
    return SerializedIdentity.newBuilder()
        .setMspid(mspId)
        .setIdBytes(
            com.google.protobuf.ByteString.copyFrom(
                Identities.toPemString(cert), StandardCharsets.UTF_8))
        .build()
        .toByteArray();
  }
}
