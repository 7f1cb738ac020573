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
import dev.sovereign.vc.VerifiedCredential;
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
 */
public final class VcProducerCredentials implements ProducerCredentials {
  private final CredentialVerifier verifier;
  private final Supplier<String> audience;
  private final boolean requireStatus;

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
    this.verifier = verifier;
    this.audience = audience;
    this.requireStatus = requireStatus;
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
      return new ProducerAuthorization(producerDid, regions, datasets, issuers);
    } catch (CredentialRejectedException e) {
      throw new PayloadRejectedException(map(e.code()), e.code().name(), e);
    } catch (InvalidDidException e) {
      throw new PayloadRejectedException(
          RejectionReason.CREDENTIAL_ISSUER_UNTRUSTED, "a trust anchor is not a DID");
    }
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
