package dev.sovereign.attestation;

import static dev.sovereign.attestation.AttestationRejection.DEBUG_MODE;
import static dev.sovereign.attestation.AttestationRejection.NONCE_MISMATCH;
import static dev.sovereign.attestation.AttestationRejection.PCR_MISMATCH;
import static dev.sovereign.attestation.AttestationRejection.PCR_MISSING;
import static dev.sovereign.attestation.AttestationRejection.SIGNATURE_INVALID;
import static dev.sovereign.attestation.AttestationRejection.TIMESTAMP_IN_FUTURE;
import static dev.sovereign.attestation.AttestationRejection.TOO_OLD;

import dev.sovereign.attestation.internal.Es384;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Verifies Nitro attestation documents against a fixed {@link AttestationPolicy}, following AWS's
 * "Verifying the root of trust" and nothing weaker. In order:
 *
 * <ol>
 *   <li>parse strictly ({@link AttestationDocuments#parse}) — {@code MALFORMED};
 *   <li>the certificate chain ({@code cabundle} root first, then {@code certificate}): root pin,
 *       signatures, constraints — {@code UNTRUSTED_ROOT}, {@code CHAIN_INVALID}, see {@link
 *       CertificateChain};
 *   <li>the ES384 COSE_Sign1 signature with the leaf key — {@code SIGNATURE_INVALID};
 *   <li>every certificate valid at the verification instant — {@code EXPIRED};
 *   <li>document time against the verification instant — {@code TIMESTAMP_IN_FUTURE}, {@code
 *       TOO_OLD};
 *   <li>debug mode (PCR0, PCR1 or PCR2 all zeros) unless allowed — {@code DEBUG_MODE};
 *   <li>required PCRs and allow-lists — {@code PCR_MISSING}, {@code PCR_MISMATCH};
 *   <li>the expected nonce — {@code NONCE_MISMATCH}.
 * </ol>
 *
 * <p>Thread-safe. Verified certificates below the root (intermediates and leaf) are cached per
 * verifier (see {@link CertificateChain}); a cache hit skips only a certificate signature that was
 * already checked over the very same chain bytes, never the COSE signature, a validity or a policy
 * check.
 */
public final class AttestationVerifier {
  /** Default number of cached certificates (intermediates and leaves). */
  public static final int DEFAULT_CACHE_ENTRIES = 256;

  /**
   * The checks of {@link #verify}, in the order it runs them (the first failure is the answer),
   * with the codes each can fail with; for reports that show which checks passed, failed or did not
   * run.
   */
  public enum Check {
    FORMAT(
        "format",
        "COSE_Sign1 structure, header {1: -35}, payload fields and sizes",
        AttestationRejection.MALFORMED),
    CHAIN(
        "chain",
        "cabundle[0] is a pinned root; each certificate signed by the one before, constraints and key usage",
        AttestationRejection.UNTRUSTED_ROOT,
        AttestationRejection.CHAIN_INVALID),
    SIGNATURE("signature", "ES384 COSE signature by the leaf certificate's key", SIGNATURE_INVALID),
    VALIDITY(
        "validity",
        "every certificate valid at the verification instant",
        AttestationRejection.EXPIRED),
    TIMESTAMP(
        "timestamp",
        "document timestamp not after the verification instant (plus skew)",
        TIMESTAMP_IN_FUTURE),
    MAX_AGE("max-age", "document not older than the maximum age", TOO_OLD),
    DEBUG("debug", "PCR0-2 not all zeros unless debug is allowed", DEBUG_MODE),
    PCRS_PRESENT("pcrs-present", "every required PCR present", PCR_MISSING),
    PCRS_ALLOWED("pcrs-allowed", "every allow-listed PCR has an allowed value", PCR_MISMATCH),
    NONCE("nonce", "nonce equals the expected one", NONCE_MISMATCH);

    private final String label;
    private final String what;
    private final java.util.Set<AttestationRejection> codes;

    Check(String label, String what, AttestationRejection first, AttestationRejection... more) {
      this.label = label;
      this.what = what;
      this.codes = java.util.Collections.unmodifiableSet(java.util.EnumSet.of(first, more));
    }

    /** A short stable name ({@code max-age}). */
    public String label() {
      return label;
    }

    /** What the check establishes, in one line. */
    public String what() {
      return what;
    }

    /** The rejection codes this check fails with. */
    public java.util.Set<AttestationRejection> codes() {
      return codes;
    }

    /** Whether {@code policy} asks for this check (max age, allow-lists and nonce are optional). */
    public boolean requestedBy(AttestationPolicy policy) {
      return switch (this) {
        case MAX_AGE -> policy.maxAge() != null;
        case PCRS_ALLOWED -> !policy.allowedPcrsView().isEmpty();
        case NONCE -> policy.expectedNonceView() != null;
        default -> true;
      };
    }
  }

  private final AttestationPolicy policy;
  private final CertificateChain chain;

  private AttestationVerifier(AttestationPolicy policy, int cacheEntries) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.chain = new CertificateChain(policy.pinnedRootDers(), cacheEntries);
  }

  /** A verifier for {@code policy} with the default certificate cache. */
  public static AttestationVerifier create(AttestationPolicy policy) {
    return new AttestationVerifier(policy, DEFAULT_CACHE_ENTRIES);
  }

  /**
   * A verifier for {@code policy} caching up to {@code cacheEntries} certificates (0: no cache).
   */
  public static AttestationVerifier create(AttestationPolicy policy, int cacheEntries) {
    if (cacheEntries < 0) {
      throw new IllegalArgumentException("cacheEntries must not be negative");
    }
    return new AttestationVerifier(policy, cacheEntries);
  }

  /** The policy this verifier enforces. */
  public AttestationPolicy policy() {
    return policy;
  }

  /** Parses and verifies COSE_Sign1 bytes (tagged or untagged). */
  public VerifiedAttestation verify(byte[] cose) throws AttestationRejectedException {
    return verify(AttestationDocuments.parse(cose));
  }

  /** Verifies an already parsed document. */
  public VerifiedAttestation verify(ParsedAttestation parsed) throws AttestationRejectedException {
    Objects.requireNonNull(parsed, "parsed");
    AttestationDocument doc = parsed.document();
    Instant instant = policy.verificationInstant(doc.timestampMillis());

    CertificateChain.Cert[] certs = chain.verifySignatures(doc);
    CertificateChain.Cert leaf = certs[certs.length - 1];
    if (!Es384.verifyP1363(leaf.key, parsed.toBeSigned(), parsed.signatureView())) {
      throw new AttestationRejectedException(
          SIGNATURE_INVALID,
          "the COSE_Sign1 signature does not verify with the leaf certificate's key");
    }
    CertificateChain.checkValidity(certs, instant);

    Instant created = Instant.ofEpochMilli(doc.timestampMillis());
    if (created.isAfter(instant.plus(policy.clockSkew()))) {
      throw new AttestationRejectedException(
          TIMESTAMP_IN_FUTURE,
          "document timestamp " + created + " is after the verification instant " + instant);
    }
    Duration maxAge = policy.maxAge();
    if (maxAge != null && Duration.between(created, instant).compareTo(maxAge) > 0) {
      throw new AttestationRejectedException(
          TOO_OLD, "document made at " + created + " is older than " + maxAge + " at " + instant);
    }

    SortedMap<Integer, byte[]> pcrs = doc.pcrsView();
    boolean debug = false;
    for (int i = 0; i <= 2; i++) {
      byte[] v = pcrs.get(i);
      if (v != null && allZero(v)) {
        debug = true;
        if (!policy.allowDebug()) {
          throw new AttestationRejectedException(
              DEBUG_MODE,
              "PCR" + i + " is all zeros (debug-mode enclave) and the policy does not allow debug");
        }
      }
    }
    TreeSet<Integer> required = new TreeSet<>(policy.requiredPcrs());
    required.addAll(policy.allowedPcrsView().keySet());
    for (int i : required) {
      if (!pcrs.containsKey(i)) {
        throw new AttestationRejectedException(PCR_MISSING, "the document has no PCR" + i);
      }
    }
    for (Map.Entry<Integer, List<byte[]>> e : policy.allowedPcrsView().entrySet()) {
      byte[] actual = pcrs.get(e.getKey());
      boolean allowed = false;
      for (byte[] candidate : e.getValue()) {
        allowed |= Es384.constantTimeEquals(candidate, actual);
      }
      if (!allowed) {
        throw new AttestationRejectedException(
            PCR_MISMATCH, "PCR" + e.getKey() + " is not in the policy's allow-list");
      }
    }
    byte[] expectedNonce = policy.expectedNonceView();
    if (expectedNonce != null && !Es384.constantTimeEquals(expectedNonce, doc.nonceView())) {
      throw new AttestationRejectedException(
          NONCE_MISMATCH,
          doc.nonceView() == null
              ? "the document has no nonce"
              : "the document's nonce is not the expected one");
    }
    return new VerifiedAttestation(doc, instant, debug);
  }

  int cachedCertificates() {
    return chain.cachedEntries();
  }

  private static boolean allZero(byte[] v) {
    int acc = 0;
    for (byte b : v) {
      acc |= b;
    }
    return acc == 0;
  }
}
