package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Verifies an exported did:fabric operation log (method spec section 10) given only the DID the
 * caller asked about: nothing in the log selects its own keys or trust. Enclave-safe.
 */
public final class OperationLogVerifier {
  /** Largest log accepted, in bytes; checked before parsing. */
  public static final int MAX_LOG_BYTES = 4 * 1024 * 1024;

  private OperationLogVerifier() {}

  public static VerifiedDidLog verify(String did, byte[] log) throws RejectedException {
    FabricDid.parse(did);
    if (log.length > MAX_LOG_BYTES) {
      throw new RejectedException(
          ReasonCode.LOG_MALFORMED, did, "log larger than " + MAX_LOG_BYTES + " bytes");
    }
    ObjectNode root;
    try {
      root = Jcs.parseObject(log);
    } catch (IllegalArgumentException e) {
      throw new RejectedException(ReasonCode.LOG_MALFORMED, did, e.getMessage());
    }
    if (!DidFabricContract.LOG_FORMAT.equals(root.path("format").asText(null))
        || root.size() != 3
        || !root.path("versions").isArray()
        || root.path("versions").size() == 0) {
      throw new RejectedException(
          ReasonCode.LOG_MALFORMED, did, "expected {format, did, versions[1..]}");
    }
    if (!did.equals(root.path("did").asText(null))) {
      throw new RejectedException(
          ReasonCode.LOG_DID_MISMATCH, did, "log is for " + root.path("did").asText());
    }
    List<VersionRecord> records = new ArrayList<>();
    List<Map<String, Multikey>> keys = new ArrayList<>();
    VersionRecord previous = null;
    for (JsonNode node : root.get("versions")) {
      VersionRecord record = VersionRecord.parse(node);
      if (!record.did().equals(did)) {
        throw new RejectedException(ReasonCode.LOG_DID_MISMATCH, did, "record for " + record.did());
      }
      if (previous != null && previous.deactivates()) {
        throw new RejectedException(
            ReasonCode.LOG_AFTER_DEACTIVATION,
            did,
            "record " + record.sequence() + " follows the deactivation");
      }
      long expectedSequence = previous == null ? 1 : previous.sequence() + 1;
      String expectedPrev = previous == null ? null : previous.versionId();
      String prev = record.operation().prevVersionId();
      if (record.sequence() != expectedSequence
          || (expectedPrev == null ? prev != null : !expectedPrev.equals(prev))) {
        throw new RejectedException(
            ReasonCode.LOG_BROKEN_CHAIN,
            did,
            "record "
                + record.sequence()
                + " does not follow "
                + (previous == null ? "the start" : previous.versionId()));
      }
      Map<String, Multikey> next =
          Transition.check(
              previous,
              previous == null ? null : keys.get(keys.size() - 1),
              record.operation(),
              record.versionTime());
      records.add(record);
      keys.add(record.deactivates() ? Map.of() : next);
      previous = record;
    }
    return new VerifiedDidLog(did, records, keys);
  }
}
