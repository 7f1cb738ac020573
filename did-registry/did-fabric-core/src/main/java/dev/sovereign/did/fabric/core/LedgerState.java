package dev.sovereign.did.fabric.core;

import java.time.Instant;
import java.util.List;

/**
 * The slice of Fabric's {@code ChaincodeStub} the did:fabric contract uses, so the same contract
 * logic runs in the chaincode, on the embedded SQLite ledger and on an in-memory stub. One instance
 * is one transaction: writes become visible only when the owner commits the transaction.
 */
public interface LedgerState {
  /** The committed value of {@code key}, or null. */
  byte[] get(String key);

  void put(String key, byte[] value);

  /**
   * Values of all keys built by {@link #compositeKey} with this type and attribute prefix, in key
   * order.
   */
  List<byte[]> getByPartialCompositeKey(String objectType, String... attributes);

  /** The transaction id. */
  String txId();

  /** The transaction timestamp (for Fabric, the proposal's channel header timestamp). */
  Instant txTimestamp();

  /** Sets the transaction's one chaincode event. */
  void setEvent(String name, byte[] payload);

  /**
   * Requires endorsement of writes to {@code key} by these organisations (state-based endorsement).
   */
  void setKeyEndorsementOrgs(String key, List<String> mspIds);

  /** Fabric's composite key format: U+0000 type U+0000 (attribute U+0000)*. */
  static String compositeKey(String objectType, String... attributes) {
    StringBuilder key = new StringBuilder().append('\u0000').append(objectType).append('\u0000');
    for (String attribute : attributes) {
      if (attribute.indexOf('\u0000') >= 0) {
        throw new IllegalArgumentException("composite key attribute contains U+0000");
      }
      key.append(attribute).append('\u0000');
    }
    return key.toString();
  }
}
