package dev.sovereign.did.fabric.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The contract logic on the in-memory stub: the rules the chaincode and the embedded ledger share.
 */
class DidFabricContractTest {
  private final MemoryLedgerState ledger = new MemoryLedgerState();
  private final DidFabricContract contract = new DidFabricContract("testnet");

  private VersionRecord submit(Operation.Type type, Operation op) throws RejectedException {
    MemoryLedgerState.Tx tx = ledger.begin();
    VersionRecord record = contract.submit(tx, type, op.toBytes(), List.of());
    tx.commit();
    return record;
  }

  private ReasonCode rejection(Operation.Type type, byte[] op) {
    MemoryLedgerState.Tx tx = ledger.begin();
    RejectedException e =
        assertThrows(RejectedException.class, () -> contract.submit(tx, type, op, List.of()));
    assertTrue(tx.writes().isEmpty(), "a rejected write leaves no state behind");
    return e.reason();
  }

  private ReasonCode rejection(Operation.Type type, Operation op) {
    return rejection(type, op.toBytes());
  }

  @Test
  void createRegistersADidWhoseIdIsDerivedFromTheGenesisKeyAndEmitsOneEvent() throws Exception {
    SoftwareControllerKey genesis = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    Operation create = FabricDocuments.create("testnet", genesis);
    VersionRecord v1 = submit(Operation.Type.CREATE, create);

    assertEquals(FabricDid.derive("testnet", genesis.publicKey().multibase()).toString(), v1.did());
    assertEquals(1, v1.sequence());
    assertNull(v1.operation().prevVersionId());
    assertEquals(1, ledger.events().size());
    assertEquals(DidFabricContract.EVENT_NAME, ledger.events().get(0)[0]);
    assertTrue(ledger.events().get(0)[1].contains(v1.versionId()));
    assertEquals(v1.versionId(), contract.read(ledger.begin(), v1.did()).versionId());
  }

  @Test
  void aWrittenRecordsBytesAreThePlainCanonicalFormAndItsVersionIdIsRecomputedOnParse()
      throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.P256);
    VersionRecord v1 = submit(Operation.Type.CREATE, FabricDocuments.create("testnet", a));
    ObjectNode document = FabricDocuments.document(v1.did(), List.of(b.publicKey()), 1);
    document.put("note", "escaped \"quote\" \\ tab\t control\u0001 \u20ac \ud83d\ude00");
    VersionRecord v2 =
        submit(
            Operation.Type.UPDATE,
            FabricDocuments.update(v1.did(), v1.versionId(), document, v1.did() + "#key-1", a));
    VersionRecord v3 =
        submit(
            Operation.Type.DEACTIVATE,
            FabricDocuments.deactivate(v2.did(), v2.versionId(), v2.did() + "#key-1", b));
    for (VersionRecord r : List.of(v1, v2, v3)) {
      assertArrayEquals(Jcs.canonicalize(r.toJson()), r.toBytes(), "record " + r.sequence());
      VersionRecord parsed = VersionRecord.parse(r.toBytes());
      assertEquals(r.versionId(), parsed.versionId());
      assertArrayEquals(r.toBytes(), parsed.toBytes());
    }
    // the same record with one byte of its document changed no longer hashes to its versionId
    ObjectNode tampered = v2.toJson();
    ((ObjectNode) tampered.get("document")).put("note", "changed");
    assertEquals(
        ReasonCode.LOG_VERSION_ID_MISMATCH,
        assertThrows(RejectedException.class, () -> VersionRecord.parse(tampered)).reason());
  }

  @Test
  void createIsAcceptedForP256ControllerKeysToo() throws Exception {
    SoftwareControllerKey genesis = SoftwareControllerKey.generate(Multikey.Type.P256);
    VersionRecord v1 = submit(Operation.Type.CREATE, FabricDocuments.create("testnet", genesis));
    assertEquals(Multikey.Type.P256, Multikey.parse(genesis.publicKey().multibase()).type());
    assertEquals(v1.versionId(), contract.read(ledger.begin(), v1.did()).versionId());
  }

  @Test
  void createWhoseIdIsNotDerivedFromTheSigningKeyIsRejected() {
    SoftwareControllerKey genesis = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey other = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String squatted = FabricDocuments.create("testnet", other).did();
    ObjectNode doc = FabricDocuments.document(squatted, List.of(genesis.publicKey()), 1);
    Operation op =
        Operation.sign(Operation.Type.CREATE, squatted, doc, null, squatted + "#key-1", genesis);
    assertEquals(ReasonCode.ID_NOT_DERIVED_FROM_KEY, rejection(Operation.Type.CREATE, op));
  }

  @Test
  void updateSignedByANonControllerKeyIsRejected() throws Exception {
    SoftwareControllerKey controller = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey stranger = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    VersionRecord v1 = submit(Operation.Type.CREATE, FabricDocuments.create("testnet", controller));
    String did = v1.did();
    ObjectNode doc = FabricDocuments.document(did, List.of(stranger.publicKey()), 1);

    // Signed by the stranger while naming the controller's method: the signature does not verify.
    Operation forged = FabricDocuments.update(did, v1.versionId(), doc, did + "#key-1", stranger);
    assertEquals(ReasonCode.BAD_SIGNATURE, rejection(Operation.Type.UPDATE, forged));

    // Signed by a key of the document that is not in capabilityInvocation.
    SoftwareControllerKey authOnly = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    ObjectNode twoKeys =
        FabricDocuments.document(did, List.of(controller.publicKey(), authOnly.publicKey()), 1);
    VersionRecord v2 =
        submit(
            Operation.Type.UPDATE,
            FabricDocuments.update(did, v1.versionId(), twoKeys, did + "#key-1", controller));
    Operation byAuthKey =
        FabricDocuments.update(did, v2.versionId(), doc, did + "#key-2", authOnly);
    assertEquals(ReasonCode.SIGNER_NOT_CONTROLLER, rejection(Operation.Type.UPDATE, byAuthKey));
  }

  @Test
  void replayedUpdateIsRejectedAsAReplay() throws Exception {
    SoftwareControllerKey controller = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    Operation create = FabricDocuments.create("testnet", controller);
    VersionRecord v1 = submit(Operation.Type.CREATE, create);
    Operation update =
        FabricDocuments.update(
            v1.did(),
            v1.versionId(),
            FabricDocuments.document(v1.did(), List.of(controller.publicKey()), 1),
            v1.did() + "#key-1",
            controller);
    submit(Operation.Type.UPDATE, update);

    assertEquals(ReasonCode.REPLAYED_OPERATION, rejection(Operation.Type.UPDATE, update));
    assertEquals(ReasonCode.REPLAYED_OPERATION, rejection(Operation.Type.CREATE, create));
  }

  @Test
  void updateOnAStalePrevVersionIdIsRejected() throws Exception {
    SoftwareControllerKey controller = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey added = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    VersionRecord v1 = submit(Operation.Type.CREATE, FabricDocuments.create("testnet", controller));
    String did = v1.did();
    submit(
        Operation.Type.UPDATE,
        FabricDocuments.update(
            did,
            v1.versionId(),
            FabricDocuments.document(did, List.of(controller.publicKey(), added.publicKey()), 2),
            did + "#key-1",
            controller));

    Operation stale =
        FabricDocuments.update(
            did,
            v1.versionId(),
            FabricDocuments.document(did, List.of(controller.publicKey()), 1),
            did + "#key-1",
            controller);
    assertEquals(ReasonCode.STALE_PREV_VERSION, rejection(Operation.Type.UPDATE, stale));
    Operation unknown =
        FabricDocuments.update(
            did,
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            FabricDocuments.document(did, List.of(controller.publicKey()), 1),
            did + "#key-1",
            controller);
    assertEquals(ReasonCode.STALE_PREV_VERSION, rejection(Operation.Type.UPDATE, unknown));
  }

  @Test
  void everyWriteAfterDeactivationIsRejected() throws Exception {
    SoftwareControllerKey controller = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    Operation create = FabricDocuments.create("testnet", controller);
    VersionRecord v1 = submit(Operation.Type.CREATE, create);
    String did = v1.did();
    VersionRecord v2 =
        submit(
            Operation.Type.DEACTIVATE,
            FabricDocuments.deactivate(did, v1.versionId(), did + "#key-1", controller));
    assertTrue(v2.deactivates());

    ObjectNode doc = FabricDocuments.document(did, List.of(controller.publicKey()), 1);
    assertEquals(
        ReasonCode.DEACTIVATED,
        rejection(
            Operation.Type.UPDATE,
            FabricDocuments.update(did, v2.versionId(), doc, did + "#key-1", controller)));
    assertEquals(
        ReasonCode.DEACTIVATED,
        rejection(
            Operation.Type.DEACTIVATE,
            FabricDocuments.deactivate(did, v2.versionId(), did + "#key-1", controller)));
    assertEquals(ReasonCode.REPLAYED_OPERATION, rejection(Operation.Type.CREATE, create));
  }

  @Test
  void malformedDidsAreRejectedOnWritesAndReads() {
    SoftwareControllerKey controller = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String good = FabricDocuments.create("testnet", controller).did();
    String[] malformed = {
      "",
      "did:fabric",
      "did:fabric:testnet",
      good.toUpperCase(),
      good + "#key-1",
      good + "?versionId=x",
      good.substring(0, good.length() - 1),
      good + "a",
      "did:fabric:Testnet:" + good.substring(20),
      "did:fabric::" + good.substring(20),
      "did:fabbric:testnet:" + good.substring(20),
      good.replace('a', '1'),
      "did:fabric:1net:" + good.substring(20),
      "did:fabric:net_1:" + good.substring(20)
    };
    for (String did : malformed) {
      RejectedException e =
          assertThrows(RejectedException.class, () -> contract.read(ledger.begin(), did), did);
      assertEquals(ReasonCode.MALFORMED_DID, e.reason(), did);
      ObjectNode op = FabricDocuments.create("testnet", controller).toJson();
      op.put("did", did);
      assertEquals(
          ReasonCode.MALFORMED_DID, rejection(Operation.Type.CREATE, Jcs.canonicalize(op)), did);
    }
    RejectedException wrongNet =
        assertThrows(
            RejectedException.class,
            () ->
                contract.read(
                    ledger.begin(), FabricDocuments.create("othernet", controller).did()));
    assertEquals(ReasonCode.WRONG_NETWORK, wrongNet.reason());
  }

  @Test
  void malformedOperationsAndDocumentsAreRejectedWithTheirOwnCodes() throws Exception {
    SoftwareControllerKey controller = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    Operation create = FabricDocuments.create("testnet", controller);
    assertEquals(
        ReasonCode.MALFORMED_OPERATION,
        rejection(Operation.Type.CREATE, Encoding.utf8("{\"did\":1}")));
    assertEquals(
        ReasonCode.MALFORMED_OPERATION,
        rejection(Operation.Type.CREATE, Encoding.utf8("{\"did\":\"a\",\"did\":\"b\"}")));
    assertEquals(ReasonCode.OPERATION_TYPE_MISMATCH, rejection(Operation.Type.UPDATE, create));

    ObjectNode wrongHash = create.toJson();
    ((ObjectNode) wrongHash.get("document")).put("extra", "member");
    assertEquals(
        ReasonCode.DOC_HASH_MISMATCH,
        rejection(Operation.Type.CREATE, Jcs.canonicalize(wrongHash)));

    String did = create.did();
    ObjectNode noController = FabricDocuments.document(did, List.of(controller.publicKey()), 0);
    assertEquals(
        ReasonCode.INVALID_DOCUMENT,
        rejection(
            Operation.Type.CREATE,
            Operation.sign(
                Operation.Type.CREATE, did, noController, null, did + "#key-1", controller)));
  }

  @Test
  void writeWithATimestampBeforeTheCurrentVersionIsRejected() throws Exception {
    SoftwareControllerKey controller = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    VersionRecord v1 = submit(Operation.Type.CREATE, FabricDocuments.create("testnet", controller));
    Operation update =
        FabricDocuments.update(
            v1.did(),
            v1.versionId(),
            FabricDocuments.document(v1.did(), List.of(controller.publicKey()), 1),
            v1.did() + "#key-1",
            controller);
    MemoryLedgerState.Tx tx = ledger.begin(v1.versionTime().minusSeconds(5));
    RejectedException e =
        assertThrows(
            RejectedException.class,
            () -> contract.submit(tx, Operation.Type.UPDATE, update.toBytes(), List.of()));
    assertEquals(ReasonCode.VERSION_TIME_REGRESSION, e.reason());
  }

  @Test
  void writesToUnrelatedDidsTouchDisjointKeysSoTheyNeverConflict() throws Exception {
    VersionRecord a =
        submit(
            Operation.Type.CREATE,
            FabricDocuments.create(
                "testnet", SoftwareControllerKey.generate(Multikey.Type.ED25519)));
    SoftwareControllerKey kb = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    Operation createB = FabricDocuments.create("testnet", kb);
    MemoryLedgerState.Tx tx = ledger.begin();
    contract.submit(tx, Operation.Type.CREATE, createB.toBytes(), List.of());
    Set<String> keysOfA = new HashSet<>();
    for (String key : ledger.committed().keySet()) {
      if (key.contains(a.did())) {
        keysOfA.add(key);
      }
    }
    for (String written : tx.writes().keySet()) {
      assertTrue(
          written.contains(createB.did()), "every key a write touches names its DID: " + written);
      assertFalse(keysOfA.contains(written));
    }
    assertEquals(3, tx.writes().size(), "head, version record, versionId index");
  }

  @Test
  void stateBasedEndorsementIsSetOnTheDidsOneKeyWhenAsked() throws Exception {
    Operation create =
        FabricDocuments.create("testnet", SoftwareControllerKey.generate(Multikey.Type.ED25519));
    MemoryLedgerState.Tx tx = ledger.begin();
    contract.submit(tx, Operation.Type.CREATE, create.toBytes(), List.of("Org1MSP", "Org2MSP"));
    tx.commit();
    assertEquals(
        List.of("Org1MSP", "Org2MSP"),
        ledger.endorsement().get(DidFabricContract.headKey(create.did())));
  }

  @Test
  void historyAndReadVersionReturnEveryImmutableSnapshot() throws Exception {
    SoftwareControllerKey controller = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    VersionRecord v1 = submit(Operation.Type.CREATE, FabricDocuments.create("testnet", controller));
    VersionRecord v2 =
        submit(
            Operation.Type.UPDATE,
            FabricDocuments.update(
                v1.did(),
                v1.versionId(),
                FabricDocuments.document(v1.did(), List.of(controller.publicKey()), 1),
                v1.did() + "#key-1",
                controller));
    List<VersionRecord> history = contract.history(ledger.begin(), v1.did());
    assertEquals(2, history.size());
    assertArrayEquals(v1.toBytes(), history.get(0).toBytes());
    assertEquals(v1.versionId(), v2.operation().prevVersionId());
    assertArrayEquals(
        v1.toBytes(), contract.readVersion(ledger.begin(), v1.did(), v1.versionId()).toBytes());
    RejectedException e =
        assertThrows(
            RejectedException.class, () -> contract.readVersion(ledger.begin(), v1.did(), "nope"));
    assertEquals(ReasonCode.VERSION_NOT_FOUND, e.reason());
  }
}
