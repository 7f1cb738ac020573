package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * One immutable version snapshot (method spec section 7): the applied operation's members plus
 * {@code sequence} (1-based), {@code versionTime} (the ledger transaction timestamp, RFC 3339 UTC),
 * {@code txId}, and {@code versionId} = base64url(SHA-256(JCS(record without versionId))). Each
 * record's prevVersionId is its predecessor's versionId, so the records form a hash chain.
 */
public final class VersionRecord {
  private static final Set<String> MEMBERS =
      new HashSet<>(
          Arrays.asList(
              "did",
              "op",
              "document",
              "docHash",
              "prevVersionId",
              "proof",
              "sequence",
              "versionTime",
              "txId",
              "versionId"));

  private final Operation operation;
  private final long sequence;
  private final Instant versionTime;
  private final String txId;
  private final String versionId;

  private VersionRecord(
      Operation operation, long sequence, Instant versionTime, String txId, String versionId) {
    this.operation = operation;
    this.sequence = sequence;
    this.versionTime = versionTime;
    this.txId = txId;
    this.versionId = versionId;
  }

  /** A new record for an operation the contract has accepted; computes its versionId. */
  static VersionRecord seal(Operation operation, long sequence, Instant versionTime, String txId) {
    ObjectNode body = body(operation, sequence, versionTime, txId);
    return new VersionRecord(operation, sequence, versionTime, txId, Jcs.hash(body));
  }

  /**
   * As {@link #seal}, for the contract writing a new version: the record's JCS bytes are the
   * operation's JCS bytes (kept by the operation) with {@code sequence}, {@code txId}, {@code
   * versionId} and {@code versionTime} appended, because RFC 8785 orders every operation member
   * ({@code did} ... {@code proof}) before them. {@link #parse} recomputes versionId from the whole
   * record, so a log written this way is checked against the plain canonicalization.
   */
  static VersionRecord sealNew(
      Operation operation, long sequence, Instant versionTime, String txId) {
    byte[] op = operation.toBytes();
    ObjectNode tail = JsonNodeFactory.instance.objectNode();
    tail.put("sequence", sequence);
    tail.put("txId", txId);
    tail.put("versionTime", versionTime.toString());
    String versionId = Encoding.b64url(Encoding.sha256(append(op, Jcs.canonicalize(tail))));
    tail.put("versionId", versionId);
    VersionRecord record = new VersionRecord(operation, sequence, versionTime, txId, versionId);
    record.canonical = append(op, Jcs.canonicalize(tail));
    return record;
  }

  /** JCS object {@code a} with the members of JCS object {@code b} (all ordered after a's). */
  private static byte[] append(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length - 1];
    System.arraycopy(a, 0, out, 0, a.length - 1);
    out[a.length - 1] = ',';
    System.arraycopy(b, 1, out, a.length, b.length - 1);
    return out;
  }

  private volatile byte[] canonical;

  private static ObjectNode body(
      Operation operation, long sequence, Instant versionTime, String txId) {
    ObjectNode n = operation.toJson();
    n.put("sequence", sequence);
    n.put("versionTime", versionTime.toString());
    n.put("txId", txId);
    return n;
  }

  /**
   * Parses a record and recomputes its versionId. A record whose stated versionId differs is
   * rejected with LOG_VERSION_ID_MISMATCH; shape errors with LOG_MALFORMED. Signatures are not
   * checked here (see {@link OperationLogVerifier}).
   */
  public static VersionRecord parse(JsonNode node) throws RejectedException {
    if (node == null || !node.isObject()) {
      throw new RejectedException(ReasonCode.LOG_MALFORMED, null, "record must be an object");
    }
    String did = node.path("did").asText(null);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!MEMBERS.contains(name)) {
        throw new RejectedException(ReasonCode.LOG_MALFORMED, did, "unknown record member " + name);
      }
    }
    ObjectNode op = ((ObjectNode) node).deepCopy();
    op.remove(Arrays.asList("sequence", "versionTime", "txId", "versionId"));
    Operation operation;
    try {
      operation = Operation.fromJson(op);
    } catch (RejectedException e) {
      throw new RejectedException(
          ReasonCode.LOG_MALFORMED, did, "record operation: " + e.getMessage());
    }
    if (!node.path("sequence").canConvertToLong()
        || !node.path("sequence").isIntegralNumber()
        || node.path("sequence").longValue() < 1
        || !node.path("versionTime").isTextual()
        || !node.path("txId").isTextual()
        || !node.path("versionId").isTextual()) {
      throw new RejectedException(
          ReasonCode.LOG_MALFORMED, did, "sequence, versionTime, txId, versionId");
    }
    Instant time;
    try {
      time = Instant.parse(node.get("versionTime").textValue());
    } catch (DateTimeParseException e) {
      throw new RejectedException(ReasonCode.LOG_MALFORMED, did, "versionTime is not RFC 3339 UTC");
    }
    if (!time.toString().equals(node.get("versionTime").textValue())) {
      throw new RejectedException(
          ReasonCode.LOG_MALFORMED, did, "versionTime is not in canonical form");
    }
    VersionRecord record =
        seal(operation, node.get("sequence").longValue(), time, node.get("txId").textValue());
    if (!record.versionId.equals(node.get("versionId").textValue())) {
      throw new RejectedException(
          ReasonCode.LOG_VERSION_ID_MISMATCH,
          did,
          "record " + record.sequence + " does not hash to its versionId");
    }
    return record;
  }

  public static VersionRecord parse(byte[] json) throws RejectedException {
    try {
      return parse(Jcs.parseObject(json));
    } catch (IllegalArgumentException e) {
      throw new RejectedException(ReasonCode.LOG_MALFORMED, null, e.getMessage());
    }
  }

  public ObjectNode toJson() {
    ObjectNode n = body(operation, sequence, versionTime, txId);
    n.put("versionId", versionId);
    return n;
  }

  public byte[] toBytes() {
    byte[] bytes = canonical;
    if (bytes == null) {
      bytes = Jcs.canonicalize(toJson());
      canonical = bytes;
    }
    return bytes.clone();
  }

  public Operation operation() {
    return operation;
  }

  public String did() {
    return operation.did();
  }

  public long sequence() {
    return sequence;
  }

  public Instant versionTime() {
    return versionTime;
  }

  public String txId() {
    return txId;
  }

  public String versionId() {
    return versionId;
  }

  public boolean deactivates() {
    return operation.type() == Operation.Type.DEACTIVATE;
  }
}
