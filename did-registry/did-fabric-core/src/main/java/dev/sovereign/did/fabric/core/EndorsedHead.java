package dev.sovereign.did.fabric.core;

import java.time.Instant;
import java.util.Collections;
import java.util.List;

/**
 * A freshness statement whose endorsements verified against pinned organisation CAs (method spec
 * section 11): the ledger's current version of a DID, answered for one caller nonce.
 */
public final class EndorsedHead {
  private final String did;
  private final long sequence;
  private final String versionId;
  private final Instant versionTime;
  private final boolean deactivated;
  private final String nonce;
  private final List<String> endorsingOrgs;

  EndorsedHead(
      String did,
      long sequence,
      String versionId,
      Instant versionTime,
      boolean deactivated,
      String nonce,
      List<String> endorsingOrgs) {
    this.did = did;
    this.sequence = sequence;
    this.versionId = versionId;
    this.versionTime = versionTime;
    this.deactivated = deactivated;
    this.nonce = nonce;
    this.endorsingOrgs = Collections.unmodifiableList(endorsingOrgs);
  }

  public String did() {
    return did;
  }

  public long sequence() {
    return sequence;
  }

  public String versionId() {
    return versionId;
  }

  public Instant versionTime() {
    return versionTime;
  }

  public boolean deactivated() {
    return deactivated;
  }

  public String nonce() {
    return nonce;
  }

  /** MSP ids whose endorsements verified. */
  public List<String> endorsingOrgs() {
    return endorsingOrgs;
  }

  /**
   * Returns {@code log} if its last version is this endorsed current version; otherwise the host
   * hid a newer version (rotation, deactivation) or truncated the log: LOG_NOT_FRESH.
   */
  public VerifiedDidLog requireCurrent(VerifiedDidLog log) throws RejectedException {
    VersionRecord last = log.current();
    if (!log.did().equals(did)
        || last.sequence() != sequence
        || !last.versionId().equals(versionId)
        || last.deactivates() != deactivated) {
      throw new RejectedException(
          ReasonCode.LOG_NOT_FRESH,
          did,
          "log ends at version "
              + last.sequence()
              + " but the endorsed current version is "
              + sequence);
    }
    return log;
  }
}
