package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * What the enclave checks for a did:fabric DID (method spec section 11.1): the operation log and an
 * endorsed read of the current version for the enclave's own nonce, carried by the untrusted host
 * as one evidence object {@code {"did", "log": <did-fabric-log/1>, "endorsedRead":
 * <did-fabric-endorsed-read/1>}} (JSON). Verification needs no ledger access.
 */
public final class FabricDidEvidence {
  /** Largest evidence object accepted, in bytes (log limit plus room for endorsements). */
  public static final int MAX_BYTES = OperationLogVerifier.MAX_LOG_BYTES + 64 * 1024;

  private FabricDidEvidence() {}

  /** Bundles a ledger's answers for {@code did} and {@code nonce} (host side). */
  public static byte[] bundle(DidFabricLedger ledger, String did, String nonce)
      throws RejectedException {
    ObjectNode n = Jcs.mapper().createObjectNode();
    n.put("did", did);
    n.set("log", Jcs.parseObject(ledger.exportLog(did)));
    n.set("endorsedRead", Jcs.parseObject(ledger.endorsedHead(did, nonce)));
    return Jcs.canonicalize(n);
  }

  /**
   * Verifies evidence for the DID and nonce the caller chose: the log (section 10), the endorsed
   * read against the pinned CAs in {@code endorsements} (section 11), and that the log ends at the
   * endorsed current version. Returns the verified history, from which versionId/versionTime
   * resolve.
   */
  public static VerifiedDidLog verify(
      String did, String nonce, byte[] evidence, EndorsementVerifier endorsements, Instant now)
      throws RejectedException {
    if (evidence.length > MAX_BYTES) {
      throw new RejectedException(
          ReasonCode.LOG_MALFORMED, did, "evidence larger than " + MAX_BYTES + " bytes");
    }
    ObjectNode n;
    try {
      n = Jcs.parseObject(evidence);
    } catch (IllegalArgumentException e) {
      throw new RejectedException(ReasonCode.LOG_MALFORMED, did, "evidence is not strict JSON");
    }
    if (!did.equals(n.path("did").asText(null))
        || !n.path("log").isObject()
        || !n.path("endorsedRead").isObject()
        || n.size() != 3) {
      throw new RejectedException(
          ReasonCode.LOG_MALFORMED, did, "expected {did, log, endorsedRead} for " + did);
    }
    VerifiedDidLog log = OperationLogVerifier.verify(did, Jcs.canonicalize(n.get("log")));
    EndorsedHead head =
        endorsements.verify(did, nonce, Jcs.canonicalize(n.get("endorsedRead")), now);
    return head.requireCurrent(log);
  }
}
