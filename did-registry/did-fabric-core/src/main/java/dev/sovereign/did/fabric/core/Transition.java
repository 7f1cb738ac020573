package dev.sovereign.did.fabric.core;

import java.time.Instant;
import java.util.Map;

/**
 * The one rule for appending an operation to a DID's history (method spec section 8), shared by the
 * contract (before it writes) and the log verifier (for every record), so both agree exactly.
 */
public final class Transition {
  private Transition() {}

  /**
   * Checks that {@code op}, at {@code time}, may follow {@code previous} (null: the DID does not
   * exist yet). Does not check prevVersionId linkage (the caller's job: it distinguishes replay,
   * stale and broken chain). Returns the controller keys of the resulting version.
   */
  public static Map<String, Multikey> check(
      VersionRecord previous, Map<String, Multikey> previousKeys, Operation op, Instant time)
      throws RejectedException {
    return check(previous, previousKeys, op, time, SignatureVerifier.BOUNCY_CASTLE);
  }

  /** As {@link #check(VersionRecord, Map, Operation, Instant)}, signatures checked by {@code v}. */
  public static Map<String, Multikey> check(
      VersionRecord previous,
      Map<String, Multikey> previousKeys,
      Operation op,
      Instant time,
      SignatureVerifier v)
      throws RejectedException {
    String did = op.did();
    if (previous == null) {
      if (op.type() != Operation.Type.CREATE) {
        throw new RejectedException(
            ReasonCode.DID_NOT_FOUND, did, "first operation must be create");
      }
      Map<String, Multikey> keys = documentKeys(op);
      Multikey key = op.verifySignature(keys, v);
      FabricDid parsed = FabricDid.parse(did);
      if (!FabricDid.derive(parsed.network(), key.multibase()).equals(parsed)) {
        throw new RejectedException(
            ReasonCode.ID_NOT_DERIVED_FROM_KEY,
            did,
            "id is not derived from the create-signing key " + op.verificationMethod());
      }
      return keys;
    }
    if (previous.deactivates()) {
      throw new RejectedException(
          ReasonCode.DEACTIVATED, did, "deactivated at version " + previous.sequence());
    }
    if (op.type() == Operation.Type.CREATE) {
      throw new RejectedException(ReasonCode.DID_ALREADY_EXISTS, did, "create on an existing DID");
    }
    if (time.isBefore(previous.versionTime())) {
      throw new RejectedException(
          ReasonCode.VERSION_TIME_REGRESSION,
          did,
          time + " is before the current versionTime " + previous.versionTime());
    }
    Map<String, Multikey> next =
        op.type() == Operation.Type.UPDATE ? documentKeys(op) : previousKeys;
    op.verifySignature(previousKeys, v);
    return next;
  }

  /** The controller keys of a record's own document (for deactivate: none, it is terminal). */
  public static Map<String, Multikey> keysOf(VersionRecord record) throws RejectedException {
    return record.deactivates()
        ? Map.of()
        : DocumentRules.controllerKeys(record.did(), record.operation().document());
  }

  private static Map<String, Multikey> documentKeys(Operation op) throws RejectedException {
    return op.documentKeys();
  }
}
