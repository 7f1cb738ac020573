package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A did:fabric operation log whose every record was checked by {@link OperationLogVerifier}: hash
 * chain, sequence, signature by the previous version's capabilityInvocation keys, terminal
 * deactivation. Lookups by versionId or versionTime answer from verified records only.
 */
public final class VerifiedDidLog {
  private final String did;
  private final List<VersionRecord> records;
  private final List<Map<String, Multikey>> keys;

  VerifiedDidLog(String did, List<VersionRecord> records, List<Map<String, Multikey>> keys) {
    this.did = did;
    this.records = Collections.unmodifiableList(records);
    this.keys = Collections.unmodifiableList(keys);
  }

  public String did() {
    return did;
  }

  /** Every verified record, oldest first. */
  public List<VersionRecord> records() {
    return records;
  }

  public VersionRecord current() {
    return records.get(records.size() - 1);
  }

  public boolean deactivated() {
    return current().deactivates();
  }

  public Optional<VersionRecord> byVersionId(String versionId) {
    for (VersionRecord r : records) {
      if (r.versionId().equals(versionId)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** The version in force at {@code time}: the last one with versionTime at or before it. */
  public Optional<VersionRecord> asOf(Instant time) {
    VersionRecord found = null;
    for (VersionRecord r : records) {
      if (!r.versionTime().isAfter(time)) {
        found = r;
      }
    }
    return Optional.ofNullable(found);
  }

  /** The record after {@code record}, if any (DID Resolution's nextVersionId). */
  public Optional<VersionRecord> next(VersionRecord record) {
    int i = (int) record.sequence();
    return i < records.size() ? Optional.of(records.get(i)) : Optional.empty();
  }

  /**
   * The DID document in force at {@code record}: its own document, or for a deactivate record the
   * last document before it (reported together with deactivated = true).
   */
  public ObjectNode document(VersionRecord record) {
    for (int i = (int) record.sequence() - 1; i >= 0; i--) {
      ObjectNode doc = records.get(i).operation().document();
      if (doc != null) {
        return doc;
      }
    }
    throw new IllegalStateException("a verified log starts with a create");
  }

  /** The capabilityInvocation keys in force at {@code record} (none once deactivated). */
  public Map<String, Multikey> controllerKeys(VersionRecord record) {
    return keys.get((int) record.sequence() - 1);
  }
}
