package dev.sovereign.attestation.kms;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EncryptedContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.cms.KeyTransRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientIdentifier;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.AsymmetricBlockCipher;
import org.bouncycastle.crypto.BufferedBlockCipher;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.encodings.OAEPEncoding;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.modes.CBCBlockCipher;
import org.bouncycastle.crypto.paddings.PKCS7Padding;
import org.bouncycastle.crypto.paddings.PaddedBufferedBlockCipher;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * The {@code CiphertextForRecipient} format of AWS KMS: a DER CMS {@code ContentInfo} holding
 * {@code EnvelopedData} (version 2) with exactly one {@code KeyTransRecipientInfo} (version 2,
 * {@code subjectKeyIdentifier}), key transport RSAES-OAEP with explicit parameters (hash SHA-256,
 * MGF1 with SHA-256, empty label) and content encryption AES-256-CBC with PKCS#7 padding.
 *
 * <p>{@link #open} accepts exactly that shape and nothing else (the algorithms are fixed here, not
 * read from the input); every decryption failure has the same code. The subject key identifier is
 * not compared with ours: AWS does not document how it derives it, and an envelope for another key
 * fails OAEP anyway (as in AWS's kmstool, which skips it too).
 */
public final class RecipientEnvelopes {
  private static final int CEK_BYTES = 32;
  private static final int IV_BYTES = 16;
  private static final AlgorithmIdentifier SHA256 =
      new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256);
  private static final AlgorithmIdentifier MGF1_SHA256 =
      new AlgorithmIdentifier(PKCSObjectIdentifiers.id_mgf1, SHA256);

  private RecipientEnvelopes() {}

  /**
   * Wraps {@code plaintext} to {@code recipientKey} (RSA, from the attestation document) the way
   * KMS does. Used by the local key broker; the plaintext array is not modified.
   */
  public static byte[] wrap(PublicKey recipientKey, byte[] plaintext, SecureRandom random) {
    byte[] cek = new byte[CEK_BYTES];
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(cek);
    random.nextBytes(iv);
    try {
      SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(recipientKey.getEncoded());
      AsymmetricKeyParameter pub = PublicKeyFactory.createKey(spki);
      if (!(pub instanceof RSAKeyParameters)) {
        throw new IllegalArgumentException("recipient key is not RSA");
      }
      AsymmetricBlockCipher oaep =
          new OAEPEncoding(
              new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(), new byte[0]);
      oaep.init(true, new ParametersWithRandom(pub, random));
      byte[] encryptedKey = oaep.processBlock(cek, 0, cek.length);

      byte[] ski = MessageDigest.getInstance("SHA-1").digest(spki.getPublicKeyData().getBytes());
      KeyTransRecipientInfo ktri =
          new KeyTransRecipientInfo(
              new RecipientIdentifier(new DEROctetString(ski)),
              new AlgorithmIdentifier(PKCSObjectIdentifiers.id_RSAES_OAEP, oaepParams(new byte[0])),
              new DEROctetString(encryptedKey));

      BufferedBlockCipher aes =
          new PaddedBufferedBlockCipher(
              CBCBlockCipher.newInstance(AESEngine.newInstance()), new PKCS7Padding());
      aes.init(true, new ParametersWithIV(new KeyParameter(cek), iv));
      byte[] content = new byte[aes.getOutputSize(plaintext.length)];
      int n = aes.processBytes(plaintext, 0, plaintext.length, content, 0);
      n += aes.doFinal(content, n);
      EncryptedContentInfo eci =
          new EncryptedContentInfo(
              CMSObjectIdentifiers.data,
              new AlgorithmIdentifier(NISTObjectIdentifiers.id_aes256_CBC, new DEROctetString(iv)),
              new DEROctetString(Arrays.copyOf(content, n)));
      EnvelopedData env =
          new EnvelopedData(null, new DERSet(new RecipientInfo(ktri)), eci, (ASN1Set) null);
      return new ContentInfo(CMSObjectIdentifiers.envelopedData, env).getEncoded(ASN1Encoding.DER);
    } catch (IOException | InvalidCipherTextException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot build the recipient envelope", e);
    } finally {
      Arrays.fill(cek, (byte) 0);
    }
  }

  /** Opens an envelope with the recipient's RSA private key; the result is the released secret. */
  public static SecretBytes open(byte[] envelope, PrivateKey recipientKey)
      throws RecipientEnvelopeException {
    Parsed p = parse(envelope);
    byte[] cek = unwrapContentKey(recipientKey, p.encryptedKey, p.label);
    try {
      if (cek.length != CEK_BYTES) {
        throw new RecipientEnvelopeException(
            EnvelopeRejection.DECRYPTION_FAILED, "envelope did not decrypt");
      }
      BufferedBlockCipher aes =
          new PaddedBufferedBlockCipher(
              CBCBlockCipher.newInstance(AESEngine.newInstance()), new PKCS7Padding());
      aes.init(false, new ParametersWithIV(new KeyParameter(cek), p.iv));
      byte[] out = new byte[aes.getOutputSize(p.content.length)];
      try {
        int n = aes.processBytes(p.content, 0, p.content.length, out, 0);
        n += aes.doFinal(out, n);
        byte[] exact = Arrays.copyOf(out, n);
        return SecretBytes.adopt(exact);
      } catch (InvalidCipherTextException | RuntimeException e) {
        throw new RecipientEnvelopeException(
            EnvelopeRejection.DECRYPTION_FAILED, "envelope did not decrypt");
      } finally {
        Arrays.fill(out, (byte) 0);
      }
    } finally {
      Arrays.fill(cek, (byte) 0);
    }
  }

  /**
   * The key transport step of {@link #open}: RSAES-OAEP (SHA-256, MGF1-SHA-256) decryption of the
   * encrypted content-encryption key with the given label. Every failure is DECRYPTION_FAILED.
   */
  static byte[] unwrapContentKey(PrivateKey recipientKey, byte[] encryptedKey, byte[] label)
      throws RecipientEnvelopeException {
    AsymmetricKeyParameter priv;
    try {
      priv = PrivateKeyFactory.createKey(recipientKey.getEncoded());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("recipient key is not an encodable private key", e);
    }
    if (!(priv instanceof RSAKeyParameters)) {
      throw new IllegalArgumentException("recipient key is not RSA");
    }
    try {
      OAEPEncoding oaep =
          new OAEPEncoding(new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(), label);
      oaep.init(false, priv);
      return oaep.processBlock(encryptedKey, 0, encryptedKey.length);
    } catch (InvalidCipherTextException | RuntimeException e) {
      throw new RecipientEnvelopeException(
          EnvelopeRejection.DECRYPTION_FAILED, "envelope did not decrypt");
    }
  }

  private static RSAESOAEPparams oaepParams(byte[] label) {
    return new RSAESOAEPparams(
        SHA256,
        MGF1_SHA256,
        new AlgorithmIdentifier(PKCSObjectIdentifiers.id_pSpecified, new DEROctetString(label)));
  }

  private record Parsed(byte[] encryptedKey, byte[] label, byte[] iv, byte[] content) {}

  private static Parsed parse(byte[] envelope) throws RecipientEnvelopeException {
    try {
      return parseStructure(envelope);
    } catch (RuntimeException e) {
      // Bouncy Castle's getInstance methods throw IllegalArgumentException on unexpected ASN.1
      // shapes.
      throw malformed("unexpected ASN.1 structure");
    }
  }

  private static Parsed parseStructure(byte[] envelope) throws RecipientEnvelopeException {
    EnvelopedData env;
    try {
      ASN1Primitive prim = ASN1Primitive.fromByteArray(envelope);
      if (!Arrays.equals(prim.getEncoded(ASN1Encoding.DER), envelope)) {
        throw malformed("not DER");
      }
      ContentInfo ci = ContentInfo.getInstance(prim);
      if (!CMSObjectIdentifiers.envelopedData.equals(ci.getContentType())) {
        throw malformed("not EnvelopedData");
      }
      env = EnvelopedData.getInstance(ci.getContent());
    } catch (IOException | RuntimeException e) {
      throw malformed("not a CMS structure");
    }
    if (env.getVersion().intValueExact() != 2
        || env.getOriginatorInfo() != null
        || env.getUnprotectedAttrs() != null) {
      throw malformed("unexpected EnvelopedData version or fields");
    }
    ASN1Set infos = env.getRecipientInfos();
    if (infos.size() != 1) {
      throw malformed("expected exactly one recipient");
    }
    ASN1Encodable info = RecipientInfo.getInstance(infos.getObjectAt(0)).getInfo();
    if (!(info instanceof KeyTransRecipientInfo)) {
      throw malformed("recipient is not key transport");
    }
    KeyTransRecipientInfo ktri = (KeyTransRecipientInfo) info;
    if (ktri.getVersion().intValueExact() != 2
        || !(ktri.getRecipientIdentifier().getId() instanceof ASN1OctetString)) {
      throw malformed("recipient not identified by subject key identifier");
    }
    byte[] label = checkOaep(ktri.getKeyEncryptionAlgorithm());
    EncryptedContentInfo eci = env.getEncryptedContentInfo();
    if (!CMSObjectIdentifiers.data.equals(eci.getContentType())) {
      throw malformed("content type is not data");
    }
    AlgorithmIdentifier cea = eci.getContentEncryptionAlgorithm();
    if (!NISTObjectIdentifiers.id_aes256_CBC.equals(cea.getAlgorithm())) {
      throw unsupported("content encryption is not AES-256-CBC");
    }
    byte[] iv;
    try {
      iv = ASN1OctetString.getInstance(cea.getParameters()).getOctets();
    } catch (RuntimeException e) {
      throw malformed("AES-256-CBC parameters are not an IV");
    }
    if (iv.length != IV_BYTES || eci.getEncryptedContent() == null) {
      throw malformed("bad IV or missing content");
    }
    return new Parsed(
        ktri.getEncryptedKey().getOctets(), label, iv, eci.getEncryptedContent().getOctets());
  }

  private static byte[] checkOaep(AlgorithmIdentifier alg) throws RecipientEnvelopeException {
    if (!PKCSObjectIdentifiers.id_RSAES_OAEP.equals(alg.getAlgorithm())
        || alg.getParameters() == null) {
      throw unsupported("key transport is not RSAES-OAEP with explicit parameters");
    }
    RSAESOAEPparams params;
    try {
      params = RSAESOAEPparams.getInstance(alg.getParameters());
    } catch (RuntimeException e) {
      throw malformed("bad RSAES-OAEP parameters");
    }
    if (!isSha256(params.getHashAlgorithm())) {
      throw unsupported("OAEP digest is not SHA-256");
    }
    AlgorithmIdentifier mgf = params.getMaskGenAlgorithm();
    if (!PKCSObjectIdentifiers.id_mgf1.equals(mgf.getAlgorithm())
        || mgf.getParameters() == null
        || !isSha256(AlgorithmIdentifier.getInstance(mgf.getParameters()))) {
      throw unsupported("OAEP mask generation is not MGF1 with SHA-256");
    }
    AlgorithmIdentifier source = params.getPSourceAlgorithm();
    if (!PKCSObjectIdentifiers.id_pSpecified.equals(source.getAlgorithm())) {
      throw unsupported("OAEP label source is not pSpecified");
    }
    try {
      return ASN1OctetString.getInstance(source.getParameters()).getOctets();
    } catch (RuntimeException e) {
      throw malformed("bad OAEP label");
    }
  }

  private static boolean isSha256(AlgorithmIdentifier id) {
    ASN1ObjectIdentifier oid = id.getAlgorithm();
    return NISTObjectIdentifiers.id_sha256.equals(oid)
        && (id.getParameters() == null
            || id.getParameters().toASN1Primitive() instanceof org.bouncycastle.asn1.ASN1Null);
  }

  private static RecipientEnvelopeException malformed(String detail) {
    return new RecipientEnvelopeException(EnvelopeRejection.MALFORMED, detail);
  }

  private static RecipientEnvelopeException unsupported(String detail) {
    return new RecipientEnvelopeException(EnvelopeRejection.UNSUPPORTED_ALGORITHM, detail);
  }
}
