package dev.sovereign.did.fabric;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.InvalidDidDocumentException;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.fabric.core.DidFabricLedger;
import dev.sovereign.did.fabric.core.Encoding;
import dev.sovereign.did.fabric.core.EndorsedHead;
import dev.sovereign.did.fabric.core.EndorsementVerifier;
import dev.sovereign.did.fabric.core.FabricDid;
import dev.sovereign.did.fabric.core.OperationLogVerifier;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.VerifiedDidLog;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;

/**
 * Resolves {@code did:fabric} DIDs from a {@link DidFabricLedger} without trusting it: each
 * resolution fetches the operation log and an endorsed read of the current version for a fresh
 * nonce, verifies both ({@link OperationLogVerifier}, {@link EndorsementVerifier} with pinned CAs)
 * and answers {@code versionId} / {@code versionTime} from the verified history only.
 *
 * <p>Errors: a malformed DID is {@code invalidDid}; an unknown DID, version or network is {@code
 * notFound}; evidence that does not verify is {@code invalidDidDocument} with the did:fabric reason
 * code in {@code didResolutionMetadata.reasonCode}; an unreachable ledger is {@code internalError}.
 */
public final class FabricDidResolver implements DidMethodResolver {
  private static final int FRESHNESS_ATTEMPTS = 3;

  private final DidFabricLedger ledger;
  private final EndorsementVerifier endorsements;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public FabricDidResolver(DidFabricLedger ledger, EndorsementVerifier endorsements, Clock clock) {
    this.ledger = ledger;
    this.endorsements = endorsements;
    this.clock = clock;
  }

  @Override
  public String method() {
    return "fabric";
  }

  @Override
  public DidResolutionResult resolve(Did did, ResolutionOptions options) {
    String id = did.toString();
    try {
      FabricDid parsed = FabricDid.parse(id);
      if (!parsed.network().equals(ledger.network())) {
        return DidResolutionResult.error(
            ResolutionError.NOT_FOUND,
            "this resolver serves did:fabric:"
                + ledger.network()
                + ", not network "
                + parsed.network());
      }
      VerifiedDidLog log = verifiedCurrentLog(id);
      Optional<VersionRecord> record;
      if (options.versionId().isPresent()) {
        record = log.byVersionId(options.versionId().get());
      } else if (options.versionTime().isPresent()) {
        record = log.asOf(options.versionTime().get());
      } else {
        record = Optional.of(log.current());
      }
      if (record.isEmpty()) {
        return DidResolutionResult.error(
            ResolutionError.NOT_FOUND, ReasonCode.VERSION_NOT_FOUND.code());
      }
      return VerifiedLogResolution.of(log, record.get());
    } catch (RejectedException e) {
      return rejected(e);
    } catch (InvalidDidDocumentException e) {
      return DidResolutionResult.error(ResolutionError.INVALID_DID_DOCUMENT, e.getMessage());
    } catch (RuntimeException e) {
      return DidResolutionResult.error(
          ResolutionError.INTERNAL_ERROR, "did:fabric ledger unavailable");
    }
  }

  /** The log, verified, and proven current by an endorsed read for a fresh nonce. */
  public VerifiedDidLog verifiedCurrentLog(String did) throws RejectedException {
    RejectedException last = null;
    for (int attempt = 0; attempt < FRESHNESS_ATTEMPTS; attempt++) {
      VerifiedDidLog log = OperationLogVerifier.verify(did, ledger.exportLog(did));
      byte[] nonceBytes = new byte[16];
      random.nextBytes(nonceBytes);
      String nonce = Encoding.b64url(nonceBytes);
      EndorsedHead head =
          endorsements.verify(did, nonce, ledger.endorsedHead(did, nonce), clock.instant());
      try {
        return head.requireCurrent(log);
      } catch (RejectedException e) {
        // A write may have committed between the two reads; a lying host fails every attempt.
        last = e;
      }
    }
    throw last;
  }

  private static DidResolutionResult rejected(RejectedException e) {
    ResolutionError error;
    switch (e.reason()) {
      case MALFORMED_DID:
        error = ResolutionError.INVALID_DID;
        break;
      case DID_NOT_FOUND:
      case VERSION_NOT_FOUND:
      case WRONG_NETWORK:
        error = ResolutionError.NOT_FOUND;
        break;
      default:
        error = ResolutionError.INVALID_DID_DOCUMENT;
    }
    DidResolutionResult r = DidResolutionResult.error(error, e.getMessage());
    return new DidResolutionResult(
        r.didDocument(),
        r.didResolutionMetadata().with("reasonCode", e.reason().code()),
        r.didDocumentMetadata());
  }
}
