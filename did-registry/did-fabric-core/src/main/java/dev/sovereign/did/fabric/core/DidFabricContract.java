package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The did:fabric contract logic (method spec section 8), over a {@link LedgerState}. The Fabric
 * chaincode and the embedded ledger both call this class; neither adds rules of its own.
 *
 * <p>State per DID: the head key {@code \0did\0<did>\0} (read and written by every write on that
 * DID, so unrelated DIDs never conflict), one immutable record per version under {@code
 * \0didver\0<did>\0<sequence, 10 digits>\0} and an index {@code \0didvid\0<did>\0<versionId>\0}.
 */
public final class DidFabricContract {
  /** Name of the one chaincode event each write emits. */
  public static final String EVENT_NAME = "did.fabric.version";

  /** The {@code format} member of an exported operation log. */
  public static final String LOG_FORMAT = "did-fabric-log/1";

  private final String network;
  private final SignatureVerifier verifier;

  /** A contract for the DIDs of {@code network} (for Fabric, the channel's network name). */
  public DidFabricContract(String network) {
    this(network, SignatureVerifier.BOUNCY_CASTLE);
  }

  /** As {@link #DidFabricContract(String)}, controller signatures checked by {@code verifier}. */
  public DidFabricContract(String network, SignatureVerifier verifier) {
    if (!network.matches("[a-z][a-z0-9-]{0,31}")) {
      throw new IllegalArgumentException("network name must match [a-z][a-z0-9-]{0,31}");
    }
    this.network = network;
    this.verifier = java.util.Objects.requireNonNull(verifier);
  }

  public String network() {
    return network;
  }

  /** The signature verifier this contract's byte-level {@code submit} uses. */
  public SignatureVerifier verifier() {
    return verifier;
  }

  /** Applies a create, update or deactivate of the given type; returns the new version record. */
  public VersionRecord submit(
      LedgerState state, Operation.Type expected, byte[] operationJson, List<String> endorsingOrgs)
      throws RejectedException {
    return submit(state, expected, Operation.parse(operationJson), endorsingOrgs, verifier);
  }

  /**
   * As {@link #submit(LedgerState, Operation.Type, byte[], List)} for an operation already parsed
   * from its wire bytes, its signature checked by {@code signatures} (which must give this
   * contract's verifier's verdicts; the embedded ledger passes one that knows which exact
   * signatures its submitters' threads have already checked with it).
   */
  public VersionRecord submit(
      LedgerState state,
      Operation.Type expected,
      Operation op,
      List<String> endorsingOrgs,
      SignatureVerifier signatures)
      throws RejectedException {
    if (op.type() != expected) {
      throw new RejectedException(
          ReasonCode.OPERATION_TYPE_MISMATCH,
          op.did(),
          "transaction " + expected.wire() + " carries a " + op.type().wire() + " operation");
    }
    String did = checkNetwork(op.did());
    String headKey = headKey(did);
    Head head = Head.parse(state.get(headKey));
    Instant time = state.txTimestamp();
    VersionRecord record;
    if (head == null) {
      Transition.check(null, null, op, time, signatures);
      record = VersionRecord.sealNew(op, 1, time, state.txId());
    } else {
      VersionRecord current = version(state, did, head.sequence);
      if (op.type() == Operation.Type.CREATE) {
        VersionRecord first = version(state, did, 1);
        throw new RejectedException(
            first.operation().sameSignedContent(op)
                ? ReasonCode.REPLAYED_OPERATION
                : ReasonCode.DID_ALREADY_EXISTS,
            did,
            "create on an existing DID");
      }
      if (head.deactivated) {
        throw new RejectedException(
            ReasonCode.DEACTIVATED, did, "deactivated at version " + head.sequence);
      }
      if (!head.versionId.equals(op.prevVersionId())) {
        throw staleOrReplay(state, did, op);
      }
      Transition.check(current, Transition.keysOf(current), op, time, signatures);
      record = VersionRecord.sealNew(op, head.sequence + 1, time, state.txId());
    }
    state.put(versionKey(did, record.sequence()), record.toBytes());
    state.put(
        LedgerState.compositeKey("didvid", did, record.versionId()),
        Encoding.utf8(Long.toString(record.sequence())));
    state.put(
        headKey,
        new Head(
                did,
                record.sequence(),
                record.versionId(),
                record.versionTime(),
                record.deactivates())
            .toBytes());
    if (head == null && endorsingOrgs != null && !endorsingOrgs.isEmpty()) {
      state.setKeyEndorsementOrgs(headKey, endorsingOrgs);
    }
    ObjectNode event = JsonNodeFactory.instance.objectNode();
    event.put("did", did);
    event.put("op", op.type().wire());
    event.put("sequence", record.sequence());
    event.put("versionId", record.versionId());
    event.put("txId", record.txId());
    state.setEvent(EVENT_NAME, Jcs.canonicalize(event));
    return record;
  }

  private RejectedException staleOrReplay(LedgerState state, String did, Operation op) {
    byte[] seq = state.get(LedgerState.compositeKey("didvid", did, op.prevVersionId()));
    if (seq != null) {
      long applied = Long.parseLong(new String(seq, java.nio.charset.StandardCharsets.UTF_8)) + 1;
      try {
        if (version(state, did, applied).operation().sameSignedContent(op)) {
          return new RejectedException(
              ReasonCode.REPLAYED_OPERATION, did, "already applied as version " + applied);
        }
      } catch (RejectedException e) {
        return e;
      }
    }
    return new RejectedException(
        ReasonCode.STALE_PREV_VERSION,
        did,
        "prevVersionId " + op.prevVersionId() + " is not the current version");
  }

  /** The current version record. */
  public VersionRecord read(LedgerState state, String did) throws RejectedException {
    Head head = requireHead(state, did);
    return version(state, did, head.sequence);
  }

  /** The version record with {@code versionId}. */
  public VersionRecord readVersion(LedgerState state, String did, String versionId)
      throws RejectedException {
    requireHead(state, did);
    byte[] seq = state.get(LedgerState.compositeKey("didvid", did, versionId));
    if (seq == null) {
      throw new RejectedException(ReasonCode.VERSION_NOT_FOUND, did, "no version " + versionId);
    }
    return version(
        state, did, Long.parseLong(new String(seq, java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** Every version record in order. */
  public List<VersionRecord> history(LedgerState state, String did) throws RejectedException {
    requireHead(state, did);
    List<VersionRecord> out = new ArrayList<>();
    for (byte[] bytes : state.getByPartialCompositeKey("didver", did)) {
      out.add(VersionRecord.parse(bytes));
    }
    return out;
  }

  /** The self-verifying operation log export (method spec section 10). */
  public byte[] exportLog(LedgerState state, String did) throws RejectedException {
    ObjectNode log = JsonNodeFactory.instance.objectNode();
    log.put("format", LOG_FORMAT);
    log.put("did", did);
    ArrayNode versions = log.putArray("versions");
    for (VersionRecord record : history(state, did)) {
      versions.add(record.toJson());
    }
    return Jcs.canonicalize(log);
  }

  /**
   * The freshness statement (method spec section 11): JCS of {@code {did, sequence, versionId,
   * versionTime, deactivated, nonce}} for the current version. Endorsers sign these bytes.
   */
  public byte[] head(LedgerState state, String did, String nonce) throws RejectedException {
    Head head = requireHead(state, did);
    return head.statement(nonce);
  }

  private Head requireHead(LedgerState state, String did) throws RejectedException {
    checkNetwork(did);
    Head head = Head.parse(state.get(headKey(did)));
    if (head == null) {
      throw new RejectedException(ReasonCode.DID_NOT_FOUND, did, null);
    }
    return head;
  }

  private String checkNetwork(String did) throws RejectedException {
    FabricDid parsed = FabricDid.parse(did);
    if (!parsed.network().equals(network)) {
      throw new RejectedException(
          ReasonCode.WRONG_NETWORK, did, "this ledger serves did:fabric:" + network);
    }
    return did;
  }

  private static VersionRecord version(LedgerState state, String did, long sequence)
      throws RejectedException {
    byte[] bytes = state.get(versionKey(did, sequence));
    if (bytes == null) {
      throw new IllegalStateException("ledger state is missing version " + sequence + " of " + did);
    }
    return VersionRecord.parse(bytes);
  }

  static String headKey(String did) {
    return LedgerState.compositeKey("did", did);
  }

  static String versionKey(String did, long sequence) {
    String digits = Long.toString(sequence);
    return LedgerState.compositeKey(
        "didver",
        did,
        digits.length() >= 10 ? digits : "0000000000".substring(digits.length()) + digits);
  }

  /** The head pointer stored under a DID's one key. */
  static final class Head {
    final String did;
    final long sequence;
    final String versionId;
    final Instant versionTime;
    final boolean deactivated;

    Head(String did, long sequence, String versionId, Instant versionTime, boolean deactivated) {
      this.did = did;
      this.sequence = sequence;
      this.versionId = versionId;
      this.versionTime = versionTime;
      this.deactivated = deactivated;
    }

    static Head parse(byte[] bytes) {
      if (bytes == null) {
        return null;
      }
      ObjectNode n = Jcs.parseObject(bytes);
      return new Head(
          n.get("did").textValue(),
          n.get("sequence").longValue(),
          n.get("versionId").textValue(),
          Instant.parse(n.get("versionTime").textValue()),
          n.get("deactivated").booleanValue());
    }

    ObjectNode json() {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("did", did);
      n.put("sequence", sequence);
      n.put("versionId", versionId);
      n.put("versionTime", versionTime.toString());
      n.put("deactivated", deactivated);
      return n;
    }

    byte[] toBytes() {
      return Jcs.canonicalize(json());
    }

    byte[] statement(String nonce) {
      ObjectNode n = json();
      n.put("nonce", nonce);
      return Jcs.canonicalize(n);
    }
  }
}
