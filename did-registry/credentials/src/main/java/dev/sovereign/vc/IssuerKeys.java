package dev.sovereign.vc;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidDocument;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidUrl;
import dev.sovereign.did.InvalidDidException;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.Relationship;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.VerificationMethod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the issuer's key for a token: the {@code kid} must be a verification method of the issuer
 * DID, authorized for {@code assertionMethod} in the document that was current at the credential's
 * time (resolved with {@code versionTime}), and its key type must fix the token's algorithm.
 */
final class IssuerKeys {
  private final DidResolver resolver;

  /**
   * Decoded keys by key material: decoding an EC point costs a square root, keep it out of the hot
   * path.
   */
  private final Map<PublicKeyMaterial, VerificationKey> decoded = new ConcurrentHashMap<>();

  /**
   * Per (issuer, kid, relationship): the parsed kid and, for the last document seen, the authorized
   * candidate. Reused only when the resolver hands back the very same document object (its cache
   * hit), so a changed document is always re-examined.
   */
  private record Memo(DidUrl kidUrl, DidDocument doc, Candidate candidate, String vmType) {}

  /** The memo's key (no string built per call: the kid is the header's own string). */
  private record MemoKey(Did issuer, String kid, Relationship relationship) {}

  private final Map<MemoKey, Memo> memo = new ConcurrentHashMap<>();
  private static final int MAX_MEMO = 4096;

  IssuerKeys(DidResolver resolver) {
    this.resolver = resolver;
  }

  /**
   * Checks that {@code issuer} still vouches for what it signed: its latest document resolves and
   * it is not deactivated. Deactivation is terminal: a DID deactivated since a credential was
   * issued no longer vouches for it; and a DID the resolver can no longer answer for (in the
   * enclave: no fresh evidence) vouches for nothing. A remembered signature check ({@link
   * CredentialVerifier}'s signature cache, {@link VerifiedChainCache}) makes this check again on
   * every use.
   */
  void stillVouches(Did issuer, VerificationReport.Builder report, String subject)
      throws CredentialRejectedException {
    DidResolutionResult latest = resolver.resolve(issuer, ResolutionOptions.latest());
    if (latest.error().isPresent() || latest.isDeactivated()) {
      throw report.fail(
          subject,
          "issuer resolution",
          ReasonCode.DID_RESOLUTION_FAILED,
          issuer
              + (latest.isDeactivated()
                  ? " has been deactivated"
                  : ": current document unavailable ("
                      + latest.error().map(e -> e.code()).orElse("?")
                      + ")"));
    }
  }

  /**
   * A key that may have produced the signature: a full public key, or an Ethereum address
   * (did:ethr).
   */
  record Candidate(
      DidUrl methodId, Optional<VerificationKey> key, Optional<String> ethereumAddress) {}

  /**
   * The candidates for verifying the token. With a {@code kid} there is exactly one; without one
   * (VC-JWT 1.1 only, as did-jwt emits) every assertionMethod key whose type admits the algorithm.
   */
  List<Candidate> candidates(
      Did issuer,
      String kid,
      Profile profile,
      JwsAlgorithm alg,
      Optional<Instant> at,
      VerificationReport.Builder report,
      String subject)
      throws CredentialRejectedException {
    return candidates(
        issuer, kid, profile, alg, at, Relationship.ASSERTION_METHOD, report, subject);
  }

  /** As above for another relationship ({@code authentication} for presentations). */
  List<Candidate> candidates(
      Did issuer,
      String kid,
      Profile profile,
      JwsAlgorithm alg,
      Optional<Instant> at,
      Relationship relationship,
      VerificationReport.Builder report,
      String subject)
      throws CredentialRejectedException {
    DidUrl kidUrl = null;
    MemoKey memoKey = kid == null ? null : new MemoKey(issuer, kid, relationship);
    Memo m = memoKey == null ? null : memo.get(memoKey);
    if (m != null) {
      kidUrl = m.kidUrl();
    } else if (kid == null) {
      if (profile == Profile.VCDM_2_0) {
        throw report.fail(
            subject,
            "key id",
            ReasonCode.KID_MISSING,
            "VC-JOSE-COSE requires kid (the issuer's DID URL)");
      }
    } else {
      try {
        kidUrl = DidUrl.resolve(issuer, kid);
      } catch (InvalidDidException e) {
        throw report.fail(subject, "key id", ReasonCode.MALFORMED, "kid is not a DID URL");
      }
      if (!kidUrl.did().equals(issuer)) {
        throw report.fail(
            subject,
            "key id",
            ReasonCode.KID_ISSUER_MISMATCH,
            "kid " + kidUrl + " belongs to " + kidUrl.did() + ", not the issuer " + issuer);
      }
      if (kidUrl.query().isPresent()) {
        throw report.fail(
            subject,
            "key id",
            ReasonCode.MALFORMED,
            "kid with query parameters refused: the verifier fixes the document version, not the signer");
      }
      if (kidUrl.fragment().isEmpty() || !kidUrl.path().isEmpty()) {
        throw report.fail(
            subject,
            "key id",
            ReasonCode.MALFORMED,
            "kid must name a verification method (#fragment)");
      }
    }
    ResolutionOptions options =
        at.map(ResolutionOptions::atTime).orElse(ResolutionOptions.latest());
    DidResolutionResult r = resolver.resolve(issuer, options);
    if (r.error().isPresent() || r.didDocument().isEmpty()) {
      throw report.fail(
          subject,
          "issuer resolution",
          ReasonCode.DID_RESOLUTION_FAILED,
          issuer
              + ": "
              + r.error().map(e -> e.code()).orElse("no document")
              + r.didResolutionMetadata().errorMessage().map(msg -> " (" + msg + ")").orElse(""));
    }
    if (r.isDeactivated()) {
      throw report.fail(
          subject,
          "issuer resolution",
          ReasonCode.DID_RESOLUTION_FAILED,
          issuer + " is deactivated");
    }
    if (at.isPresent()) {
      stillVouches(issuer, report, subject);
    }
    DidDocument doc = r.didDocument().get();
    report.pass(
        subject,
        "issuer resolution",
        () ->
            issuer
                + at.map(t -> " at versionTime " + t).orElse(" (latest)")
                + r.didDocumentMetadata().versionId().map(v -> ", versionId " + v).orElse(""));

    List<Candidate> out = new ArrayList<>();
    if (m != null && m.doc() == doc) {
      checkAlgorithm(m.candidate(), m.vmType(), alg, report, subject);
      DidUrl k = kidUrl;
      report.pass(
          subject,
          "key authorization",
          () ->
              k
                  + " ("
                  + m.vmType()
                  + ") in "
                  + relationship.property()
                  + at.map(t -> " at " + t).orElse(""));
      return List.of(m.candidate());
    }
    if (kidUrl != null) {
      Optional<VerificationMethod> vm = doc.dereference(kidUrl);
      if (vm.isEmpty()) {
        throw report.fail(
            subject,
            "key authorization",
            ReasonCode.KEY_NOT_FOUND,
            kidUrl + " is not in the issuer's document");
      }
      if (!doc.isAuthorized(kidUrl.toString(), relationship)) {
        throw report.fail(
            subject,
            "key authorization",
            relationship == Relationship.ASSERTION_METHOD
                ? ReasonCode.KEY_NOT_ASSERTION_METHOD
                : ReasonCode.KEY_NOT_AUTHENTICATION,
            kidUrl
                + " is not authorized for "
                + relationship.property()
                + at.map(t -> " at " + t).orElse(""));
      }
      Candidate c = candidate(kidUrl, vm.get(), report, subject);
      if (memo.size() >= MAX_MEMO) {
        memo.clear();
      }
      memo.put(memoKey, new Memo(kidUrl, doc, c, vm.get().type()));
      checkAlgorithm(c, vm.get().type(), alg, report, subject);
      out.add(c);
      DidUrl k = kidUrl;
      report.pass(
          subject,
          "key authorization",
          () ->
              k
                  + " ("
                  + vm.get().type()
                  + ") in "
                  + relationship.property()
                  + at.map(t -> " at " + t).orElse(""));
      return out;
    }
    for (VerificationMethod vm : doc.verificationMethods(relationship)) {
      DidUrl id = vm.absoluteId(issuer);
      Optional<VerificationKey> key = keyOf(vm);
      Optional<String> address = address(vm);
      boolean fits =
          key.map(k -> ExpectedAlgorithms.admits(k.type(), alg)).orElse(false)
              || (key.isEmpty()
                  && address.isPresent()
                  && (alg == JwsAlgorithm.ES256K || alg == JwsAlgorithm.ES256K_R));
      if (fits) {
        out.add(new Candidate(id, key, key.isPresent() ? Optional.empty() : address));
      }
    }
    if (out.isEmpty()) {
      throw report.fail(
          subject,
          "key authorization",
          ReasonCode.ALG_KEY_MISMATCH,
          "no " + relationship.property() + " key of " + issuer + " admits " + alg.joseName());
    }
    report.pass(
        subject,
        "key authorization",
        "no kid (VC-JWT 1.1): "
            + out.size()
            + " "
            + relationship.property()
            + " key(s) admit "
            + alg.joseName());
    return out;
  }

  private Candidate candidate(
      DidUrl id, VerificationMethod vm, VerificationReport.Builder report, String subject)
      throws CredentialRejectedException {
    Optional<VerificationKey> key = keyOf(vm);
    if (key.isPresent()) {
      return new Candidate(id, key, Optional.empty());
    }
    Optional<String> address = address(vm);
    if (address.isPresent()) {
      return new Candidate(id, Optional.empty(), address);
    }
    throw report.fail(
        subject,
        "key authorization",
        ReasonCode.KEY_NOT_FOUND,
        id + " carries no usable signing key");
  }

  private static void checkAlgorithm(
      Candidate c,
      String vmType,
      JwsAlgorithm alg,
      VerificationReport.Builder report,
      String subject)
      throws CredentialRejectedException {
    boolean ok =
        c.key()
            .map(k -> ExpectedAlgorithms.admits(k.type(), alg))
            .orElse(alg == JwsAlgorithm.ES256K || alg == JwsAlgorithm.ES256K_R);
    if (!ok) {
      String keyType = c.key().map(k -> k.type().name()).orElse("secp256k1 address");
      throw report.fail(
          subject,
          "algorithm",
          ReasonCode.ALG_KEY_MISMATCH,
          "alg " + alg.joseName() + " does not match " + vmType + " key (" + keyType + ")");
    }
    report.pass(subject, "algorithm", () -> alg.joseName() + " fixed by key type");
  }

  Optional<VerificationKey> keyOf(VerificationMethod vm) {
    Optional<PublicKeyMaterial> m;
    try {
      m = vm.publicKeyMaterial();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    if (m.isEmpty() || ExpectedAlgorithms.forKeyType(m.get().type()).isEmpty()) {
      return Optional.empty();
    }
    PublicKeyMaterial material = m.get();
    return Optional.of(decoded.computeIfAbsent(material, IssuerKeys::decode));
  }

  static VerificationKey decode(PublicKeyMaterial m) {
    return m.type() == KeyType.ED25519
        ? VerificationKey.ed25519(m.canonicalBytes())
        : VerificationKey.ec(m.type(), m.canonicalBytes());
  }

  /**
   * The Ethereum address of a CAIP-10 {@code blockchainAccountId} (eip155:chain:0x...) or legacy
   * {@code ethereumAddress}.
   */
  static Optional<String> address(VerificationMethod vm) {
    Optional<String> caip = vm.blockchainAccountId();
    if (caip.isPresent()) {
      String v = caip.get();
      String addr =
          v.contains("@eip155")
              ? v.substring(0, v.indexOf('@'))
              : v.substring(v.lastIndexOf(':') + 1);
      return Optional.of(addr.toLowerCase(Locale.ROOT));
    }
    return vm.stringProperty("ethereumAddress").map(a -> a.toLowerCase(Locale.ROOT));
  }
}
