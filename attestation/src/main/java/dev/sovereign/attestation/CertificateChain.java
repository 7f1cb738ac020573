package dev.sovereign.attestation;

import static dev.sovereign.attestation.AttestationRejection.CHAIN_INVALID;
import static dev.sovereign.attestation.AttestationRejection.EXPIRED;
import static dev.sovereign.attestation.AttestationRejection.MALFORMED;
import static dev.sovereign.attestation.AttestationRejection.UNTRUSTED_ROOT;

import dev.sovereign.attestation.internal.Es384;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * The certificate rules of AWS's "Verifying the root of trust", with Bouncy Castle's lightweight
 * ASN.1 and ECDSA. Chain, root first: {@code cabundle[0..n-1]}, then {@code certificate}.
 *
 * <ul>
 *   <li>{@code cabundle[0]} is byte-equal to a pinned root, else {@code UNTRUSTED_ROOT};
 *   <li>every certificate is strict DER X.509 v3 (else {@code MALFORMED}) with a P-384 named-curve
 *       key, signed with ecdsa-with-SHA384 by its predecessor, whose subject is its issuer;
 *   <li>CAs (root and intermediates): basicConstraints cA, keyUsage keyCertSign, and a path length
 *       that allows the intermediates below them (intermediates must state one);
 *   <li>the leaf: not a CA, keyUsage digitalSignature;
 *   <li>no critical extension other than basicConstraints and keyUsage;
 *   <li>every certificate valid at the verification instant, else {@code EXPIRED} (checked by
 *       {@link #checkValidity} after all signatures, so a forgery is never reported as expired).
 * </ul>
 *
 * <p>Certificates below the root whose signature and static rules passed (intermediates, and the
 * leaf, which the NSM reuses for a few hours) are cached, keyed by the full DER of the chain from
 * the root down to them (never by a hash or a name), so a hit proves exactly the same facts.
 * Validity and path length are checked on every verification, cached or not; the COSE signature is
 * always verified. A cached certificate also keeps its parsed key, on which Bouncy Castle keeps its
 * point precomputation: later verifications with that key are about twice as fast.
 */
final class CertificateChain {
  /** Longest chain accepted (root, intermediates, leaf). The Nitro chain has 5. */
  static final int MAX_CHAIN = 8;

  private static final AlgorithmIdentifier ECDSA_SHA384 =
      new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA384);
  private static final Set<ASN1ObjectIdentifier> KNOWN_CRITICAL =
      Set.of(Extension.basicConstraints, Extension.keyUsage);

  private final Map<ByteBuffer, Cert> roots = new HashMap<>();
  private final Map<ByteBuffer, Cert> cache;
  private final int cacheEntries;

  CertificateChain(List<byte[]> pinnedRootDers, int cacheEntries) {
    for (byte[] der : pinnedRootDers) {
      roots.put(ByteBuffer.wrap(der.clone()), checkPinnedRoot(der));
    }
    this.cacheEntries = cacheEntries;
    this.cache =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Cert> eldest) {
            return size() > CertificateChain.this.cacheEntries;
          }
        };
  }

  /** A parsed certificate with the facts the chain rules need. */
  static final class Cert {
    final Certificate cert;
    final java.security.PublicKey key;
    final X500Name subject;
    final X500Name issuer;
    final Instant notBefore;
    final Instant notAfter;
    final BasicConstraints basicConstraints;
    final KeyUsage keyUsage;
    final Extensions extensions;

    private Cert(Certificate cert, java.security.PublicKey key) {
      this.cert = cert;
      this.key = key;
      this.subject = cert.getSubject();
      this.issuer = cert.getIssuer();
      this.notBefore = cert.getStartDate().getDate().toInstant();
      this.notAfter = cert.getEndDate().getDate().toInstant();
      this.extensions = cert.getTBSCertificate().getExtensions();
      this.basicConstraints =
          extensions == null ? null : BasicConstraints.fromExtensions(extensions);
      this.keyUsage = extensions == null ? null : KeyUsage.fromExtensions(extensions);
    }

    boolean isCa() {
      return basicConstraints != null && basicConstraints.isCA();
    }
  }

  /**
   * Checks a root to pin: a self-signed P-384 CA with keyCertSign, and returns it parsed.
   *
   * @throws IllegalArgumentException otherwise
   */
  static Cert checkPinnedRoot(byte[] der) {
    try {
      Cert root = parse(der, "pinned root");
      checkStatic(root, "pinned root", true);
      checkSignedBy(root, root, "pinned root");
      return root;
    } catch (AttestationRejectedException e) {
      throw new IllegalArgumentException("unusable pinned root: " + e.detail());
    }
  }

  /**
   * Checks the root pin, every signature and the static rules of the chain of {@code doc}, and
   * returns the chain root first (the leaf last). Validity in time is {@link #checkValidity}.
   */
  Cert[] verifySignatures(AttestationDocument doc) throws AttestationRejectedException {
    List<byte[]> bundle = doc.cabundleView();
    int n = bundle.size();
    if (n + 1 > MAX_CHAIN) {
      throw new AttestationRejectedException(
          CHAIN_INVALID, "chain longer than " + MAX_CHAIN + " certificates");
    }
    Cert[] chain = new Cert[n + 1];
    chain[0] = roots.get(ByteBuffer.wrap(bundle.get(0)));
    if (chain[0] == null) {
      throw new AttestationRejectedException(UNTRUSTED_ROOT, "cabundle[0] is not a pinned root");
    }
    for (int i = 1; i < n; i++) {
      String role = "cabundle[" + i + "]";
      ByteBuffer key = cacheKey(bundle, i);
      Cert c = cached(key);
      if (c == null) {
        c = parse(bundle.get(i), role);
        checkStatic(c, role, true);
        checkSignedBy(c, chain[i - 1], role);
        remember(key, c);
      }
      chain[i] = c;
    }
    List<byte[]> withLeaf = new java.util.ArrayList<>(bundle);
    withLeaf.add(doc.certificateView());
    ByteBuffer leafKey = cacheKey(withLeaf, n);
    Cert leaf = cached(leafKey);
    if (leaf == null) {
      leaf = parse(doc.certificateView(), "certificate");
      checkStatic(leaf, "certificate", false);
      checkSignedBy(leaf, chain[n - 1], "certificate");
      remember(leafKey, leaf);
    }
    chain[n] = leaf;

    // Path length: the number of intermediates below a CA must not exceed its pathLenConstraint.
    for (int i = 0; i < n; i++) {
      BigInteger pathLen = chain[i].basicConstraints.getPathLenConstraint();
      if (pathLen == null && i > 0) {
        throw new AttestationRejectedException(
            CHAIN_INVALID,
            "cabundle[" + i + "] is an intermediate CA without a path length constraint");
      }
      int below = n - 1 - i;
      if (pathLen != null && BigInteger.valueOf(below).compareTo(pathLen) > 0) {
        throw new AttestationRejectedException(
            CHAIN_INVALID,
            "cabundle["
                + i
                + "] allows "
                + pathLen
                + " intermediates below it, the chain has "
                + below);
      }
    }
    return chain;
  }

  /** Every certificate of {@code chain} (root first) must be valid at {@code instant}. */
  static void checkValidity(Cert[] chain, Instant instant) throws AttestationRejectedException {
    int n = chain.length - 1;
    for (int i = 0; i <= n; i++) {
      Cert c = chain[i];
      String role = i == n ? "certificate" : "cabundle[" + i + "]";
      if (instant.isBefore(c.notBefore)) {
        throw new AttestationRejectedException(EXPIRED, role + " is not yet valid at " + instant);
      }
      if (instant.isAfter(c.notAfter)) {
        throw new AttestationRejectedException(EXPIRED, role + " expired before " + instant);
      }
    }
  }

  int cachedEntries() {
    synchronized (cache) {
      return cache.size();
    }
  }

  private Cert cached(ByteBuffer key) {
    if (cacheEntries <= 0) {
      return null;
    }
    synchronized (cache) {
      return cache.get(key);
    }
  }

  private void remember(ByteBuffer key, Cert c) {
    if (cacheEntries <= 0) {
      return;
    }
    synchronized (cache) {
      cache.put(key, c);
    }
  }

  /** The full DER of {@code bundle[0..i]}, each length-prefixed: equal keys mean equal chains. */
  private static ByteBuffer cacheKey(List<byte[]> bundle, int i) {
    int size = 0;
    for (int j = 0; j <= i; j++) {
      size += 4 + bundle.get(j).length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    for (int j = 0; j <= i; j++) {
      b.putInt(bundle.get(j).length).put(bundle.get(j));
    }
    b.flip();
    return b;
  }

  private static Cert parse(byte[] der, String role) throws AttestationRejectedException {
    Certificate cert;
    try {
      cert = Certificate.getInstance(ASN1Primitive.fromByteArray(der));
      if (cert == null || !Arrays.equals(cert.getEncoded(ASN1Encoding.DER), der)) {
        throw new AttestationRejectedException(MALFORMED, role + " is not a DER X.509 certificate");
      }
      if (cert.getVersionNumber() != 3) {
        throw new AttestationRejectedException(MALFORMED, role + " is not an X.509 v3 certificate");
      }
      p384Key(cert.getSubjectPublicKeyInfo(), role);
      return new Cert(
          cert,
          Es384.jcaPublicKey(
              dev.sovereign.crypto.Crypto.system(),
              cert.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER)));
    } catch (AttestationRejectedException e) {
      throw e;
    } catch (Exception e) {
      // IOException, IllegalArgumentException, ClassCastException... from hostile ASN.1.
      throw new AttestationRejectedException(MALFORMED, role + " is not a DER X.509 certificate");
    }
  }

  private static ECPublicKeyParameters p384Key(SubjectPublicKeyInfo spki, String role)
      throws Exception {
    AlgorithmIdentifier alg = spki.getAlgorithm();
    if (!X9ObjectIdentifiers.id_ecPublicKey.equals(alg.getAlgorithm())
        || !SECObjectIdentifiers.secp384r1.equals(alg.getParameters())) {
      throw new AttestationRejectedException(
          CHAIN_INVALID, role + " key is not an EC P-384 (named curve) key");
    }
    AsymmetricKeyParameter k = PublicKeyFactory.createKey(spki);
    ECPublicKeyParameters ec = (ECPublicKeyParameters) k;
    return new ECPublicKeyParameters(ec.getQ(), Es384.P384);
  }

  private static void checkStatic(Cert c, String role, boolean ca)
      throws AttestationRejectedException {
    if (c.extensions != null) {
      for (ASN1ObjectIdentifier oid : c.extensions.getCriticalExtensionOIDs()) {
        if (!KNOWN_CRITICAL.contains(oid)) {
          throw new AttestationRejectedException(
              CHAIN_INVALID, role + " has an unknown critical extension " + oid);
        }
      }
    }
    if (c.keyUsage == null) {
      throw new AttestationRejectedException(CHAIN_INVALID, role + " has no key usage");
    }
    if (ca) {
      if (!c.isCa()) {
        throw new AttestationRejectedException(
            CHAIN_INVALID, role + " is not a CA (basic constraints)");
      }
      if (!c.keyUsage.hasUsages(KeyUsage.keyCertSign)) {
        throw new AttestationRejectedException(
            CHAIN_INVALID, role + " may not sign certificates (key usage)");
      }
    } else {
      if (c.isCa()) {
        throw new AttestationRejectedException(
            CHAIN_INVALID, role + " is a CA but must be an end entity");
      }
      if (!c.keyUsage.hasUsages(KeyUsage.digitalSignature)) {
        throw new AttestationRejectedException(
            CHAIN_INVALID, role + " may not make signatures (key usage)");
      }
    }
  }

  private static void checkSignedBy(Cert child, Cert parent, String role)
      throws AttestationRejectedException {
    if (!child.issuer.equals(parent.subject)) {
      throw new AttestationRejectedException(
          CHAIN_INVALID, role + " issuer is not the subject of the certificate above it");
    }
    Certificate c = child.cert;
    if (!ECDSA_SHA384.equals(c.getSignatureAlgorithm())
        || !ECDSA_SHA384.equals(c.getTBSCertificate().getSignature())) {
      throw new AttestationRejectedException(
          CHAIN_INVALID, role + " is not signed with ecdsa-with-SHA384");
    }
    BigInteger r;
    BigInteger s;
    byte[] tbs;
    try {
      byte[] sigDer = c.getSignature().getOctets();
      ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(sigDer));
      if (seq.size() != 2 || !Arrays.equals(seq.getEncoded(ASN1Encoding.DER), sigDer)) {
        throw new IllegalArgumentException("not a DER ECDSA-Sig-Value");
      }
      r = ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
      s = ASN1Integer.getInstance(seq.getObjectAt(1)).getValue();
      tbs = c.getTBSCertificate().getEncoded(ASN1Encoding.DER);
    } catch (Exception e) {
      throw new AttestationRejectedException(CHAIN_INVALID, role + " has an unreadable signature");
    }
    if (!Es384.verify(parent.key, tbs, r, s)) {
      throw new AttestationRejectedException(
          CHAIN_INVALID, role + " is not signed by the certificate above it");
    }
  }
}
