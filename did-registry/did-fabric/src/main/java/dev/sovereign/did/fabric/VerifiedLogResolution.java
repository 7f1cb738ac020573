package dev.sovereign.did.fabric;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.DidDocument;
import dev.sovereign.did.DidDocumentMetadata;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.VerifiedDidLog;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.util.Map;

/**
 * The DID Resolution result for one version of a verified did:fabric log (method spec, "resolution
 * results"): shared by the host-side resolver and the enclave, which resolves only from evidence it
 * verified itself. Enclave-safe: did-core and did-fabric-core only.
 */
public final class VerifiedLogResolution {
  private VerifiedLogResolution() {}

  /**
   * The document of {@code record} with its metadata: {@code created} (the first version's time),
   * {@code updated} (from the second version on), {@code versionId}, {@code nextVersionId}, {@code
   * deactivated}.
   *
   * @throws dev.sovereign.did.InvalidDidDocumentException the stored document is not a valid DID
   *     document
   */
  public static DidResolutionResult of(VerifiedDidLog log, VersionRecord record) {
    ObjectNode json = log.document(record);
    @SuppressWarnings("unchecked")
    Map<String, Object> map = Jcs.mapper().convertValue(json, Map.class);
    DidDocument document = DidDocument.fromJson(map);
    DidDocumentMetadata.Builder meta =
        DidDocumentMetadata.builder()
            .created(log.records().get(0).versionTime())
            .deactivated(record.deactivates())
            .versionId(record.versionId())
            .extra("versionSequence", record.sequence());
    if (record.sequence() > 1) {
      meta.updated(record.versionTime());
    }
    log.next(record).ifPresent(n -> meta.nextVersionId(n.versionId()));
    return DidResolutionResult.of(document, meta.build());
  }
}
