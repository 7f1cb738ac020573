package dev.sovereign.enclave.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.InvalidDidException;
import dev.sovereign.vc.CredentialRejectedException;
import dev.sovereign.vc.CredentialVerifier;
import dev.sovereign.vc.Presentations;
import dev.sovereign.vc.ReasonCode;
import dev.sovereign.vc.Scope;
import dev.sovereign.vc.TrustAnchor;
import dev.sovereign.vc.TrustChainVerifier;
import dev.sovereign.vc.VerifiedChain;
import dev.sovereign.vc.VerifiedChainCache;
import dev.sovereign.vc.VerifiedCredential;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@link ProducerCredentials} over the credentials module. The producer's credential is verified
 * first (signature, key authorization, validity, status), then its subject is checked against the
 * payload (subject is the producer, region and dataset granted), then the issuer chain is walked to
 * one of the zone's trust anchors. A trust anchor configured for a zone accredits within that zone
 * only (any region and dataset in it).
 *
 * <p>Producers send the same credential and accreditations with every payload. A chain verified in
 * full is kept ({@link VerifiedChainCache}) under a digest of exactly what decided it: the
 * producer, zone, dataset, trust anchors, the status requirement and the credential tokens as sent
 * (for a presentation: the credentials it carried, after the presentation itself, its holder
 * binding, nonce and audience were verified for this payload). A later payload with the same inputs
 * skips the issuer signatures and the chain walk; every credential's validity window and status are
 * checked again for each payload, and any failure there is verified from scratch. Only a chain that
 * verified to a trust anchor is kept, so nothing a stranger sends takes a place in the cache.
 */
public final class VcProducerCredentials implements ProducerCredentials {
  /** Verified chains kept (least recently used dropped beyond). */
  public static final int CHAIN_CACHE = 4096;

  /** A kept chain is verified again from scratch at least this often. */
  public static final Duration CHAIN_MAX_AGE = Duration.ofMinutes(5);

  private final CredentialVerifier verifier;
  private final Supplier<String> audience;
  private final boolean requireStatus;
  private final VerifiedChainCache<ProducerAuthorization> chains;

  /**
   * @param audience the DID a presentation must be addressed to (the enclave's)
   */
  public VcProducerCredentials(CredentialVerifier verifier, Supplier<String> audience) {
    this(verifier, audience, false);
  }

  /**
   * @param requireStatus refuse a producer credential without {@code credentialStatus} ({@code
   *     credential-status-missing}): the policy's {@code evidence.requireCredentialStatus}
   */
  public VcProducerCredentials(
      CredentialVerifier verifier, Supplier<String> audience, boolean requireStatus) {
    this(verifier, audience, requireStatus, CHAIN_CACHE);
  }

  /** As above, keeping at most {@code chainCache} verified chains. */
  public VcProducerCredentials(
      CredentialVerifier verifier,
      Supplier<String> audience,
      boolean requireStatus,
      int chainCache) {
    this.verifier = verifier;
    this.audience = audience;
    this.requireStatus = requireStatus;
    this.chains = new VerifiedChainCache<>(verifier, chainCache, CHAIN_MAX_AGE);
  }

  /** The verified chains kept (for tests and metrics). */
  public VerifiedChainCache<ProducerAuthorization> chains() {
    return chains;
  }

  @Override
  public ProducerAuthorization authorize(
      String producerDid,
      String jti,
      List<String> credentials,
      boolean presentation,
      String zone,
      String dataset,
      List<String> trustAnchors,
      Instant at)
      throws PayloadRejectedException {
    try {
      VerifiedCredential leaf = null;
      List<String> accreditations = new ArrayList<>();
      VerifiedChainCache.Key key = null;
      if (!presentation) {
        key = key(producerDid, zone, dataset, trustAnchors, "credentials", credentials);
        java.util.Optional<VerifiedChainCache.Hit<ProducerAuthorization>> hit =
            chains.revalidate(key, at);
        if (hit.isPresent()) {
          return hit.get().derived();
        }
      }
      if (presentation) {
        Presentations.VerifiedPresentation vp =
            Presentations.of(verifier).verify(credentials.get(0), jti, audience.get(), at);
        if (!vp.holder().toString().equals(producerDid)) {
          throw new PayloadRejectedException(
              RejectionReason.CREDENTIAL_SUBJECT_MISMATCH, "holder is not iss");
        }
        for (VerifiedCredential c : vp.credentials()) {
          if (leaf == null && c.subjectId().map(producerDid::equals).orElse(false)) {
            leaf = c;
          } else {
            accreditations.add(c.jwt());
          }
        }
        if (leaf == null) {
          throw new PayloadRejectedException(
              RejectionReason.CREDENTIAL_MISSING, "no credential about the producer");
        }
        accreditations.addAll(credentials.subList(1, credentials.size()));
        List<String> decided = new ArrayList<>();
        decided.add(leaf.jwt());
        decided.addAll(accreditations);
        key = key(producerDid, zone, dataset, trustAnchors, "presentation", decided);
        java.util.Optional<VerifiedChainCache.Hit<ProducerAuthorization>> hit =
            chains.revalidate(key, at);
        if (hit.isPresent()) {
          return hit.get().derived();
        }
      } else {
        leaf = verifier.verify(credentials.get(0), at);
        accreditations.addAll(credentials.subList(1, credentials.size()));
      }
      if (!leaf.subjectId().map(producerDid::equals).orElse(false)) {
        throw new PayloadRejectedException(
            RejectionReason.CREDENTIAL_SUBJECT_MISMATCH, "subject is not iss");
      }
      if (requireStatus && !hasStatus(leaf)) {
        throw new PayloadRejectedException(
            RejectionReason.CREDENTIAL_STATUS_MISSING, "no credentialStatus: never revocable");
      }
      Set<String> regions = strings(leaf.credentialSubject(), "region", "regions");
      Set<String> datasets = strings(leaf.credentialSubject(), "dataset", "datasets");
      if (!regions.contains(zone)) {
        throw new PayloadRejectedException(
            RejectionReason.CREDENTIAL_WRONG_REGION, "credential regions " + regions);
      }
      if (!datasets.contains(dataset)) {
        throw new PayloadRejectedException(
            RejectionReason.CREDENTIAL_DATASET_NOT_GRANTED, "dataset not granted");
      }
      List<TrustAnchor> anchors = new ArrayList<>();
      for (String a : trustAnchors) {
        anchors.add(
            new TrustAnchor(
                Did.parse(a), Scope.of(Set.of(zone), Set.of(Scope.ANY), Set.of(Scope.ANY))));
      }
      VerifiedChain chain =
          TrustChainVerifier.of(verifier, anchors)
              .verify(
                  leaf, accreditations, TrustChainVerifier.Requirement.of(null, zone, dataset), at);
      List<String> issuers = new ArrayList<>();
      issuers.add(chain.credential().issuer().toString());
      chain.links().forEach(l -> issuers.add(l.issuer().toString()));
      ProducerAuthorization auth =
          new ProducerAuthorization(producerDid, regions, datasets, issuers);
      chains.put(key, chain, auth, at);
      return auth;
    } catch (CredentialRejectedException e) {
      throw new PayloadRejectedException(map(e.code()), e.code().name(), e);
    } catch (InvalidDidException e) {
      throw new PayloadRejectedException(
          RejectionReason.CREDENTIAL_ISSUER_UNTRUSTED, "a trust anchor is not a DID");
    }
  }

  /** Everything that decided a chain, in a fixed order. */
  private VerifiedChainCache.Key key(
      String producerDid,
      String zone,
      String dataset,
      List<String> trustAnchors,
      String form,
      List<String> tokens) {
    List<String> parts = new ArrayList<>(8 + trustAnchors.size() + tokens.size());
    parts.add(producerDid);
    parts.add(zone);
    parts.add(dataset);
    parts.add(requireStatus ? "status required" : "status optional");
    parts.add("anchors");
    parts.add(Integer.toString(trustAnchors.size()));
    parts.addAll(trustAnchors);
    parts.add(form);
    parts.add(Integer.toString(tokens.size()));
    parts.addAll(tokens);
    return VerifiedChainCache.key(parts);
  }

  private static boolean hasStatus(VerifiedCredential c) {
    JsonNode s = c.credential().get("credentialStatus");
    return s != null && (s.isObject() || (s.isArray() && !s.isEmpty()));
  }

  private static Set<String> strings(JsonNode subject, String one, String many) {
    Set<String> out = new TreeSet<>();
    JsonNode a = subject.get(one);
    if (a != null && a.isTextual()) {
      out.add(a.textValue());
    }
    JsonNode b = subject.get(many);
    if (b != null && b.isArray()) {
      b.forEach(
          n -> {
            if (n.isTextual()) {
              out.add(n.textValue());
            }
          });
    }
    return out;
  }

  static RejectionReason map(ReasonCode code) {
    switch (code) {
      case EXPIRED:
        return RejectionReason.CREDENTIAL_EXPIRED;
      case NOT_YET_VALID:
        return RejectionReason.CREDENTIAL_NOT_YET_VALID;
      case REVOKED:
        return RejectionReason.CREDENTIAL_REVOKED;
      case SUSPENDED:
        return RejectionReason.CREDENTIAL_SUSPENDED;
      case STATUS_LIST_UNREACHABLE:
      case STATUS_LIST_SIGNATURE_INVALID:
      case STATUS_LIST_INVALID:
      case STATUS_LIST_STALE:
      case STATUS_LIST_TOO_SHORT:
      case STATUS_INDEX_OUT_OF_RANGE:
      case STATUS_ENTRY_INVALID:
        return RejectionReason.CREDENTIAL_STATUS_UNVERIFIED;
      case SIGNATURE_INVALID:
      case KEY_NOT_FOUND:
      case KEY_NOT_ASSERTION_METHOD:
      case KID_MISSING:
      case KID_ISSUER_MISMATCH:
      case ALG_NONE:
      case ALG_NOT_ALLOWED:
      case ALG_KEY_MISMATCH:
      case DID_RESOLUTION_FAILED:
        return RejectionReason.CREDENTIAL_SIGNATURE_INVALID;
      case CHAIN_BROKEN:
      case CHAIN_LINK_INVALID:
      case CHAIN_SCOPE_WIDENED:
      case ISSUER_NOT_TRUSTED:
      case ISSUER_NOT_TRUSTED_FOR_REGION:
        return RejectionReason.CREDENTIAL_ISSUER_UNTRUSTED;
      default:
        return RejectionReason.CREDENTIAL_INVALID;
    }
  }
}
