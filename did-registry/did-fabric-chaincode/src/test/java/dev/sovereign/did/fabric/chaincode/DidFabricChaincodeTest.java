package dev.sovereign.did.fabric.chaincode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.fabric.core.DidFabricContract;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.OperationLogVerifier;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VerifiedDidLog;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hyperledger.fabric.protos.common.MSPRole;
import org.hyperledger.fabric.protos.common.SignaturePolicyEnvelope;
import org.hyperledger.fabric.shim.ChaincodeException;
import org.junit.jupiter.api.Test;

/** The chaincode's transactions on an in-memory ChaincodeStub, with Fabric's commit semantics. */
class DidFabricChaincodeTest {
  private final InMemoryChaincodeStub ledger = new InMemoryChaincodeStub("sovereign");
  private final SoftwareControllerKey controller =
      SoftwareControllerKey.generate(Multikey.Type.ED25519);

  private String submit(Operation.Type type, Operation op) {
    InMemoryChaincodeStub.Tx tx = ledger.begin();
    String result =
        DidFabricChaincode.submit(tx.stub, type, new String(op.toBytes(), StandardCharsets.UTF_8));
    tx.commit();
    return result;
  }

  private String rejection(Operation.Type type, Operation op) {
    InMemoryChaincodeStub.Tx tx = ledger.begin();
    ChaincodeException e =
        assertThrows(
            ChaincodeException.class,
            () ->
                DidFabricChaincode.submit(
                    tx.stub, type, new String(op.toBytes(), StandardCharsets.UTF_8)));
    assertTrue(tx.writes.isEmpty());
    assertTrue(e.getMessage().startsWith(new String(e.getPayload(), StandardCharsets.UTF_8)));
    return new String(e.getPayload(), StandardCharsets.UTF_8);
  }

  @Test
  void createUpdateDeactivateRunOnTheStubWithOneEventPerTransaction() throws Exception {
    Operation create = FabricDocuments.create("sovereign", controller);
    String did = create.did();
    VersionRecord v1 =
        VersionRecord.parse(submit(Operation.Type.CREATE, create).getBytes(StandardCharsets.UTF_8));
    SoftwareControllerKey next = SoftwareControllerKey.generate(Multikey.Type.P256);
    VersionRecord v2 =
        VersionRecord.parse(
            submit(
                    Operation.Type.UPDATE,
                    FabricDocuments.update(
                        did,
                        v1.versionId(),
                        FabricDocuments.document(did, List.of(next.publicKey()), 1),
                        did + "#key-1",
                        controller))
                .getBytes(StandardCharsets.UTF_8));
    submit(
        Operation.Type.DEACTIVATE,
        FabricDocuments.deactivate(did, v2.versionId(), did + "#key-1", next));

    assertEquals(3, ledger.events.size());
    for (String[] event : ledger.events) {
      assertEquals(DidFabricContract.EVENT_NAME, event[0]);
      assertTrue(event[1].contains(did));
    }
    String log = DidFabricChaincode.history(ledger.begin().stub, did);
    VerifiedDidLog verified =
        OperationLogVerifier.verify(did, log.getBytes(StandardCharsets.UTF_8));
    assertEquals(3, verified.records().size());
    assertTrue(verified.deactivated());
    assertEquals(v1.versionTime(), verified.records().get(0).versionTime());
    String head = DidFabricChaincode.head(ledger.begin().stub, did, "n-123");
    assertTrue(head.contains("\"nonce\":\"n-123\"") && head.contains("\"deactivated\":true"));
    assertArrayEquals(
        verified.current().toBytes(),
        DidFabricChaincode.read(ledger.begin().stub, did).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void rejectedWritesFailTheProposalWithTheReasonCodeAsPayload() throws Exception {
    Operation create = FabricDocuments.create("sovereign", controller);
    String did = create.did();
    VersionRecord v1 =
        VersionRecord.parse(submit(Operation.Type.CREATE, create).getBytes(StandardCharsets.UTF_8));
    SoftwareControllerKey stranger = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    Operation update =
        FabricDocuments.update(
            did,
            v1.versionId(),
            FabricDocuments.document(did, List.of(controller.publicKey(), stranger.publicKey()), 1),
            did + "#key-1",
            controller);

    assertEquals(
        "BAD_SIGNATURE",
        rejection(
            Operation.Type.UPDATE,
            FabricDocuments.update(
                did,
                v1.versionId(),
                FabricDocuments.document(did, List.of(stranger.publicKey()), 1),
                did + "#key-1",
                stranger)));
    VersionRecord v2 =
        VersionRecord.parse(submit(Operation.Type.UPDATE, update).getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "SIGNER_NOT_CONTROLLER",
        rejection(
            Operation.Type.UPDATE,
            FabricDocuments.update(
                did,
                v2.versionId(),
                FabricDocuments.document(did, List.of(stranger.publicKey()), 1),
                did + "#key-2",
                stranger)));
    assertEquals("REPLAYED_OPERATION", rejection(Operation.Type.UPDATE, update));
    assertEquals(
        "STALE_PREV_VERSION",
        rejection(
            Operation.Type.UPDATE,
            FabricDocuments.update(
                did,
                v1.versionId(),
                FabricDocuments.document(did, List.of(controller.publicKey()), 1),
                did + "#key-1",
                controller)));
    VersionRecord v3 =
        VersionRecord.parse(
            submit(
                    Operation.Type.DEACTIVATE,
                    FabricDocuments.deactivate(did, v2.versionId(), did + "#key-1", controller))
                .getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "DEACTIVATED",
        rejection(
            Operation.Type.UPDATE,
            FabricDocuments.update(
                did,
                v3.versionId(),
                FabricDocuments.document(did, List.of(controller.publicKey()), 1),
                did + "#key-1",
                controller)));
    ChaincodeException malformed =
        assertThrows(
            ChaincodeException.class,
            () -> DidFabricChaincode.read(ledger.begin().stub, "did:fabric:sovereign:NOT-BASE32"));
    assertEquals("MALFORMED_DID", new String(malformed.getPayload(), StandardCharsets.UTF_8));
    ChaincodeException otherChannel =
        assertThrows(
            ChaincodeException.class,
            () ->
                DidFabricChaincode.read(
                    ledger.begin().stub, FabricDocuments.create("othernet", controller).did()));
    assertEquals("WRONG_NETWORK", new String(otherChannel.getPayload(), StandardCharsets.UTF_8));
  }

  @Test
  void stateBasedEndorsementPolicyNamesTheRequestedOrganisations() throws Exception {
    Operation create = FabricDocuments.create("sovereign", controller);
    InMemoryChaincodeStub.Tx tx = ledger.begin();
    dev.sovereign.did.fabric.core.VersionRecord record =
        new DidFabricContract("sovereign")
            .submit(
                new StubLedgerState(tx.stub),
                Operation.Type.CREATE,
                create.toBytes(),
                List.of("Org1MSP", "Org2MSP"));
    tx.commit();
    assertNotNull(record);
    String headKey =
        tx.writes.keySet().stream()
            .filter(k -> k.startsWith("\u0000did\u0000"))
            .findFirst()
            .orElseThrow();
    SignaturePolicyEnvelope policy =
        SignaturePolicyEnvelope.parseFrom(ledger.validationParameters.get(headKey));
    assertEquals(2, policy.getIdentitiesCount());
    assertEquals(
        "Org1MSP", MSPRole.parseFrom(policy.getIdentities(0).getPrincipal()).getMspIdentifier());
    assertEquals(
        "Org2MSP", MSPRole.parseFrom(policy.getIdentities(1).getPrincipal()).getMspIdentifier());
    assertEquals(1, Jcs.parseObject(tx.writes.get(headKey)).get("sequence").asInt());
  }
}
