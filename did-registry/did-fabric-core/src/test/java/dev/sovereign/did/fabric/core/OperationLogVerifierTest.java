package dev.sovereign.did.fabric.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Exported logs verify from the DID alone; every tampered region is rejected with its reason. */
class OperationLogVerifierTest {
  private final MemoryLedgerState ledger = new MemoryLedgerState();
  private final DidFabricContract contract = new DidFabricContract("testnet");
  private final SoftwareControllerKey first = SoftwareControllerKey.generate(Multikey.Type.ED25519);
  private final SoftwareControllerKey second = SoftwareControllerKey.generate(Multikey.Type.P256);
  private String did;
  private VersionRecord v1;
  private VersionRecord v2;
  private VersionRecord v3;

  private VersionRecord submit(Operation.Type type, Operation op, Instant at)
      throws RejectedException {
    MemoryLedgerState.Tx tx = ledger.begin(at);
    VersionRecord record = contract.submit(tx, type, op.toBytes(), List.of());
    tx.commit();
    return record;
  }

  /**
   * v1 create (key A) at 10:00; v2 rotates to key B at 11:00 (signed by A); v3 deactivates at 12:00
   * (signed by B).
   */
  @BeforeEach
  void history() throws Exception {
    Operation create = FabricDocuments.create("testnet", first);
    did = create.did();
    v1 = submit(Operation.Type.CREATE, create, Instant.parse("2026-03-01T10:00:00Z"));
    v2 =
        submit(
            Operation.Type.UPDATE,
            FabricDocuments.update(
                did,
                v1.versionId(),
                FabricDocuments.document(did, List.of(second.publicKey()), 1),
                did + "#key-1",
                first),
            Instant.parse("2026-03-01T11:00:00Z"));
    v3 =
        submit(
            Operation.Type.DEACTIVATE,
            FabricDocuments.deactivate(did, v2.versionId(), did + "#key-1", second),
            Instant.parse("2026-03-01T12:00:00Z"));
  }

  private byte[] log() throws RejectedException {
    return contract.exportLog(ledger.begin(), did);
  }

  private ReasonCode tampered(Consumer<ObjectNode> edit) throws RejectedException {
    ObjectNode log = Jcs.parseObject(log());
    edit.accept(log);
    return assertThrows(
            RejectedException.class, () -> OperationLogVerifier.verify(did, Jcs.canonicalize(log)))
        .reason();
  }

  private static ObjectNode record(ObjectNode log, int index) {
    return (ObjectNode) log.get("versions").get(index);
  }

  /** Re-seals a tampered record's versionId so only the deeper check can catch it. */
  private static void reseal(ObjectNode record) {
    ObjectNode body = record.deepCopy();
    body.remove("versionId");
    record.put("versionId", Jcs.hash(body));
  }

  @Test
  void exportedLogVerifiesFromTheDidAlone() throws Exception {
    VerifiedDidLog verified = OperationLogVerifier.verify(did, log());
    assertEquals(3, verified.records().size());
    assertEquals(v3.versionId(), verified.current().versionId());
    assertTrue(verified.deactivated());
    assertEquals(
        v1.versionId(),
        verified.asOf(Instant.parse("2026-03-01T10:30:00Z")).orElseThrow().versionId());
    assertEquals(v2.versionId(), verified.next(v1).orElseThrow().versionId());
  }

  @Test
  void signatureMadeBeforeRotationVerifiesAsOfThenAndFailsWithTheCurrentDocument()
      throws Exception {
    byte[] credential = Encoding.utf8("a credential signed at 10:30 with key A");
    byte[] signature = first.sign(credential);
    VerifiedDidLog verified = OperationLogVerifier.verify(did, log());

    VersionRecord asOf = verified.asOf(Instant.parse("2026-03-01T10:30:00Z")).orElseThrow();
    Multikey keyThen = verified.controllerKeys(asOf).get(did + "#key-1");
    assertTrue(keyThen.verifies(credential, signature));

    VersionRecord afterRotation =
        verified.asOf(Instant.parse("2026-03-01T11:30:00Z")).orElseThrow();
    Multikey keyNow = verified.controllerKeys(afterRotation).get(did + "#key-1");
    assertFalse(keyNow.verifies(credential, signature));
    assertTrue(
        verified.controllerKeys(verified.current()).isEmpty(), "a deactivated DID has no keys");
    assertTrue(
        verified.asOf(Instant.parse("2026-03-01T09:00:00Z")).isEmpty(), "nothing before creation");
  }

  @Test
  void tamperedDocumentIsRejected() throws Exception {
    assertEquals(
        ReasonCode.LOG_VERSION_ID_MISMATCH,
        tampered(log -> ((ObjectNode) record(log, 1).get("document")).put("service", "x")));
    assertEquals(
        ReasonCode.DOC_HASH_MISMATCH,
        tampered(
            log -> {
              ((ObjectNode) record(log, 1).get("document")).put("service", "x");
              reseal(record(log, 1));
              record(log, 2).put("prevVersionId", record(log, 1).get("versionId").textValue());
              reseal(record(log, 2));
            }));
  }

  @Test
  void tamperedSignatureIsRejected() throws Exception {
    assertEquals(
        ReasonCode.BAD_SIGNATURE,
        tampered(
            log -> {
              ObjectNode proof = (ObjectNode) record(log, 0).get("proof");
              byte[] sig = Encoding.fromB64url(proof.get("signatureValue").textValue());
              sig[10] ^= 1;
              proof.put("signatureValue", Encoding.b64url(sig));
              reseal(record(log, 0));
              record(log, 1).put("prevVersionId", record(log, 0).get("versionId").textValue());
              reseal(record(log, 1));
              record(log, 2).put("prevVersionId", record(log, 1).get("versionId").textValue());
              reseal(record(log, 2));
            }));
  }

  @Test
  void updateSignedByTheNewKeyInsteadOfThePreviousControllerIsRejected() throws Exception {
    // Forge a log whose second record is signed by the key it introduces, never by the controller.
    Operation selfSigned =
        FabricDocuments.update(
            did,
            v1.versionId(),
            FabricDocuments.document(did, List.of(second.publicKey()), 1),
            did + "#key-1",
            second);
    VersionRecord forged =
        VersionRecord.seal(selfSigned, 2, Instant.parse("2026-03-01T11:00:00Z"), "tx-forged");
    ObjectNode log = Jcs.parseObject(contract.exportLog(ledger.begin(), did));
    ArrayNode versions = (ArrayNode) log.get("versions");
    versions.remove(2);
    versions.set(1, forged.toJson());
    RejectedException e =
        assertThrows(
            RejectedException.class, () -> OperationLogVerifier.verify(did, Jcs.canonicalize(log)));
    assertEquals(ReasonCode.BAD_SIGNATURE, e.reason());
  }

  @Test
  void tamperedVersionTimeOrVersionIdIsRejected() throws Exception {
    assertEquals(
        ReasonCode.LOG_VERSION_ID_MISMATCH,
        tampered(log -> record(log, 1).put("versionTime", "2026-03-01T09:00:00Z")));
    assertEquals(
        ReasonCode.LOG_VERSION_ID_MISMATCH,
        tampered(log -> record(log, 2).put("versionId", v1.versionId())));
    assertEquals(
        ReasonCode.VERSION_TIME_REGRESSION,
        tampered(
            log -> {
              record(log, 1).put("versionTime", "2026-03-01T09:00:00Z");
              reseal(record(log, 1));
              record(log, 2).put("prevVersionId", record(log, 1).get("versionId").textValue());
              reseal(record(log, 2));
            }));
  }

  @Test
  void droppedReorderedOrForeignRecordsBreakTheChain() throws Exception {
    assertEquals(
        ReasonCode.LOG_BROKEN_CHAIN, tampered(log -> ((ArrayNode) log.get("versions")).remove(1)));
    assertEquals(
        ReasonCode.LOG_BROKEN_CHAIN,
        tampered(
            log -> {
              ArrayNode versions = (ArrayNode) log.get("versions");
              versions.insert(0, versions.remove(1));
            }));
    assertEquals(
        ReasonCode.LOG_BROKEN_CHAIN, tampered(log -> ((ArrayNode) log.get("versions")).remove(0)));
    assertEquals(
        ReasonCode.LOG_DID_MISMATCH,
        tampered(log -> log.put("did", "did:fabric:testnet:" + "a".repeat(32))));
    assertEquals(ReasonCode.LOG_MALFORMED, tampered(log -> log.put("format", "did-fabric-log/0")));
    assertEquals(ReasonCode.LOG_MALFORMED, tampered(log -> log.putArray("versions")));
    assertEquals(ReasonCode.LOG_MALFORMED, tampered(log -> record(log, 1).put("op", "rotate")));
    assertEquals(ReasonCode.LOG_MALFORMED, tampered(log -> record(log, 1).put("extra", "member")));
  }

  @Test
  void recordsAfterDeactivationAreRejected() throws Exception {
    Operation after =
        FabricDocuments.update(
            did,
            v3.versionId(),
            FabricDocuments.document(did, List.of(second.publicKey()), 1),
            did + "#key-1",
            second);
    VersionRecord extra =
        VersionRecord.seal(after, 4, Instant.parse("2026-03-01T13:00:00Z"), "tx-after");
    assertEquals(
        ReasonCode.LOG_AFTER_DEACTIVATION,
        tampered(log -> ((ArrayNode) log.get("versions")).add(extra.toJson())));
  }

  @Test
  void logIsCheckedAgainstTheDidTheCallerAskedFor() throws Exception {
    String other = FabricDocuments.create("testnet", second).did();
    RejectedException e =
        assertThrows(RejectedException.class, () -> OperationLogVerifier.verify(other, log()));
    assertEquals(ReasonCode.LOG_DID_MISMATCH, e.reason());
    RejectedException bad =
        assertThrows(
            RejectedException.class, () -> OperationLogVerifier.verify("did:fabric:x", log()));
    assertEquals(ReasonCode.MALFORMED_DID, bad.reason());
  }
}
