package dev.sovereign.vc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidUrl;
import dev.sovereign.did.InvalidDidException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies credentials of both JWT profiles (VCDM 2.0 / VC-JOSE-COSE and VC-JWT 1.1), detecting the
 * profile and applying only its rules. Secure defaults: unsecured tokens are always rejected; the
 * algorithm is fixed by the type of the key the {@code kid} names; the key must be in the issuer's
 * {@code assertionMethod} in the document current at the credential's time ({@code versionTime});
 * clock skew 60 s; a credential with a {@code credentialStatus} is valid only if every status list
 * is obtained, correctly signed by the issuer, fresh, long enough and has the entry clear (fail
 * closed). Status is checked on every call, even when the signature result comes from the optional
 * cache.
 */
public final class CredentialVerifier {
  private static final String V2_DETAIL = "VCDM 2.0 secured with VC-JOSE-COSE";
  private static final String V11_DETAIL = "VC-JWT 1.1 (vc claim)";

  /** Default clock skew tolerated on validity windows. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

  private final IssuerKeys keys;
  private final Clock clock;
  private final Duration skew;
  private final StatusLists statusLists;
  private final Map<String, Signed> signatureCache;

  private CredentialVerifier(Builder b) {
    this.keys = new IssuerKeys(b.resolver);
    this.clock = b.clock;
    this.skew = b.skew;
    this.statusLists =
        new StatusLists(
            this, b.statusSource, b.statusListMaxAge, b.defaultStatusTtl, b.maxStatusTtl);
    this.signatureCache = b.signatureCacheSize > 0 ? lru(b.signatureCacheSize) : null;
  }

  /**
   * A builder over the DID resolver that supplies issuer documents (wrap it in a cache for
   * throughput).
   */
  public static Builder builder(DidResolver resolver) {
    return new Builder(resolver);
  }

  /** Verifies now (the configured clock). */
  public VerifiedCredential verify(String jwt) throws CredentialRejectedException {
    return verify(jwt, clock.instant());
  }

  /**
   * Verifies as of {@code at} (validity window and status list freshness are judged at that
   * instant).
   */
  public VerifiedCredential verify(String jwt, Instant at) throws CredentialRejectedException {
    VerificationReport.Builder report = new VerificationReport.Builder();
    return verify(jwt, at, report, true);
  }

  /**
   * Verifies a status list credential offered for {@code url} before anything points at it (the
   * enclave checks evidence when the host supplies it): signature by the list's issuer, type {@code
   * BitstringStatusListCredential}, {@code id} equal to {@code url} when present, at least {@link
   * BitstringStatusList#MIN_ENTRIES} entries, a {@code validFrom}, not expired and issued no longer
   * than the configured {@code statusListMaxAge} before {@code at}. Whether it is the list of a
   * given credential's issuer and purpose is checked when a credential uses it.
   *
   * @throws CredentialRejectedException with a {@code STATUS_LIST_*} code
   */
  public VerifiedStatusList verifyStatusList(String url, String jwt, Instant at)
      throws CredentialRejectedException {
    return statusLists.verifyOffered(url, jwt, at);
  }

  /** The clock skew this verifier tolerates. */
  public Duration clockSkew() {
    return skew;
  }

  Clock clock() {
    return clock;
  }

  VerifiedCredential verify(
      String jwt, Instant at, VerificationReport.Builder report, boolean checkStatus)
      throws CredentialRejectedException {
    Signed s = signatureCache == null ? null : cached(jwt);
    String subject;
    if (s != null) {
      subject = s.subject;
      report.addAll(s.steps);
      keys.stillVouches(s.issuer, report, subject);
      report.pass(
          subject,
          "signature cache",
          "signature and key authorization verified earlier; issuer still active, window and"
              + " status re-checked");
    } else {
      s = checkSignature(jwt, report);
      subject = s.subject;
      if (signatureCache != null) {
        synchronized (signatureCache) {
          signatureCache.put(jwt, s);
        }
      }
    }
    checkWindow(s.claims, at, report, subject);
    if (checkStatus) {
      statusLists.check(s.claims, s.issuer, at, report, subject);
    }
    return new VerifiedCredential(jwt, s.claims, s.issuer, s.method, s.alg, at, report.valid());
  }

  /**
   * Re-checks what depends on time, status and the issuer's current document for a credential this
   * verifier verified earlier: the issuer still resolves and is not deactivated, the validity
   * window and every status entry at {@code at} (the signature and the key's authorization at
   * issuance are not re-checked). Used by {@link VerifiedChainCache}.
   */
  void recheck(VerifiedCredential c, Instant at, VerificationReport.Builder report)
      throws CredentialRejectedException {
    String subject = c.id().orElse("credential from " + c.issuer());
    keys.stillVouches(c.issuer(), report, subject);
    checkWindow(c.claims(), at, report, subject);
    statusLists.check(c.claims(), c.issuer(), at, report, subject);
  }

  private Signed cached(String jwt) {
    synchronized (signatureCache) {
      return signatureCache.get(jwt);
    }
  }

  /** Signature stage: parse, profile, key resolution and authorization, signature. */
  Signed checkSignature(String jwt, VerificationReport.Builder report)
      throws CredentialRejectedException {
    int mark = report.steps().size();
    String subject = "credential";
    CompactJws jws = CompactJws.parse(jwt, report, subject);
    CredentialClaims claims;
    try {
      claims =
          CredentialClaims.read(
              jws.header().getType() == null ? null : jws.header().getType().getType(),
              jws.payload());
    } catch (Json.Malformed e) {
      throw report.fail(subject, "profile", ReasonCode.MALFORMED, e.getMessage());
    } catch (CredentialClaims.ProfileViolation e) {
      throw report.fail(subject, "profile", ReasonCode.PROFILE_INVALID, e.getMessage());
    }
    subject = claims.id().orElse("credential from " + claims.issuer());
    report.pass(subject, "profile", claims.profile() == Profile.VCDM_2_0 ? V2_DETAIL : V11_DETAIL);
    Did issuer;
    try {
      issuer = Did.parse(claims.issuer());
    } catch (InvalidDidException e) {
      throw report.fail(subject, "issuer", ReasonCode.MALFORMED, "issuer is not a DID");
    }
    List<IssuerKeys.Candidate> candidates =
        keys.candidates(
            issuer,
            jws.header().getKeyID(),
            claims.profile(),
            jws.algorithm(),
            claims.issuedAt(),
            report,
            subject);
    DidUrl signedBy = signer(candidates, jws);
    if (signedBy == null) {
      throw report.fail(
          subject,
          "signature",
          ReasonCode.SIGNATURE_INVALID,
          jws.algorithm().joseName() + " signature does not verify under " + describe(candidates));
    }
    DidUrl by = signedBy;
    report.pass(subject, "signature", () -> jws.algorithm().joseName() + " by " + by);
    return new Signed(
        subject,
        claims,
        issuer,
        signedBy,
        jws.algorithm(),
        List.copyOf(report.steps().subList(mark, report.steps().size())));
  }

  IssuerKeys keys() {
    return keys;
  }

  /** The candidate whose key verifies the signature, or null. */
  static DidUrl signer(List<IssuerKeys.Candidate> candidates, CompactJws jws) {
    for (IssuerKeys.Candidate c : candidates) {
      boolean ok =
          c.key().isPresent()
              ? JwsSignatures.verify(
                  c.key().get(), jws.algorithm(), jws.signingInput(), jws.signature())
              : JwsSignatures.verifyByAddress(
                  c.ethereumAddress().orElseThrow(),
                  jws.algorithm(),
                  jws.signingInput(),
                  jws.signature());
      if (ok) {
        return c.methodId();
      }
    }
    return null;
  }

  static String describe(List<IssuerKeys.Candidate> cs) {
    return cs.size() == 1 ? cs.get(0).methodId().toString() : cs.size() + " candidate keys";
  }

  void checkWindow(
      CredentialClaims c, Instant at, VerificationReport.Builder report, String subject)
      throws CredentialRejectedException {
    Optional<Instant> from = c.notBefore();
    Optional<Instant> until = c.notAfter();
    if (from.isPresent() && from.get().isAfter(at.plus(skew))) {
      throw report.fail(
          subject,
          "validity window",
          ReasonCode.NOT_YET_VALID,
          "valid from " + from.get() + ", now " + at + " (skew " + skew.toSeconds() + " s)");
    }
    if (until.isPresent() && until.get().isBefore(at.minus(skew))) {
      throw report.fail(
          subject,
          "validity window",
          ReasonCode.EXPIRED,
          "valid until " + until.get() + ", now " + at + " (skew " + skew.toSeconds() + " s)");
    }
    report.pass(
        subject,
        "validity window",
        () ->
            from.map(Instant::toString).orElse("-inf")
                + " .. "
                + until.map(Instant::toString).orElse("+inf")
                + " holds at "
                + at);
  }

  /** The result of the signature stage; cacheable because it does not depend on time or status. */
  record Signed(
      String subject,
      CredentialClaims claims,
      Did issuer,
      DidUrl method,
      JwsAlgorithm alg,
      List<VerificationReport.Step> steps) {}

  private static <K, V> Map<K, V> lru(int size) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> e) {
        return size() > size;
      }
    };
  }

  /** Configuration; every setting has a secure default. */
  public static final class Builder {
    private final DidResolver resolver;
    private Clock clock = Clock.systemUTC();
    private Duration skew = DEFAULT_CLOCK_SKEW;
    private StatusListSource statusSource = StatusListSource.none();
    private Duration statusListMaxAge = Duration.ofDays(1);
    private Duration defaultStatusTtl = Duration.ofMinutes(5);
    private Duration maxStatusTtl = Duration.ofHours(1);
    private int signatureCacheSize;

    private Builder(DidResolver resolver) {
      this.resolver = Objects.requireNonNull(resolver);
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Tolerated clock skew on validity windows (default 60 s). */
    public Builder clockSkew(Duration skew) {
      if (skew.isNegative()) {
        throw new IllegalArgumentException("negative skew");
      }
      this.skew = skew;
      return this;
    }

    /**
     * Where status lists come from (default: nowhere, so credentials with a status are rejected).
     */
    public Builder statusLists(StatusListSource source) {
      this.statusSource = Objects.requireNonNull(source);
      return this;
    }

    /** A status list issued (validFrom) longer ago than this is too old (default 1 day). */
    public Builder statusListMaxAge(Duration maxAge) {
      this.statusListMaxAge = Objects.requireNonNull(maxAge);
      return this;
    }

    /**
     * Cache time for lists without {@code ttl} (default 5 min) and the cap on any {@code ttl}
     * (default 1 h).
     */
    public Builder statusListTtl(Duration whenAbsent, Duration cap) {
      this.defaultStatusTtl = Objects.requireNonNull(whenAbsent);
      this.maxStatusTtl = Objects.requireNonNull(cap);
      return this;
    }

    /** Keeps up to {@code size} signature results (by token); 0 (default) disables the cache. */
    public Builder signatureCache(int size) {
      this.signatureCacheSize = size;
      return this;
    }

    public CredentialVerifier build() {
      return new CredentialVerifier(this);
    }
  }

  static Optional<String> text(JsonNode n, String f) {
    JsonNode v = n.get(f);
    return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
  }
}
