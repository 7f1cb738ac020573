package dev.sovereign.did.fabric.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.CachingDidResolver;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.fabric.FabricDidResolver;
import dev.sovereign.did.fabric.core.Encoding;
import dev.sovereign.did.fabric.core.EndorsementVerifier;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.hyperledger.fabric.client.Commit;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.Proposal;
import org.hyperledger.fabric.client.SubmittedTransaction;
import org.hyperledger.fabric.client.Transaction;
import org.hyperledger.fabric.client.identity.Signer;
import org.hyperledger.fabric.client.identity.X509Identity;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.gateway.CommitStatusRequest;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Fabric Gateway adapter against an in-process Gateway service that runs the real chaincode. No
 * Fabric peer runs here: the service is {@link InProcessFabricGateway}.
 */
class FabricGatewayLedgerTest {
  private static final String CHANNEL = "sovereign";
  private static final String CHAINCODE = "didfabric";

  private TestPki org1;
  private InProcessFabricGateway service;
  private Server server;
  private ManagedChannel channel;
  private Gateway gateway;
  private FabricGatewayLedger ledger;
  private final AtomicInteger signatures = new AtomicInteger();
  private final SoftwareControllerKey keyA = SoftwareControllerKey.generate(Multikey.Type.ED25519);
  private final SoftwareControllerKey keyB = SoftwareControllerKey.generate(Multikey.Type.P256);

  /** HSM-style signer: digest in, signature out (ECDSA over the gateway's SHA-256 digest). */
  private Signer hsm() {
    return digest -> {
      signatures.incrementAndGet();
      Signature s = Signature.getInstance("NONEwithECDSA");
      s.initSign(org1.clientKey);
      s.update(digest);
      return s.sign();
    };
  }

  @BeforeEach
  void start() throws Exception {
    org1 = new TestPki("Org1MSP");
    service = new InProcessFabricGateway(org1, CHANNEL, CHAINCODE);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    gateway =
        Gateway.newInstance()
            .identity(new X509Identity("Org1MSP", org1.clientCert))
            .signer(hsm())
            .connection(channel)
            .connect();
    ledger = new FabricGatewayLedger(gateway, CHANNEL, CHAINCODE);
  }

  @AfterEach
  void stop() {
    gateway.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  private EndorsementVerifier pinnedOrg1() {
    return EndorsementVerifier.create(Map.of("Org1MSP", List.of(org1.ca)), 1);
  }

  private Operation rotate(
      VersionRecord current, SoftwareControllerKey signer, SoftwareControllerKey next) {
    return FabricDocuments.update(
        current.did(),
        current.versionId(),
        FabricDocuments.document(current.did(), List.of(next.publicKey()), 1),
        current.did() + "#key-1",
        signer);
  }

  @Test
  void writeIsEndorsedSubmittedAndCommittedWithEveryMessageSignedByTheClient() throws Exception {
    Operation create = FabricDocuments.create(CHANNEL, keyA);
    VersionRecord v1 = ledger.submit(create);
    assertEquals(create.did(), v1.did());

    byte[] client = TestPki.serialized("Org1MSP", org1.clientCert);
    var endorse = service.endorseRequests.get(0);
    InProcessFabricGateway.Invocation proposal =
        InProcessFabricGateway.decode(endorse.getProposedTransaction());
    assertEquals(
        List.of("create", new String(create.toBytes(), StandardCharsets.UTF_8)), proposal.args());
    assertEquals(CHANNEL, proposal.channelHeader().getChannelId());
    assertEquals(CHAINCODE, proposal.chaincodeName());
    assertEquals(endorse.getTransactionId(), proposal.channelHeader().getTxId());
    assertArrayEquals(client, proposal.signatureHeader().getCreator().toByteArray());
    assertTrue(
        InProcessFabricGateway.verifies(
            org1.clientCert.getPublicKey(),
            endorse.getProposedTransaction().getProposalBytes().toByteArray(),
            endorse.getProposedTransaction().getSignature().toByteArray()),
        "proposal signed by the client key");
    // The version's txId and versionTime are the proposal's.
    assertEquals(endorse.getTransactionId(), v1.txId());
    assertEquals(
        proposal.channelHeader().getTimestamp().getSeconds(), v1.versionTime().getEpochSecond());

    var submit = service.submitRequests.get(0);
    assertEquals(
        service.endorseResponses.get(0).getPreparedTransaction().getPayload(),
        submit.getPreparedTransaction().getPayload(),
        "the client submits exactly the endorsed transaction");
    assertTrue(
        InProcessFabricGateway.verifies(
            org1.clientCert.getPublicKey(),
            submit.getPreparedTransaction().getPayload().toByteArray(),
            submit.getPreparedTransaction().getSignature().toByteArray()),
        "transaction envelope signed by the client");
    SerializedIdentity creator =
        SerializedIdentity.parseFrom(
            SignatureHeader.parseFrom(
                    Payload.parseFrom(submit.getPreparedTransaction().getPayload())
                        .getHeader()
                        .getSignatureHeader())
                .getCreator());
    assertEquals("Org1MSP", creator.getMspid());

    var status = service.commitStatusRequests.get(0);
    assertEquals(
        endorse.getTransactionId(),
        CommitStatusRequest.parseFrom(status.getRequest()).getTransactionId());
    assertTrue(
        InProcessFabricGateway.verifies(
            org1.clientCert.getPublicKey(),
            status.getRequest().toByteArray(),
            status.getSignature().toByteArray()));
    assertEquals(
        3,
        signatures.get(),
        "proposal, transaction and commit-status request went through the signer");
  }

  @Test
  void aProposalTheGatewaySentToOnePeerTwiceIsProposedAgainUnderANewTransactionId()
      throws Exception {
    service.duplicateProposalFailures.set(1);
    Operation create = FabricDocuments.create(CHANNEL, keyA);

    VersionRecord v1 = ledger.submit(create);

    assertEquals(2, service.endorseRequests.size());
    String first = service.endorseRequests.get(0).getTransactionId();
    String second = service.endorseRequests.get(1).getTransactionId();
    assertNotEquals(first, second, "a fresh proposal, never the same transaction again");
    assertEquals(1, service.submitRequests.size(), "only the endorsed one is ordered");
    assertEquals(second, v1.txId());
    assertEquals(
        v1.versionId(),
        dev.sovereign.did.fabric.core.OperationLogVerifier.verify(
                create.did(), ledger.exportLog(create.did()))
            .current()
            .versionId());
  }

  @Test
  void aGatewayThatKeepsSendingTheSameProposalTwiceFailsAfterThreeTriesAndOrdersNothing() {
    service.duplicateProposalFailures.set(10);
    Operation create = FabricDocuments.create(CHANNEL, keyA);

    assertThrows(FabricLedgerUnavailableException.class, () -> ledger.submit(create));

    assertEquals(3, service.endorseRequests.size());
    assertEquals(0, service.submitRequests.size());
  }

  @Test
  void chaincodeRejectionsComeBackThroughTheGatewayWithTheirReasonCodes() throws Exception {
    VersionRecord v1 = ledger.submit(FabricDocuments.create(CHANNEL, keyA));
    String did = v1.did();
    SoftwareControllerKey stranger = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    ObjectNodeHolder docs = new ObjectNodeHolder(did, stranger);

    assertEquals(
        ReasonCode.BAD_SIGNATURE,
        assertThrows(
                RejectedException.class,
                () ->
                    ledger.submit(
                        FabricDocuments.update(
                            did, v1.versionId(), docs.strangerDoc(), did + "#key-1", stranger)))
            .reason());
    Operation rotation = rotate(v1, keyA, keyB);
    VersionRecord v2 = ledger.submit(rotation);
    assertEquals(
        ReasonCode.REPLAYED_OPERATION,
        assertThrows(RejectedException.class, () -> ledger.submit(rotation)).reason());
    assertEquals(
        ReasonCode.SIGNER_NOT_CONTROLLER,
        assertThrows(
                RejectedException.class,
                () ->
                    ledger.submit(
                        FabricDocuments.update(
                            did, v2.versionId(), docs.strangerDoc(), did + "#key-2", stranger)))
            .reason());
    assertEquals(
        ReasonCode.STALE_PREV_VERSION,
        assertThrows(RejectedException.class, () -> ledger.submit(rotate(v1, keyA, keyA)))
            .reason());
    VersionRecord v3 =
        ledger.submit(FabricDocuments.deactivate(did, v2.versionId(), did + "#key-1", keyB));
    assertEquals(
        ReasonCode.DEACTIVATED,
        assertThrows(RejectedException.class, () -> ledger.submit(rotate(v3, keyB, keyB)))
            .reason());
    assertEquals(
        ReasonCode.MALFORMED_DID,
        assertThrows(
                RejectedException.class, () -> ledger.exportLog("did:fabric:sovereign:Not-A-Did"))
            .reason());
    assertEquals(
        ReasonCode.DID_NOT_FOUND,
        assertThrows(
                RejectedException.class,
                () -> ledger.exportLog(FabricDocuments.create(CHANNEL, stranger).did()))
            .reason());
  }

  /** Documents for the stranger key. */
  private record ObjectNodeHolder(String did, SoftwareControllerKey stranger) {
    com.fasterxml.jackson.databind.node.ObjectNode strangerDoc() {
      return FabricDocuments.document(did, List.of(stranger.publicKey()), 1);
    }
  }

  @Test
  void resolutionOverTheGatewayChecksPeerEndorsementsAgainstThePinnedOrgCaAndHistory()
      throws Exception {
    VersionRecord v1 = ledger.submit(FabricDocuments.create(CHANNEL, keyA));
    byte[] credential = Encoding.utf8("signed with key A before the rotation");
    byte[] signature = keyA.sign(credential);
    Instant signedAt = v1.versionTime().plusMillis(500);
    Thread.sleep(1100);
    ledger.submit(rotate(v1, keyA, keyB));
    int submitsBefore = service.submitRequests.size();

    DidResolver resolver =
        DidResolvers.builder()
            .method(new FabricDidResolver(ledger, pinnedOrg1(), Clock.systemUTC()))
            .build();
    DidResolutionResult asOf = resolver.resolve(v1.did(), ResolutionOptions.atTime(signedAt));
    assertTrue(asOf.error().isEmpty(), asOf.toString());
    String keyThen =
        asOf.didDocument()
            .orElseThrow()
            .verificationMethod("#key-1")
            .orElseThrow()
            .publicKeyMultibase()
            .orElseThrow();
    assertTrue(Multikey.parse(keyThen).verifies(credential, signature));
    DidResolutionResult now = resolver.resolve(v1.did());
    String keyNow =
        now.didDocument()
            .orElseThrow()
            .verificationMethod("#key-1")
            .orElseThrow()
            .publicKeyMultibase()
            .orElseThrow();
    assertFalse(Multikey.parse(keyNow).verifies(credential, signature));
    assertEquals(
        submitsBefore,
        service.submitRequests.size(),
        "endorsed reads are endorsed, never submitted");

    TestPki other = new TestPki("Org1MSP");
    DidResolutionResult untrusted =
        new FabricDidResolver(
                ledger,
                EndorsementVerifier.create(Map.of("Org1MSP", List.of(other.ca)), 1),
                Clock.systemUTC())
            .resolve(dev.sovereign.did.Did.parse(v1.did()), ResolutionOptions.latest());
    assertEquals(ResolutionError.INVALID_DID_DOCUMENT, untrusted.error().orElseThrow());
    assertEquals(
        "ENDORSEMENT_INVALID", untrusted.didResolutionMetadata().extra().get("reasonCode"));
  }

  @Test
  void endorsementsCountOnlyFromPeersOfThePinnedOrgAnsweringForTheExpectedChaincode()
      throws Exception {
    VersionRecord v1 = ledger.submit(FabricDocuments.create(CHANNEL, keyA));
    com.fasterxml.jackson.databind.node.ObjectNode answer =
        dev.sovereign.did.fabric.core.Jcs.parseObject(ledger.endorsedHead(v1.did(), "n"));
    assertEquals(
        v1.versionId(),
        pinnedOrg1()
            .verify(
                v1.did(),
                "n",
                dev.sovereign.did.fabric.core.Jcs.canonicalize(answer),
                Instant.now())
            .versionId());
    RejectedException otherChaincode =
        assertThrows(
            RejectedException.class,
            () ->
                EndorsementVerifier.create(Map.of("Org1MSP", List.of(org1.ca)), 1, "somethingelse")
                    .verify(
                        v1.did(),
                        "n",
                        dev.sovereign.did.fabric.core.Jcs.canonicalize(answer),
                        Instant.now()));
    assertEquals(
        ReasonCode.ENDORSEMENT_INVALID,
        otherChaincode.reason(),
        "a peer signs any chaincode's answer");
    // The host holds an Org1 client identity: it re-signs the peer's answer as if it were an
    // endorser.
    com.fasterxml.jackson.databind.node.ObjectNode e =
        (com.fasterxml.jackson.databind.node.ObjectNode) answer.get("endorsements").get(0);
    byte[] prp = Encoding.fromB64url(e.get("proposalResponsePayload").asText());
    byte[] endorser = TestPki.serialized("Org1MSP", org1.clientCert);
    byte[] signed = new byte[prp.length + endorser.length];
    System.arraycopy(prp, 0, signed, 0, prp.length);
    System.arraycopy(endorser, 0, signed, prp.length, endorser.length);
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(org1.clientKey);
    s.update(signed);
    e.put("endorser", Encoding.b64url(endorser));
    e.put("signature", Encoding.b64url(s.sign()));
    RejectedException rejected =
        assertThrows(
            RejectedException.class,
            () ->
                pinnedOrg1()
                    .verify(
                        v1.did(),
                        "n",
                        dev.sovereign.did.fabric.core.Jcs.canonicalize(answer),
                        Instant.now()));
    assertEquals(ReasonCode.ENDORSEMENT_INVALID, rejected.reason());
  }

  @Test
  void chaincodeEventsInvalidateCachedResolutions() throws Exception {
    VersionRecord v1 = ledger.submit(FabricDocuments.create(CHANNEL, keyA));
    CachingDidResolver cache =
        CachingDidResolver.builder(
                DidResolvers.builder()
                    .method(new FabricDidResolver(ledger, pinnedOrg1(), Clock.systemUTC()))
                    .build())
            .latestTtl(Duration.ofHours(1))
            .build();
    assertEquals(
        v1.versionId(), cache.resolve(v1.did()).didDocumentMetadata().versionId().orElseThrow());
    try (FabricChaincodeEvents events =
        FabricChaincodeEvents.follow(gateway.getNetwork(CHANNEL), CHAINCODE, cache)) {
      long deadline = System.currentTimeMillis() + 5000;
      while (service.eventRequests.isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      VersionRecord v2 = ledger.submit(rotate(v1, keyA, keyB));
      String seen = null;
      while (System.currentTimeMillis() < deadline) {
        seen = cache.resolve(v1.did()).didDocumentMetadata().versionId().orElseThrow();
        if (seen.equals(v2.versionId())) {
          break;
        }
        Thread.sleep(20);
      }
      assertEquals(v2.versionId(), seen);
    }
    assertEquals(1, service.eventRequests.size());
  }

  @Test
  void offlineSigningSignsDigestsOutsideTheGatewayAtEveryStep() throws Exception {
    try (Gateway unsigned =
        Gateway.newInstance()
            .identity(new X509Identity("Org1MSP", org1.clientCert))
            .connection(channel)
            .connect()) {
      Contract contract = unsigned.getNetwork(CHANNEL).getContract(CHAINCODE);
      Signer offline = hsm();
      Operation create = FabricDocuments.create(CHANNEL, keyA);
      Proposal proposal =
          contract
              .newProposal("create")
              .addArguments(new String(create.toBytes(), StandardCharsets.UTF_8))
              .build();
      Proposal signedProposal =
          unsigned.newSignedProposal(proposal.getBytes(), offline.sign(proposal.getDigest()));
      Transaction tx = signedProposal.endorse();
      Transaction signedTx =
          unsigned.newSignedTransaction(tx.getBytes(), offline.sign(tx.getDigest()));
      SubmittedTransaction submitted = signedTx.submitAsync();
      Commit commit =
          unsigned.newSignedCommit(submitted.getBytes(), offline.sign(submitted.getDigest()));
      assertTrue(commit.getStatus().isSuccessful());
      assertEquals(create.did(), VersionRecord.parse(tx.getResult()).did());
      assertEquals(3, signatures.get());
    }
    assertEquals(1, ledger.read(FabricDocuments.create(CHANNEL, keyA).did()).sequence());
  }
}
