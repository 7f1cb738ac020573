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
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves {@code did:fabric} inside the enclave from {@link FabricEvidence} only: the verified
 * operation log the host supplied (method spec sections 11.1, 12). {@code versionId} and {@code
 * versionTime} select a verified record; without verified, unexpired evidence the answer is {@code
 * notFound}, never a document the host made up.
 *
 * <p>The evidence is looked up on every resolution (its age, a newer log, a failure); only the
 * document built from the selected record of the log held now is kept, by that log instance and
 * record, because building it validates every key in full (an Ed25519 point check per key) and
 * producers send a payload after payload under the same log. Any newly supplied log is another
 * instance, so a rotation, a deactivation or a re-supply is resolved afresh.
 */
public final class EvidenceFabricResolver implements DidMethodResolver {
  /** Documents kept at once; beyond this they are all dropped and built again as asked. */
  static final int MAX_KEPT = 4096;

  private final FabricEvidence evidence;

  private final ConcurrentHashMap<Kept, DidResolutionResult> kept = new ConcurrentHashMap<>();

  /**
   * One record of one verified log instance, compared by identity: equal only for the very objects
   * {@link FabricEvidence} holds, never for another log with the same DID or versionId.
   */
  private static final class Kept {
    private final VerifiedDidLog log;
    private final VersionRecord record;

    Kept(VerifiedDidLog log, VersionRecord record) {
      this.log = log;
      this.record = record;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Kept k && k.log == log && k.record == record;
    }

    @Override
    public int hashCode() {
      return 31 * System.identityHashCode(log) + System.identityHashCode(record);
    }
  }

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
    Kept key = new Kept(log, record.get());
    DidResolutionResult r = kept.get(key);
    if (r != null) {
      return r;
    }
    try {
      r = VerifiedLogResolution.of(log, record.get());
    } catch (InvalidDidDocumentException e) {
      return DidResolutionResult.error(ResolutionError.INVALID_DID_DOCUMENT, e.getMessage());
    }
    if (kept.size() >= MAX_KEPT) {
      kept.clear();
    }
    kept.put(key, r);
    return r;
  }

  /** Documents kept now (tests). */
  int keptCount() {
    return kept.size();
  }
}
