package dev.sovereign.enclave.pipeline;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.InvalidDidDocumentException;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.fabric.VerifiedLogResolution;
import dev.sovereign.did.fabric.core.VerifiedDidLog;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.util.Optional;

/**
 * Resolves {@code did:fabric} inside the enclave from {@link FabricEvidence} only: the verified
 * operation log the host supplied (method spec sections 11.1, 12). {@code versionId} and {@code
 * versionTime} select a verified record; without verified, unexpired evidence the answer is {@code
 * notFound}, never a document the host made up.
 */
public final class EvidenceFabricResolver implements DidMethodResolver {
  private final FabricEvidence evidence;

  public EvidenceFabricResolver(FabricEvidence evidence) {
    this.evidence = evidence;
  }

  @Override
  public String method() {
    return "fabric";
  }

  @Override
  public DidResolutionResult resolve(Did did, ResolutionOptions options) {
    FabricEvidence.Lookup found = evidence.lookup(did.toString());
    if (found instanceof FabricEvidence.Invalid i) {
      return DidResolutionResult.error(
          ResolutionError.INVALID_DID_DOCUMENT, "did:fabric evidence " + i.reason().code());
    }
    if (!(found instanceof FabricEvidence.Verified v)) {
      if (evidence.verifiable(did.toString())) {
        MissingEvidence.did(did.toString());
      }
      return DidResolutionResult.error(
          ResolutionError.NOT_FOUND, ((FabricEvidence.Missing) found).why());
    }
    VerifiedDidLog log = v.log();
    Optional<VersionRecord> record;
    if (options.versionId().isPresent()) {
      record = log.byVersionId(options.versionId().get());
    } else if (options.versionTime().isPresent()) {
      record = log.asOf(options.versionTime().get());
    } else {
      record = Optional.of(log.current());
    }
    if (record.isEmpty()) {
      return DidResolutionResult.error(ResolutionError.NOT_FOUND, "VERSION_NOT_FOUND");
    }
    try {
      return VerifiedLogResolution.of(log, record.get());
    } catch (InvalidDidDocumentException e) {
      return DidResolutionResult.error(ResolutionError.INVALID_DID_DOCUMENT, e.getMessage());
    }
  }
}
