package dev.sovereign.vc;

import dev.sovereign.did.Did;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Walks a credential's issuer up a chain of accreditations to a configured {@link TrustAnchor}
 * (EBSI model: root -> accredited authority -> issuer). Every accreditation is verified like any
 * credential (signature, key authorization, window, status). A link may narrow scope and validity,
 * never widen them; the credential's own claims (zone, region, datasets) must lie within its
 * issuer's accreditation.
 */
public final class TrustChainVerifier {
  /** Longest chain walked (anchor excluded). */
  public static final int MAX_DEPTH = 8;

  private final CredentialVerifier verifier;
  private final Map<Did, TrustAnchor> anchors;

  private TrustChainVerifier(CredentialVerifier verifier, Collection<TrustAnchor> anchors) {
    this.verifier = Objects.requireNonNull(verifier);
    this.anchors =
        anchors.stream()
            .collect(Collectors.toUnmodifiableMap(TrustAnchor::did, Function.identity()));
  }

  public static TrustChainVerifier of(
      CredentialVerifier verifier, Collection<TrustAnchor> anchors) {
    return new TrustChainVerifier(verifier, anchors);
  }

  /**
   * What the relying party needs the credential to cover (e.g. the payload's region and dataset).
   */
  public record Requirement(
      Optional<String> zone, Optional<String> region, Optional<String> dataset) {
    public static Requirement none() {
      return new Requirement(Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static Requirement of(String zone, String region, String dataset) {
      return new Requirement(
          Optional.ofNullable(zone), Optional.ofNullable(region), Optional.ofNullable(dataset));
    }
  }

  /**
   * Verifies the credential and its chain; the report lists the credential's steps, then each link.
   */
  public VerifiedChain verify(
      String credentialJwt, Collection<String> accreditationJwts, Requirement required, Instant at)
      throws CredentialRejectedException {
    VerificationReport.Builder report = new VerificationReport.Builder();
    VerifiedCredential leaf = verifier.verify(credentialJwt, at, report, true);
    return walk(leaf, accreditationJwts, required, at, report);
  }

  /**
   * As {@link #verify(String, Collection, Requirement, Instant)} for an already verified
   * credential.
   */
  public VerifiedChain verify(
      VerifiedCredential leaf,
      Collection<String> accreditationJwts,
      Requirement required,
      Instant at)
      throws CredentialRejectedException {
    VerificationReport.Builder report =
        new VerificationReport.Builder().addAll(leaf.report().steps());
    return walk(leaf, accreditationJwts, required, at, report);
  }

  private VerifiedChain walk(
      VerifiedCredential leaf,
      Collection<String> accreditationJwts,
      Requirement required,
      Instant at,
      VerificationReport.Builder report)
      throws CredentialRejectedException {
    String leafSubject = leaf.id().orElse("credential from " + leaf.issuer());
    if (anchors.isEmpty()) {
      throw report.fail(
          leafSubject,
          "trust anchor",
          ReasonCode.ISSUER_NOT_TRUSTED,
          "no trust anchors configured");
    }
    Scope childScope;
    try {
      childScope = Scope.read(leaf.credentialSubject());
    } catch (Json.Malformed e) {
      throw report.fail(leafSubject, "scope", ReasonCode.MALFORMED, e.getMessage());
    }
    checkRequirement(childScope, required, report, leafSubject);
    // What the relying party needs must be covered by every link up to the anchor, even where the
    // credential itself is silent (e.g. a credential without a zone presented for the EU zone).
    childScope = withRequired(childScope, required);

    List<VerifiedCredential> links = new ArrayList<>();
    Set<Did> visited = new HashSet<>();
    Did current = leaf.issuer();
    Accreditations.Role needed = Accreditations.Role.ATTEST;
    Optional<Instant> childUntil = leaf.validUntil();
    String childName = leafSubject;
    for (int depth = 0; ; depth++) {
      TrustAnchor anchor = anchors.get(current);
      if (anchor != null) {
        if (!anchor.scope().covers(childScope)) {
          throw report.fail(
              childName,
              "scope",
              depth == 0
                  ? ReasonCode.ISSUER_NOT_TRUSTED_FOR_REGION
                  : ReasonCode.CHAIN_SCOPE_WIDENED,
              "trust anchor "
                  + current
                  + " does not cover "
                  + String.join(", ", anchor.scope().excess(childScope)));
        }
        report.pass(
            childName, "trust anchor", current + " is a configured anchor for " + anchor.scope());
        return new VerifiedChain(leaf, links, anchor, report.valid());
      }
      if (depth >= MAX_DEPTH || !visited.add(current)) {
        throw report.fail(
            childName,
            "chain link " + (depth + 1),
            ReasonCode.CHAIN_BROKEN,
            depth >= MAX_DEPTH
                ? "chain longer than " + MAX_DEPTH
                : "accreditation loop at " + current);
      }
      VerifiedCredential link =
          findLink(current, needed, accreditationJwts, at, report, depth + 1, childName);
      String linkName =
          "chain link " + (depth + 1) + " (" + link.issuer() + " accredits " + current + ")";
      Scope linkScope;
      try {
        linkScope = Scope.read(link.credentialSubject());
      } catch (Json.Malformed e) {
        throw report.fail(linkName, "scope", ReasonCode.CHAIN_LINK_INVALID, e.getMessage());
      }
      if (linkScope.zones().contains(Scope.ANY)
          || linkScope.regions().contains(Scope.ANY)
          || linkScope.datasets().contains(Scope.ANY)) {
        throw report.fail(
            linkName,
            "scope",
            ReasonCode.CHAIN_LINK_INVALID,
            "wildcards are for configured anchors only");
      }
      if (!linkScope.covers(childScope)) {
        throw report.fail(
            childName,
            "scope",
            depth == 0 ? ReasonCode.ISSUER_NOT_TRUSTED_FOR_REGION : ReasonCode.CHAIN_SCOPE_WIDENED,
            current
                + " is accredited for "
                + linkScope
                + "; "
                + (depth == 0 ? "the credential claims " : "it grants ")
                + String.join(", ", linkScope.excess(childScope))
                + " beyond that");
      }
      if (link.validUntil().isPresent()
          && (childUntil.isEmpty() || childUntil.get().isAfter(link.validUntil().get()))) {
        throw report.fail(
            childName,
            "scope",
            ReasonCode.CHAIN_SCOPE_WIDENED,
            "valid until "
                + childUntil.map(Instant::toString).orElse("+inf")
                + ", beyond its accreditation's "
                + link.validUntil().get());
      }
      report.pass(childName, "scope", "within " + current + "'s accreditation: " + linkScope);
      links.add(link);
      childScope = linkScope;
      childUntil = link.validUntil();
      childName = linkName;
      current = link.issuer();
      needed = Accreditations.Role.ACCREDIT;
    }
  }

  private static Scope withRequired(Scope s, Requirement r) {
    Set<String> zones = new HashSet<>(s.zones());
    Set<String> regions = new HashSet<>(s.regions());
    Set<String> datasets = new HashSet<>(s.datasets());
    r.zone().ifPresent(zones::add);
    r.region().ifPresent(regions::add);
    r.dataset().ifPresent(datasets::add);
    return Scope.of(zones, regions, datasets);
  }

  private static void checkRequirement(
      Scope claimed, Requirement required, VerificationReport.Builder report, String subject)
      throws CredentialRejectedException {
    List<String> missing = new ArrayList<>();
    required
        .zone()
        .filter(z -> !claimed.zones().isEmpty() && !claimed.zones().contains(z))
        .ifPresent(z -> missing.add("zone " + z));
    required
        .region()
        .filter(r -> !claimed.regions().contains(r))
        .ifPresent(r -> missing.add("region " + r));
    required
        .dataset()
        .filter(d -> !claimed.datasets().contains(d))
        .ifPresent(d -> missing.add("dataset " + d));
    if (!missing.isEmpty()) {
      throw report.fail(
          subject,
          "scope",
          ReasonCode.ISSUER_NOT_TRUSTED_FOR_REGION,
          "credential does not cover "
              + String.join(", ", missing)
              + " (it covers "
              + claimed
              + ")");
    }
    report.pass(subject, "scope", "credential covers " + claimed);
  }

  private VerifiedCredential findLink(
      Did subject,
      Accreditations.Role needed,
      Collection<String> jwts,
      Instant at,
      VerificationReport.Builder report,
      int n,
      String childName)
      throws CredentialRejectedException {
    CredentialRejectedException firstFailure = null;
    for (String jwt : jwts) {
      VerificationReport.Builder linkReport = new VerificationReport.Builder();
      VerifiedCredential v;
      try {
        v = verifier.verify(jwt, at, linkReport, true);
      } catch (CredentialRejectedException e) {
        if (firstFailure == null && aboutSubject(jwt, subject)) {
          firstFailure = e;
        }
        continue;
      }
      if (!v.subjectId().map(subject.toString()::equals).orElse(false)
          || !v.hasType(Accreditations.TYPE)) {
        continue;
      }
      List<String> roles;
      try {
        roles = Json.strings(v.claims().credentialSubject(), "accreditedFor");
      } catch (Json.Malformed e) {
        roles = List.of();
      }
      if (!roles.contains(needed.wireName())) {
        firstFailure =
            firstFailure != null
                ? firstFailure
                : new VerificationReport.Builder()
                    .fail(
                        "chain link " + n,
                        "role",
                        ReasonCode.CHAIN_LINK_INVALID,
                        subject + " is accredited for " + roles + ", not " + needed.wireName());
        continue;
      }
      report.addAll(v.report().steps());
      report.pass(
          "chain link " + n,
          "accreditation",
          v.issuer() + " accredits " + subject + " to " + needed.wireName());
      return v;
    }
    if (firstFailure != null) {
      throw report.failWith(
          firstFailure,
          ReasonCode.CHAIN_LINK_INVALID,
          "chain link " + n,
          "accreditation of " + subject);
    }
    throw report.fail(
        childName,
        "chain link " + n,
        ReasonCode.CHAIN_BROKEN,
        "no accreditation of "
            + subject
            + " (to "
            + needed.wireName()
            + ") leads towards a trust anchor");
  }

  /**
   * Best effort (unverified) look at whose accreditation a token claims to be, to report the right
   * failure.
   */
  private static boolean aboutSubject(String jwt, Did subject) {
    try {
      String[] parts = jwt.split("\\.");
      var payload = Json.object(java.util.Base64.getUrlDecoder().decode(parts[1]));
      var cs =
          payload.has("vc")
              ? payload.get("vc").get("credentialSubject")
              : payload.get("credentialSubject");
      return cs != null && subject.toString().equals(cs.path("id").asText(null));
    } catch (RuntimeException | Json.Malformed e) {
      return false;
    }
  }
}
