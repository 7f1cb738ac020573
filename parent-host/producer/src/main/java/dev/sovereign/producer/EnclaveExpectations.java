package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.VerifiedAttestation;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a producer expects of the enclave before it encrypts anything to it, fixed up front: the
 * pinned root(s), the PCR allow-list, the policy hash and the maximum document age. {@link #verify}
 * checks an answer of {@code GET /v1/attestation} against them and against the nonce the producer
 * sent.
 *
 * <p>Checks, in order: the document verifies (chain to a pinned root, signature, PCRs, nonce, age);
 * {@code user_data} is {@code {"did","policySha256"}} naming the DID the host reported and the
 * expected policy hash; {@code public_key} is the same P-256 key as the JWK the host returned; the
 * {@code kid} is that key's RFC 7638 thumbprint. The key used for encryption comes from the
 * document, never from the host's JSON alone.
 */
public final class EnclaveExpectations {
  /** Default maximum age of a producer-facing document. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<X509Certificate> roots;
  private final SortedMap<Integer, byte[]> pcrs;
  private final String policySha256;
  private final Duration maxAge;

  private EnclaveExpectations(
      List<X509Certificate> roots,
      SortedMap<Integer, byte[]> pcrs,
      String policySha256,
      Duration maxAge) {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("at least one pinned root is required");
    }
    if (!pcrs.containsKey(0)) {
      throw new IllegalArgumentException("the expected PCR0 (enclave image) is required");
    }
    if (!policySha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(
          "the expected policy hash must be 64 lowercase hex digits");
    }
    this.roots = List.copyOf(roots);
    TreeMap<Integer, byte[]> copy = new TreeMap<>();
    pcrs.forEach((k, v) -> copy.put(k, v.clone()));
    this.pcrs = copy;
    this.policySha256 = policySha256;
    this.maxAge = Objects.requireNonNull(maxAge);
  }

  /**
   * Expectations: pinned roots, expected PCR values by index (0 required), policy hash (hex), max
   * age.
   */
  public static EnclaveExpectations of(
      List<X509Certificate> roots,
      Map<Integer, byte[]> pcrs,
      String policySha256,
      Duration maxAge) {
    return new EnclaveExpectations(
        roots, new TreeMap<>(pcrs), policySha256.toLowerCase(Locale.ROOT), maxAge);
  }

  public String policySha256() {
    return policySha256;
  }

  /** The attestation policy for a document that must carry {@code nonce}. */
  public AttestationPolicy policy(byte[] nonce) {
    AttestationPolicy.Builder b =
        AttestationPolicy.builder().pinnedRoots(roots).expectedNonce(nonce).maxAge(maxAge);
    java.util.Set<Integer> required =
        new java.util.TreeSet<>(AttestationPolicy.DEFAULT_REQUIRED_PCRS);
    required.addAll(pcrs.keySet());
    b.requiredPcrs(required);
    pcrs.forEach(b::allowPcr);
    return b.build();
  }

  /** Verifies the host's answer to {@code GET /v1/attestation?nonce=HEX(nonce)}. */
  public AttestedEnclave verify(JsonNode answer, byte[] nonce) throws RejectedException {
    String documentB64 = text(answer, "document");
    String did = text(answer, "enclaveDid");
    String kid = text(answer, "kid");
    JsonNode jwkNode = answer.get("encryptionKey");
    if (jwkNode == null || !jwkNode.isObject()) {
      throw new RejectedException("attestation-answer-malformed", "encryptionKey is missing");
    }
    byte[] document;
    try {
      document = Base64.getDecoder().decode(documentB64);
    } catch (IllegalArgumentException e) {
      throw new RejectedException("attestation-answer-malformed", "document is not base64");
    }
    VerifiedAttestation v;
    try {
      v = AttestationVerifier.create(policy(nonce)).verify(document);
    } catch (AttestationRejectedException e) {
      throw new RejectedException(
          "attestation-" + e.reason().name().toLowerCase(Locale.ROOT).replace('_', '-'),
          e.detail(),
          e);
    }
    UserData ud = UserData.parse(v.userData());
    if (!ud.did().equals(did)) {
      throw new RejectedException(
          "enclave-did-not-bound", "user_data binds " + ud.did() + ", the host reported " + did);
    }
    if (!ud.policySha256().equals(policySha256)) {
      throw new RejectedException(
          "policy-hash-mismatch",
          "the enclave loaded policy " + ud.policySha256() + ", expected " + policySha256);
    }
    ECKey jwk;
    try {
      jwk = ECKey.parse(JSON.writeValueAsString(jwkNode));
    } catch (ParseException | IOException e) {
      throw new RejectedException("attestation-answer-malformed", "encryptionKey is not an EC JWK");
    }
    if (jwk.isPrivate()) {
      throw new RejectedException(
          "attestation-answer-malformed", "encryptionKey carries a private key");
    }
    byte[] spki;
    String thumbprint;
    try {
      spki = jwk.toECPublicKey().getEncoded();
      thumbprint = jwk.computeThumbprint().toString();
    } catch (JOSEException e) {
      throw new RejectedException(
          "attestation-answer-malformed", "encryptionKey is not a usable P-256 key");
    }
    if (v.publicKey() == null || !MessageDigest.isEqual(spki, v.publicKey())) {
      throw new RejectedException(
          "encryption-key-not-attested", "the JWK is not the document's public_key");
    }
    if (!thumbprint.equals(kid)) {
      throw new RejectedException(
          "kid-mismatch", "kid is not the RFC 7638 thumbprint of the attested key");
    }
    ECKey publicOnly = new ECKey.Builder(jwk.toPublicJWK()).keyID(thumbprint).build();
    return new AttestedEnclave(did, ud.policySha256(), publicOnly, thumbprint, v, document);
  }

  private static String text(JsonNode n, String field) throws RejectedException {
    JsonNode v = n == null ? null : n.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new RejectedException("attestation-answer-malformed", field + " is missing");
    }
    return v.asText();
  }

  /** A fresh 32-byte nonce, hex for the query string. */
  public static String hex(byte[] nonce) {
    return HexFormat.of().formatHex(nonce);
  }
}
