package dev.sovereign.enclave.identity;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.sovereign.crypto.Jcs;
import dev.sovereign.enclave.audit.AuditHeadToken;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Map;

/**
 * Keys made at boot and never exported: a P-256 key for ECDH-ES (producers encrypt to it) and an
 * Ed25519 key that signs results; the enclave DID is the did:key of the Ed25519 key.
 */
public final class EnclaveIdentity implements AuditHeadToken.Signer {
  /** Multicodec code of an Ed25519 public key. */
  private static final int ED25519_PUB = 0xed;

  /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows. */
  private static final int ED25519_SPKI_PREFIX = 12;

  private final ECKey encryptionKey;
  private final KeyPair signingKey;
  private final String did;
  private final String verificationMethod;
  private final String kid;

  private EnclaveIdentity(ECKey encryptionKey, KeyPair signingKey) throws JOSEException {
    this.encryptionKey = encryptionKey;
    this.signingKey = signingKey;
    byte[] spki = signingKey.getPublic().getEncoded();
    byte[] raw = Arrays.copyOfRange(spki, ED25519_SPKI_PREFIX, spki.length);
    byte[] prefixed = new byte[raw.length + 2];
    prefixed[0] = (byte) ED25519_PUB; // varint(0xed) = 0xed 0x01
    prefixed[1] = 0x01;
    System.arraycopy(raw, 0, prefixed, 2, raw.length);
    String multibase = "z" + Base58Btc.encode(prefixed);
    this.did = "did:key:" + multibase;
    this.verificationMethod = did + "#" + multibase;
    this.kid = encryptionKey.computeThumbprint().toString();
  }

  /** Generates fresh keys from {@code random}. */
  public static EnclaveIdentity generate(SecureRandom random) {
    try {
      ECKey enc = new ECKeyGenerator(Curve.P_256).secureRandom(random).generate();
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(255, random);
      return new EnclaveIdentity(enc, g.generateKeyPair());
    } catch (JOSEException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate enclave keys", e);
    }
  }

  /**
   * The identity carried over from sealed state (a restored enclave keeps its DID and the key
   * producers encrypted to).
   */
  public static EnclaveIdentity fromSealedKeys(
      ECPublicKey encryptionPublic, ECPrivateKey encryptionPrivate, KeyPair signing) {
    try {
      return new EnclaveIdentity(
          new ECKey.Builder(Curve.P_256, encryptionPublic).privateKey(encryptionPrivate).build(),
          signing);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("not a P-256 key", e);
    }
  }

  /**
   * The Ed25519 key pair; only the state sealer asks for it (it leaves the enclave wrapped only).
   */
  public KeyPair signingKeyPairForSealing() {
    return signingKey;
  }

  /** The enclave's DID ({@code did:key:z6Mk...}). */
  @Override
  public String did() {
    return did;
  }

  /** The DID URL of the signing key, used as JWS {@code kid}. */
  @Override
  public String verificationMethod() {
    return verificationMethod;
  }

  /**
   * RFC 7638 SHA-256 thumbprint of the encryption key: the {@code kid} producers put in the JWE
   * header.
   */
  public String encryptionKid() {
    return kid;
  }

  /** The public encryption key as a JWK (members {@code kty crv x y kid use alg}). */
  public Map<String, Object> encryptionJwk() {
    return new ECKey.Builder(encryptionKey.toPublicJWK())
        .keyID(kid)
        .keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION)
        .algorithm(com.nimbusds.jose.JWEAlgorithm.ECDH_ES_A256KW)
        .build()
        .toJSONObject();
  }

  /**
   * The public encryption key as X.509 SubjectPublicKeyInfo DER: the attestation document's {@code
   * public_key}.
   */
  public byte[] encryptionKeySpki() {
    try {
      return encryptionKey.toECPublicKey().getEncoded();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public ECPublicKey encryptionPublicKey() {
    try {
      return encryptionKey.toECPublicKey();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The private ECDH key; only the payload decrypter asks for it. */
  public ECPrivateKey encryptionPrivateKey() {
    try {
      return encryptionKey.toECPrivateKey();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ed25519 signature over {@code input}. */
  @Override
  public byte[] sign(byte[] input) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(signingKey.getPrivate());
      s.update(input);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /**
   * The attestation document's {@code user_data}: RFC 8785 canonical JSON {@code
   * {"did":"did:key:...","policySha256":"<hex>"}} in UTF-8.
   */
  public byte[] userData(String policySha256Hex) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("did", did);
    o.put("policySha256", policySha256Hex);
    return Jcs.canonicalize(o);
  }

  @Override
  public String toString() {
    return "EnclaveIdentity[" + did + "]";
  }
}
