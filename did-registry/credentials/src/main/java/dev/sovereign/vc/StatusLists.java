package dev.sovereign.vc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.did.Did;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks {@code BitstringStatusListEntry} statuses, failing closed: an unreachable, unsigned,
 * wrongly signed (or signed by anyone but the credential's issuer), stale, malformed or too short
 * list is a rejection. Verified lists are cached per URL for their {@code ttl} (capped); freshness,
 * issuer and purpose are re-checked on every use.
 */
final class StatusLists {
  private static final Set<ReasonCode> SIGNATURE_FAMILY =
      EnumSet.of(
          ReasonCode.ALG_NONE,
          ReasonCode.ALG_NOT_ALLOWED,
          ReasonCode.ALG_KEY_MISMATCH,
          ReasonCode.KID_MISSING,
          ReasonCode.KID_ISSUER_MISMATCH,
          ReasonCode.KEY_NOT_FOUND,
          ReasonCode.KEY_NOT_ASSERTION_METHOD,
          ReasonCode.SIGNATURE_INVALID,
          ReasonCode.DID_RESOLUTION_FAILED,
          ReasonCode.UNSUPPORTED_CRITICAL_HEADER);

  private final CredentialVerifier verifier;
  private final StatusListSource source;
  private final Duration maxAge;
  private final Duration defaultTtl;
  private final Duration maxTtl;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  StatusLists(
      CredentialVerifier verifier,
      StatusListSource source,
      Duration maxAge,
      Duration defaultTtl,
      Duration maxTtl) {
    this.verifier = verifier;
    this.source = source;
    this.maxAge = maxAge;
    this.defaultTtl = defaultTtl;
    this.maxTtl = maxTtl;
  }

  /**
   * A verified list: who signed it, for what purpose, its window, and until when we may reuse it.
   */
  private record Cached(
      String jwt,
      Did issuer,
      List<String> purposes,
      BitstringStatusList list,
      Optional<Instant> validFrom,
      Optional<Instant> validUntil,
      Instant cachedUntil) {}

  void check(
      CredentialClaims c, Did issuer, Instant at, VerificationReport.Builder report, String subject)
      throws CredentialRejectedException {
    List<JsonNode> entries = c.credentialStatus();
    if (entries.isEmpty()) {
      report.skip(subject, "status", "no credentialStatus");
      return;
    }
    for (JsonNode e : entries) {
      checkEntry(e, issuer, at, report, subject);
    }
  }

  private void checkEntry(
      JsonNode e, Did issuer, Instant at, VerificationReport.Builder report, String subject)
      throws CredentialRejectedException {
    String type = CredentialVerifier.text(e, "type").orElse("");
    if (!"BitstringStatusListEntry".equals(type)) {
      throw report.fail(
          subject,
          "status",
          ReasonCode.STATUS_ENTRY_INVALID,
          "unsupported status type '" + type + "'");
    }
    String purposeName = CredentialVerifier.text(e, "statusPurpose").orElse("");
    StatusPurpose purpose =
        StatusPurpose.fromWire(purposeName)
            .orElseThrow(
                () ->
                    report.fail(
                        subject,
                        "status",
                        ReasonCode.STATUS_ENTRY_INVALID,
                        "unsupported statusPurpose '" + purposeName + "'"));
    String step = "status (" + purpose.wireName() + ")";
    JsonNode size = e.get("statusSize");
    if (size != null && !(size.isIntegralNumber() && size.intValue() == 1)) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_ENTRY_INVALID,
          "statusSize must be 1 for " + purpose.wireName());
    }
    String idx = CredentialVerifier.text(e, "statusListIndex").orElse("");
    if (idx.isEmpty() || idx.length() > 12 || !idx.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_ENTRY_INVALID,
          "statusListIndex is not a non-negative integer string");
    }
    long index = Long.parseLong(idx);
    String url =
        CredentialVerifier.text(e, "statusListCredential")
            .orElseThrow(
                () ->
                    report.fail(
                        subject,
                        step,
                        ReasonCode.STATUS_ENTRY_INVALID,
                        "statusListCredential missing"));

    Cached list = obtain(url, issuer, purpose, at, report, subject, step);
    checkFresh(url, list.validFrom(), list.validUntil(), at, report, subject, step);
    if (index >= list.list().size()) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_INDEX_OUT_OF_RANGE,
          "index " + index + " outside the list of " + list.list().size() + " entries");
    }
    if (list.list().get(index)) {
      throw report.fail(
          subject, step, purpose.whenSet(), "entry " + index + " of " + url + " is set");
    }
    Cached l = list;
    report.pass(
        subject,
        step,
        () ->
            "entry "
                + index
                + " of "
                + url
                + " is clear (list issued "
                + l.validFrom().get()
                + ")");
  }

  /** Not expired, issued (validFrom) no longer than maxAge before {@code at}, validFrom known. */
  private void checkFresh(
      String url,
      Optional<Instant> validFrom,
      Optional<Instant> validUntil,
      Instant at,
      VerificationReport.Builder report,
      String subject,
      String step)
      throws CredentialRejectedException {
    if (validUntil.isPresent() && validUntil.get().isBefore(at.minus(verifier.clockSkew()))) {
      throw report.fail(
          subject, step, ReasonCode.STATUS_LIST_STALE, url + " expired at " + validUntil.get());
    }
    if (validFrom.isPresent() && validFrom.get().plus(maxAge).isBefore(at)) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_LIST_STALE,
          url + " issued " + validFrom.get() + ", older than the accepted " + maxAge);
    }
    if (validFrom.isEmpty()) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_LIST_STALE,
          url + " has no validFrom: its age is unknown");
    }
  }

  /**
   * Verifies the status list credential {@code jwt} offered for {@code url} as a use would, without
   * a credential pointing at it: signed (by whoever its issuer is), a {@code
   * BitstringStatusListCredential} whose {@code id}, if any, is {@code url}, long enough, and fresh
   * at {@code at}.
   */
  VerifiedStatusList verifyOffered(String url, String jwt, Instant at)
      throws CredentialRejectedException {
    VerificationReport.Builder report = new VerificationReport.Builder();
    String subject = "status list";
    String step = "status list";
    Cached c = verify(url, jwt, at, verifier.clock().instant(), report, subject, step);
    checkFresh(url, c.validFrom(), c.validUntil(), at, report, subject, step);
    return new VerifiedStatusList(
        url, c.issuer(), c.purposes(), c.list().size(), c.validFrom().get(), c.validUntil());
  }

  private Cached obtain(
      String url,
      Did issuer,
      StatusPurpose purpose,
      Instant at,
      VerificationReport.Builder report,
      String subject,
      String step)
      throws CredentialRejectedException {
    Instant now = verifier.clock().instant();
    Cached c = cache.get(url);
    if (source.isLocal()) {
      // supplied evidence may be replaced at any time (a newer list): asked on every use, and a
      // verified list reused only while the source answers with the same token
      String jwt = fetchJwt(url, report, subject, step);
      if (c == null || !c.jwt().equals(jwt)) {
        c = verify(url, jwt, at, now, report, subject, step);
        cache.put(url, c);
      }
    } else if (c == null || !now.isBefore(c.cachedUntil())) {
      c = verify(url, fetchJwt(url, report, subject, step), at, now, report, subject, step);
      if (c.cachedUntil().isAfter(now)) {
        cache.put(url, c);
      }
    }
    if (!c.issuer().equals(issuer)) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_LIST_SIGNATURE_INVALID,
          url + " is signed by " + c.issuer() + ", not by the credential's issuer " + issuer);
    }
    if (!c.purposes().contains(purpose.wireName())) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_LIST_INVALID,
          url + " is a list for " + c.purposes() + ", not " + purpose.wireName());
    }
    return c;
  }

  private String fetchJwt(
      String url, VerificationReport.Builder report, String subject, String step)
      throws CredentialRejectedException {
    try {
      return source.fetch(url);
    } catch (StatusListSource.UnreachableException e) {
      throw report.fail(subject, step, ReasonCode.STATUS_LIST_UNREACHABLE, e.getMessage());
    } catch (RuntimeException e) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_LIST_UNREACHABLE,
          url + ": " + e.getClass().getSimpleName());
    }
  }

  private Cached verify(
      String url,
      String jwt,
      Instant at,
      Instant now,
      VerificationReport.Builder report,
      String subject,
      String step)
      throws CredentialRejectedException {
    VerifiedCredential v;
    try {
      // The list credential is checked like any credential (signature, key, window) but its own
      // status is not.
      v = verifier.verify(jwt, at, new VerificationReport.Builder(), false);
    } catch (CredentialRejectedException e) {
      ReasonCode code =
          SIGNATURE_FAMILY.contains(e.code())
              ? ReasonCode.STATUS_LIST_SIGNATURE_INVALID
              : (e.code() == ReasonCode.EXPIRED || e.code() == ReasonCode.NOT_YET_VALID)
                  ? ReasonCode.STATUS_LIST_STALE
                  : ReasonCode.STATUS_LIST_INVALID;
      throw report.fail(subject, step, code, url + ": " + e.getMessage());
    }
    if (!v.hasType("BitstringStatusListCredential")) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_LIST_INVALID,
          url + " is not a BitstringStatusListCredential");
    }
    if (v.id().isPresent() && !v.id().get().equals(url)) {
      throw report.fail(
          subject, step, ReasonCode.STATUS_LIST_INVALID, url + " carries the id " + v.id().get());
    }
    JsonNode s = v.claims().credentialSubject();
    if (!s.isObject()
        || !"BitstringStatusList".equals(CredentialVerifier.text(s, "type").orElse(""))) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_LIST_INVALID,
          url + ": credentialSubject is not a BitstringStatusList");
    }
    List<String> purposes;
    try {
      purposes = Json.strings(s, "statusPurpose");
    } catch (Json.Malformed e) {
      throw report.fail(subject, step, ReasonCode.STATUS_LIST_INVALID, url + ": " + e.getMessage());
    }
    BitstringStatusList list;
    try {
      list = BitstringStatusList.decode(CredentialVerifier.text(s, "encodedList").orElse(null));
    } catch (CredentialRejectedException e) {
      throw report.fail(subject, step, ReasonCode.STATUS_LIST_INVALID, url + ": " + e.getMessage());
    }
    if (list.size() < BitstringStatusList.MIN_ENTRIES) {
      throw report.fail(
          subject,
          step,
          ReasonCode.STATUS_LIST_TOO_SHORT,
          url
              + " has "
              + list.size()
              + " entries, fewer than the "
              + BitstringStatusList.MIN_ENTRIES
              + " required");
    }
    Duration ttl = defaultTtl;
    JsonNode ttlNode = s.get("ttl");
    if (ttlNode != null && ttlNode.isIntegralNumber() && ttlNode.longValue() >= 0) {
      ttl = Duration.ofMillis(ttlNode.longValue());
    }
    if (ttl.compareTo(maxTtl) > 0) {
      ttl = maxTtl;
    }
    Instant until = now.plus(ttl);
    if (v.validUntil().isPresent() && v.validUntil().get().isBefore(until)) {
      until = v.validUntil().get();
    }
    report.pass(
        subject,
        step + " list",
        url
            + " signed by "
            + v.verificationMethod()
            + ", "
            + list.size()
            + " entries, cached for "
            + ttl);
    return new Cached(jwt, v.issuer(), purposes, list, v.validFrom(), v.validUntil(), until);
  }
}
