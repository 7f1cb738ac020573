package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.VerifiedAttestation;
import dev.sovereign.crypto.jose.JoseHeader;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.InvalidDidException;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.vc.CredentialRejectedException;
import dev.sovereign.vc.CredentialVerifier;
import dev.sovereign.vc.Scope;
import dev.sovereign.vc.StatusListSource;
import dev.sovereign.vc.TrustAnchor;
import dev.sovereign.vc.TrustChainVerifier;
import dev.sovereign.vc.VerifiedChain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The regulator's check of a result credential, offline. Steps, in order (each reported):
 *
 * <ol>
 *   <li>{@code result-format}: compact JWS, header {@code alg} EdDSA (fixed here, never taken from
 *       the token), {@code typ} {@code vc+jwt}, a VCDM 2.0 {@code SovereignAggregateResult};
 *   <li>{@code result-signature}: {@code kid} is the issuer's did:key verification method and the
 *       Ed25519 signature verifies under the key the DID encodes;
 *   <li>{@code attestation}: the embedded document chains to a pinned root, has the expected PCRs,
 *       and was valid at its own timestamp (a result is checked long after the enclave booted);
 *   <li>{@code enclave-did-binding}: the document's {@code user_data} names the issuer DID;
 *   <li>{@code policy-hash-binding}: {@code user_data} names the result's policy hash (and the
 *       expected one, if given);
 *   <li>{@code input-counts}: the rejections of authenticated producers add up by reason, each
 *       reason's distinct producers are at least one and at most its payloads, the count of
 *       unauthenticated payloads (failed before any signature verified) is present, and the Merkle
 *       tree has one leaf per accepted input;
 *   <li>{@code merkle-root}: skipped: the accepted payloads are not published, so the root can be
 *       recomputed only by whoever holds them;
 *   <li>{@code credential-chains}: with chain evidence and the policy's zones, every producer
 *       credential, its status and its issuer chain up to a trust anchor of a zone the credential
 *       claims, scoped to that zone as the enclave scopes it; every rejection fails the result
 *       except a revoked or suspended credential (its payloads must be among the rejected inputs);
 *       without evidence, skipped: the result carries counts only, the producers' credentials were
 *       checked inside the attested enclave.
 * </ol>
 */
public final class ResultVerifier {
  /** The result credential's type. */
  public static final String TYPE = "SovereignAggregateResult";

  private static final String V2 = "https://www.w3.org/ns/credentials/v2";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SKEW = Duration.ofSeconds(60);

  private final List<X509Certificate> roots;
  private final Map<Integer, List<byte[]>> pcrs;
  private final Optional<String> expectedPolicySha256;
  private final Optional<CredentialChains> chains;
  private final List<String> trustAnchors;
  private final Map<String, List<String>> zoneAnchors;
  private final Optional<String> expectedRound;
  private final Optional<String> expectedDataset;
  private final Optional<String> expectedEnclaveDid;
  private final Clock clock;

  private ResultVerifier(Builder b) {
    this.zoneAnchors = new java.util.LinkedHashMap<>(b.zoneAnchors);
    this.expectedRound = b.expectedRound;
    this.expectedDataset = b.expectedDataset;
    this.expectedEnclaveDid = b.expectedEnclaveDid;
    this.roots = List.copyOf(b.roots);
    this.pcrs = new TreeMap<>(b.pcrs);
    this.expectedPolicySha256 = b.expectedPolicySha256;
    this.chains = b.chains;
    this.trustAnchors = List.copyOf(b.trustAnchors);
    this.clock = b.clock;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Verifier settings, fixed before any input is read. */
  public static final class Builder {
    private final List<X509Certificate> roots = new ArrayList<>();
    private final Map<Integer, List<byte[]>> pcrs = new TreeMap<>();
    private Optional<String> expectedPolicySha256 = Optional.empty();
    private Optional<CredentialChains> chains = Optional.empty();
    private final List<String> trustAnchors = new ArrayList<>();
    private final Map<String, List<String>> zoneAnchors = new java.util.LinkedHashMap<>();
    private Optional<String> expectedRound = Optional.empty();
    private Optional<String> expectedDataset = Optional.empty();
    private Optional<String> expectedEnclaveDid = Optional.empty();
    private Clock clock = Clock.systemUTC();

    /**
     * A sovereignty zone of the pinned policy and its trust anchors (repeatable): a credential
     * chain counts only if it reaches an anchor of a zone the credential claims, scoped to that
     * zone.
     */
    public Builder zone(String name, List<String> anchorDids) {
      zoneAnchors.put(name, List.copyOf(anchorDids));
      return this;
    }

    /** The round the result must be for. */
    public Builder expectRound(String round) {
      expectedRound = Optional.of(round);
      return this;
    }

    /** The dataset the result must be for. */
    public Builder expectDataset(String dataset) {
      expectedDataset = Optional.of(dataset);
      return this;
    }

    /** The enclave DID that must have signed the result. */
    public Builder expectEnclaveDid(String did) {
      expectedEnclaveDid = Optional.of(did);
      return this;
    }

    /**
     * A pinned attestation root (the AWS Nitro root in production, the simulation root in
     * development).
     */
    public Builder root(X509Certificate root) {
      roots.add(root);
      return this;
    }

    public Builder roots(List<X509Certificate> rs) {
      roots.addAll(rs);
      return this;
    }

    /** An allowed value of PCR {@code index} (repeatable). */
    public Builder allowPcr(int index, byte[] value) {
      pcrs.computeIfAbsent(index, k -> new ArrayList<>()).add(value.clone());
      return this;
    }

    public Builder expectPolicySha256(String hex) {
      expectedPolicySha256 = Optional.of(hex.toLowerCase(Locale.ROOT));
      return this;
    }

    public Builder chains(CredentialChains c) {
      chains = Optional.of(c);
      return this;
    }

    public Builder trustAnchor(String did) {
      trustAnchors.add(did);
      return this;
    }

    public Builder clock(Clock c) {
      clock = c;
      return this;
    }

    public ResultVerifier build() {
      if (roots.isEmpty()) {
        throw new IllegalArgumentException("at least one pinned root is required");
      }
      if (chains.isPresent() && zoneAnchors.isEmpty()) {
        throw new IllegalArgumentException(
            "credential chains are checked against the policy's zones and trust anchors: give the"
                + " policy");
      }
      for (String a : trustAnchors) {
        if (zoneAnchors.values().stream().noneMatch(l -> l.contains(a))) {
          throw new IllegalArgumentException(
              "trust anchor " + a + " is not a trust anchor of any zone in the policy");
        }
      }
      return new ResultVerifier(this);
    }
  }

  /** Verifies {@code compact} and reports every step; never throws for bad input. */
  public ResultReport verify(String compact) {
    ResultReport.Builder r = new ResultReport.Builder();
    ObjectNode subject = null;
    try {
      subject = run(compact.strip(), r);
    } catch (RejectedException e) {
      // recorded as a failed step
    }
    return r.build(Optional.ofNullable(subject));
  }

  /** The result header's allow-list: what the enclave's ResultIssuer writes, nothing else. */
  static final JoseHeader.Rules HEADER =
      JoseHeader.Rules.of(
          JoseHeader.Member.required("alg", "EdDSA"),
          JoseHeader.Member.required("kid"),
          JoseHeader.Member.required("typ", "vc+jwt"));

  private ObjectNode run(String compact, ResultReport.Builder r) throws RejectedException {
    // 1. format
    String[] parts = compact.split("\\.", -1);
    if (parts.length != 3) {
      throw r.fail("result-format", "result-malformed", "not a compact JWS (3 parts)");
    }
    JsonNode header = header(parts[0], r);
    JsonNode vc = b64json(parts[1], r);
    if (!vc.isObject()
        || !vc.path("@context").isArray()
        || !V2.equals(vc.path("@context").path(0).asText())
        || !hasType(vc, "VerifiableCredential")
        || !hasType(vc, TYPE)
        || !vc.path("credentialSubject").isObject()
        || !vc.path("issuer").isTextual()) {
      throw r.fail(
          "result-format", "result-profile-invalid", "not a VCDM 2.0 " + TYPE + " credential");
    }
    ObjectNode s = (ObjectNode) vc.get("credentialSubject");
    for (String f : new String[] {"round", "dataset", "policySha256", "enclaveDid"}) {
      if (!s.path(f).isTextual()) {
        throw r.fail(
            "result-format", "result-profile-invalid", "credentialSubject." + f + " is missing");
      }
    }
    String issuer = vc.get("issuer").asText();
    if (!issuer.equals(s.get("enclaveDid").asText())) {
      throw r.fail(
          "result-format",
          "result-enclave-did-mismatch",
          "issuer differs from credentialSubject.enclaveDid");
    }
    try {
      Instant from = Instant.parse(vc.path("validFrom").asText());
      if (from.isAfter(clock.instant().plus(SKEW))) {
        throw r.fail(
            "result-format", "result-not-yet-valid", "validFrom " + from + " is in the future");
      }
    } catch (DateTimeParseException e) {
      throw r.fail("result-format", "result-profile-invalid", "validFrom is not an xsd:dateTime");
    }
    r.pass(
        "result-format",
        "VCDM 2.0 "
            + TYPE
            + " for round "
            + s.get("round").asText()
            + " (dataset "
            + s.get("dataset").asText()
            + "), header alg EdDSA typ vc+jwt");

    // 2. signature by the enclave DID
    Did did;
    try {
      did = Did.parse(issuer);
    } catch (InvalidDidException e) {
      throw r.fail("result-signature", "result-issuer-invalid", "issuer is not a DID");
    }
    if (!did.method().equals(DidKey.METHOD)) {
      throw r.fail(
          "result-signature",
          "result-issuer-invalid",
          "the enclave DID must be a did:key, got did:" + did.method());
    }
    PublicKeyMaterial key;
    try {
      key = DidKey.decode(did);
    } catch (RuntimeException e) {
      throw r.fail("result-signature", "result-issuer-invalid", "the did:key does not decode");
    }
    if (key.type() != KeyType.ED25519) {
      throw r.fail(
          "result-signature",
          "result-algorithm-not-allowed",
          "the enclave DID key is " + key.type() + ", not Ed25519");
    }
    String expectedKid = issuer + "#" + did.methodSpecificId();
    if (!expectedKid.equals(header.path("kid").asText())) {
      throw r.fail(
          "result-signature",
          "result-kid-not-issuer",
          "kid is not the verification method of " + issuer);
    }
    byte[] sig;
    try {
      sig = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw r.fail("result-signature", "result-malformed", "signature is not base64url");
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, new Ed25519PublicKeyParameters(key.canonicalBytes(), 0));
    byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    verifier.update(input, 0, input.length);
    if (sig.length != 64 || !verifier.verifySignature(sig)) {
      throw r.fail(
          "result-signature",
          "result-signature-invalid",
          "the Ed25519 signature does not verify under " + expectedKid);
    }
    r.pass("result-signature", "EdDSA signature by " + expectedKid);

    // 2b. what the regulator pinned: round, dataset, enclave DID
    String named =
        "round "
            + s.get("round").asText()
            + ", dataset "
            + s.get("dataset").asText()
            + ", enclave "
            + issuer
            + (s.path("sealSequence").isIntegralNumber()
                ? ", recorded in the enclave's seal " + s.get("sealSequence").asLong()
                : ", no seal sequence (an enclave without sealing)");
    if (expectedRound.isPresent() && !expectedRound.get().equals(s.get("round").asText())) {
      throw r.fail(
          "result-pins",
          "result-round-unexpected",
          "the result is for round "
              + s.get("round").asText()
              + ", expected "
              + expectedRound.get());
    }
    if (expectedDataset.isPresent() && !expectedDataset.get().equals(s.get("dataset").asText())) {
      throw r.fail(
          "result-pins",
          "result-dataset-unexpected",
          "the result is for dataset "
              + s.get("dataset").asText()
              + ", expected "
              + expectedDataset.get());
    }
    if (expectedEnclaveDid.isPresent() && !expectedEnclaveDid.get().equals(issuer)) {
      throw r.fail(
          "result-pins",
          "result-enclave-did-unexpected",
          "the result is signed by " + issuer + ", expected " + expectedEnclaveDid.get());
    }
    if (expectedRound.isEmpty() && expectedDataset.isEmpty() && expectedEnclaveDid.isEmpty()) {
      r.skip(
          "result-pins",
          "not-pinned",
          named
              + "; nothing pinned (--round, --dataset, --enclave-did): a valid result for another"
              + " round or enclave would pass too");
    } else {
      r.pass(
          "result-pins",
          named
              + " (pinned: "
              + String.join(
                  ", ",
                  java.util.stream.Stream.of(
                          expectedRound.map(x -> "round"),
                          expectedDataset.map(x -> "dataset"),
                          expectedEnclaveDid.map(x -> "enclave DID"))
                      .flatMap(Optional::stream)
                      .toList())
              + ")");
    }

    // 3. attestation
    if (!s.path("attestationDocument").isTextual()) {
      throw r.fail(
          "attestation",
          "result-attestation-missing",
          "the result carries no attestation document");
    }
    byte[] doc;
    try {
      doc = Base64.getDecoder().decode(s.get("attestationDocument").asText());
    } catch (IllegalArgumentException e) {
      throw r.fail(
          "attestation", "result-attestation-missing", "attestationDocument is not base64");
    }
    AttestationPolicy.Builder pb =
        AttestationPolicy.builder().pinnedRoots(roots).verifyAtDocumentTimestamp();
    Set<Integer> required = new TreeSet<>(AttestationPolicy.DEFAULT_REQUIRED_PCRS);
    required.addAll(pcrs.keySet());
    pb.requiredPcrs(required);
    pcrs.forEach((i, vs) -> pb.allowPcr(i, vs.toArray(new byte[0][])));
    VerifiedAttestation att;
    try {
      att = AttestationVerifier.create(pb.build()).verify(doc);
    } catch (AttestationRejectedException e) {
      throw r.fail(
          "attestation",
          "attestation-" + e.reason().name().toLowerCase(Locale.ROOT).replace('_', '-'),
          e.detail());
    }
    r.pass(
        "attestation",
        "chains to a pinned root; "
            + (pcrs.isEmpty()
                ? "PCRs present but NOT compared (no --pcr given): any image would pass"
                : "PCR " + pcrs.keySet() + " as expected")
            + "; PCR0 "
            + HexFormat.of().formatHex(att.pcr(0))
            + "; document made "
            + att.timestamp());

    // 4./5. bindings
    UserData ud;
    try {
      ud = UserData.parse(att.userData());
    } catch (RejectedException e) {
      throw r.fail("enclave-did-binding", e.code(), e.detail());
    }
    if (!ud.did().equals(issuer)) {
      throw r.fail(
          "enclave-did-binding",
          "enclave-did-not-bound",
          "user_data binds " + ud.did() + ", the result is signed by " + issuer);
    }
    r.pass("enclave-did-binding", "user_data binds the signing DID " + issuer);
    String policy = s.get("policySha256").asText();
    if (!ud.policySha256().equals(policy)) {
      throw r.fail(
          "policy-hash-binding",
          "policy-hash-mismatch",
          "user_data binds policy " + ud.policySha256() + ", the result names " + policy);
    }
    if (expectedPolicySha256.isPresent() && !expectedPolicySha256.get().equals(policy)) {
      throw r.fail(
          "policy-hash-binding",
          "policy-hash-unexpected",
          "the result ran under policy " + policy + ", expected " + expectedPolicySha256.get());
    }
    r.pass(
        "policy-hash-binding",
        "user_data binds policy "
            + policy
            + (expectedPolicySha256.isPresent() ? " (as expected)" : " (no expected hash given)"));

    // 6. counts
    JsonNode inputs = s.path("inputs");
    long accepted = count(inputs.path("accepted"));
    long rejected = count(inputs.path("rejected"));
    long unauthenticated = count(inputs.path("unauthenticated"));
    long byReason = 0;
    boolean reasonsValid = inputs.path("rejectedByReason").isObject();
    for (Iterator<JsonNode> it = inputs.path("rejectedByReason").elements(); it.hasNext(); ) {
      long n = count(it.next());
      reasonsValid &= n >= 0;
      byReason += Math.max(n, 0);
    }
    // distinct producers per reason: only for reasons with rejections, never more than their
    // payloads (a result sealed before the split may name none)
    JsonNode producers = inputs.path("rejectedProducersByReason");
    boolean producersValid = producers.isObject();
    for (Iterator<Map.Entry<String, JsonNode>> it = producers.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      long n = count(e.getValue());
      long payloads = count(inputs.path("rejectedByReason").path(e.getKey()));
      producersValid &= n >= 1 && n <= payloads;
    }
    long leaves = s.path("merkle").path("leaves").asLong(-1);
    if (accepted < 0
        || rejected < 0
        || unauthenticated < 0
        || !reasonsValid
        || !producersValid
        || byReason != rejected
        || leaves != accepted) {
      throw r.fail(
          "input-counts",
          "result-counts-inconsistent",
          "accepted "
              + inputs.path("accepted")
              + ", rejected (authenticated producers) "
              + inputs.path("rejected")
              + ", by reason "
              + inputs.path("rejectedByReason")
              + ", producers by reason "
              + (producers.isMissingNode() ? "(missing)" : producers.toString())
              + ", unauthenticated "
              + (inputs.has("unauthenticated") ? inputs.get("unauthenticated") : "(missing)")
              + ", Merkle leaves "
              + leaves);
    }
    r.pass(
        "input-counts",
        accepted
            + " accepted; "
            + rejected
            + " rejected of authenticated producers "
            + inputs.path("rejectedByReason")
            + " from distinct producers "
            + producers
            + (inputs.path("rejectedProducersCapped").asBoolean(false) ? " (at least)" : "")
            + "; "
            + unauthenticated
            + " unauthenticated (failed before any signature verified, not by reason)");
    r.skip(
        "merkle-root",
        "accepted-payloads-not-public",
        "root "
            + s.path("merkle").path("root").asText()
            + " is signed but not recomputed: the accepted payloads are not published (producers can check their own leaf)");

    // 7. credential chains
    if (chains.isEmpty()) {
      r.skip(
          "credential-chains",
          "no-chain-evidence",
          "the result carries counts only; producer credentials,"
              + " status and issuer chains were checked inside the attested enclave (code measured by PCR0) and are not"
              + " re-checked here (give --credential-chain FILE and --trust-anchor DID to check them)");
    } else {
      checkChains(r, s.get("dataset").asText());
    }
    return s;
  }

  private void checkChains(ResultReport.Builder r, String dataset) throws RejectedException {
    CredentialChains c = chains.orElseThrow();
    if (c.chains().isEmpty()) {
      throw r.fail(
          "credential-chains",
          "credential-chains-empty",
          "the chain evidence holds no chain: nothing about the producers was checked");
    }
    DidResolver resolver = DidResolvers.builder().withDidKey().build();
    CredentialVerifier v =
        CredentialVerifier.builder(resolver)
            .clock(clock)
            .statusLists(StatusListSource.of(c.statusLists()))
            .build();
    // per zone, its anchors scoped to that zone alone, as the enclave scopes them for a payload
    Map<String, TrustChainVerifier> byZone = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, List<String>> z : zoneAnchors.entrySet()) {
      List<TrustAnchor> anchors = new ArrayList<>();
      for (String a : z.getValue()) {
        if (!trustAnchors.isEmpty() && !trustAnchors.contains(a)) {
          continue;
        }
        try {
          anchors.add(
              new TrustAnchor(
                  Did.parse(a),
                  Scope.of(Set.of(z.getKey()), Set.of(Scope.ANY), Set.of(Scope.ANY))));
        } catch (InvalidDidException e) {
          throw r.fail("credential-chains", "trust-anchor-invalid", a + " is not a DID");
        }
      }
      byZone.put(z.getKey(), TrustChainVerifier.of(v, anchors));
    }
    Instant now = clock.instant();
    int i = 0;
    RejectedException failed = null;
    for (CredentialChains.Chain ch : c.chains()) {
      String name = "credential-chain[" + i++ + "]";
      String who = ch.producer().isEmpty() ? "" : ch.producer() + ": ";
      Map<String, CredentialRejectedException> errors = new java.util.LinkedHashMap<>();
      VerifiedChain ok = null;
      String okZone = null;
      for (Map.Entry<String, TrustChainVerifier> z : byZone.entrySet()) {
        try {
          ok =
              z.getValue()
                  .verify(
                      ch.credential(),
                      ch.accreditations(),
                      TrustChainVerifier.Requirement.of(null, z.getKey(), dataset),
                      now);
          okZone = z.getKey();
          break;
        } catch (CredentialRejectedException e) {
          errors.put(z.getKey(), e);
        }
      }
      if (ok != null) {
        StringBuilder path = new StringBuilder(ok.credential().subjectId().orElse("?"));
        path.append(" <- ").append(ok.credential().issuer());
        ok.links().forEach(l -> path.append(" <- ").append(l.issuer()));
        r.pass(
            name,
            who
                + "valid and not revoked for zone "
                + okZone
                + " and dataset "
                + dataset
                + "; chain "
                + path
                + " (anchor "
                + ok.anchor().did()
                + ")");
        continue;
      }
      CredentialRejectedException first =
          errors.values().stream()
              .filter(e -> !isUntrustedHere(e))
              .findFirst()
              .orElse(errors.values().iterator().next());
      String code = "credential-" + first.code().name().toLowerCase(Locale.ROOT).replace('_', '-');
      StringBuilder detail = new StringBuilder();
      errors.forEach(
          (zone, e) ->
              detail
                  .append(detail.length() == 0 ? "" : "; ")
                  .append(zone)
                  .append(": ")
                  .append(e.code().name().toLowerCase(Locale.ROOT).replace('_', '-')));
      if (errors.values().stream().allMatch(ResultVerifier::revokedOrSuspended)) {
        // A revoked or suspended credential is evidence, not a failure of the result: the enclave
        // must have rejected every payload that used it.
        r.skip(
            name,
            code,
            who
                + "not usable ("
                + detail
                + "); payloads with it must be among the rejected inputs");
      } else {
        RejectedException e =
            r.fail(name, code, who + "the chain does not verify for any zone (" + detail + ")");
        failed = failed == null ? e : failed;
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  private static boolean revokedOrSuspended(CredentialRejectedException e) {
    return e.code() == dev.sovereign.vc.ReasonCode.REVOKED
        || e.code() == dev.sovereign.vc.ReasonCode.SUSPENDED;
  }

  /** A rejection that only says "not this zone's anchor": the least telling when others exist. */
  private static boolean isUntrustedHere(CredentialRejectedException e) {
    return e.code() == dev.sovereign.vc.ReasonCode.ISSUER_NOT_TRUSTED
        || e.code() == dev.sovereign.vc.ReasonCode.CHAIN_BROKEN;
  }

  private static boolean hasType(JsonNode vc, String type) {
    for (JsonNode t : vc.path("type")) {
      if (type.equals(t.asText())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The result's protected header, checked by {@link JoseHeader} against {@link #HEADER}: {@code
   * alg} other than EdDSA (or none) is {@code result-algorithm-not-allowed}; no text {@code kid} is
   * {@code result-kid-not-issuer}; anything else wrong (malformed, a duplicate member, {@code
   * crit}, a key of its own, another member, {@code typ} other than vc+jwt) is {@code
   * result-malformed}.
   */
  private static JsonNode header(String part, ResultReport.Builder r) throws RejectedException {
    try {
      return JoseHeader.check(part, HEADER);
    } catch (JoseHeader.Rejected e) {
      String code =
          switch (e.fault()) {
            case UNSECURED -> "result-algorithm-not-allowed";
            case MISSING_MEMBER, VALUE_NOT_ALLOWED ->
                switch (e.member()) {
                  case "alg" -> "result-algorithm-not-allowed";
                  case "kid" -> "result-kid-not-issuer";
                  default -> "result-malformed";
                };
            case MALFORMED, DUPLICATE_MEMBER, CRITICAL, EMBEDDED_KEY, UNKNOWN_MEMBER ->
                "result-malformed";
          };
      throw r.fail("result-format", code, e.getMessage());
    }
  }

  private static JsonNode b64json(String part, ResultReport.Builder r) throws RejectedException {
    try {
      JsonNode n = JSON.readTree(Base64.getUrlDecoder().decode(part));
      if (n == null || !n.isObject()) {
        throw r.fail("result-format", "result-malformed", "a JWS part is not a JSON object");
      }
      return n;
    } catch (IOException | IllegalArgumentException e) {
      throw r.fail("result-format", "result-malformed", "a JWS part is not base64url JSON");
    }
  }

  /** A JSON integer count, or -1 when the member is missing, negative or not an integer. */
  private static long count(JsonNode n) {
    return n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0 ? n.asLong() : -1;
  }
}
