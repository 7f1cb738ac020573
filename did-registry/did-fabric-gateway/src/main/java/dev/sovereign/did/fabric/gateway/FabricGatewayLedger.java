package dev.sovereign.did.fabric.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sovereign.did.fabric.core.DidFabricLedger;
import dev.sovereign.did.fabric.core.Encoding;
import dev.sovereign.did.fabric.core.EndorsementVerifier;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.nio.charset.StandardCharsets;
import org.hyperledger.fabric.client.CommitStatusException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.GatewayException;
import org.hyperledger.fabric.client.Status;
import org.hyperledger.fabric.client.SubmitException;
import org.hyperledger.fabric.client.SubmittedTransaction;
import org.hyperledger.fabric.client.Transaction;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.gateway.PreparedTransaction;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.Endorsement;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/**
 * did:fabric on a Fabric channel through the Fabric Gateway. Writes are endorsed, submitted and
 * awaited (commit status); reads are evaluated; endorsed reads are a {@code head} proposal that is
 * endorsed but never submitted, whose peer endorsements are returned as {@code fabric-peer}
 * evidence (method spec section 11). Signing is whatever {@link
 * org.hyperledger.fabric.client.identity.Signer} the {@link Gateway} was built with (an HSM, a KMS
 * or the enclave plug in there).
 */
public final class FabricGatewayLedger implements DidFabricLedger {
  private final Gateway gateway;
  private final String channel;
  private final Contract contract;

  /** did:fabric on {@code channel} (the DID network name), chaincode {@code chaincode}. */
  public FabricGatewayLedger(Gateway gateway, String channel, String chaincode) {
    this.gateway = gateway;
    this.channel = channel;
    this.contract = gateway.getNetwork(channel).getContract(chaincode);
  }

  @Override
  public String network() {
    return channel;
  }

  @Override
  public VersionRecord submit(Operation operation) throws RejectedException {
    String json = new String(operation.toBytes(), StandardCharsets.UTF_8);
    Transaction endorsed;
    try {
      endorsed = contract.newProposal(operation.type().wire()).addArguments(json).build().endorse();
    } catch (EndorseException e) {
      throw GatewayRejections.rejected(e, operation.did());
    }
    try {
      SubmittedTransaction submitted = endorsed.submitAsync();
      Status status = submitted.getStatus();
      if (status.getCode() == TxValidationCode.MVCC_READ_CONFLICT) {
        throw new RejectedException(
            ReasonCode.STALE_PREV_VERSION,
            operation.did(),
            "a concurrent write on this DID committed first (MVCC_READ_CONFLICT in block "
                + status.getBlockNumber()
                + ")");
      }
      if (!status.isSuccessful()) {
        throw new FabricLedgerUnavailableException(
            "transaction "
                + status.getTransactionId()
                + " invalidated by the committing peers: "
                + status.getCode(),
            null);
      }
      return VersionRecord.parse(submitted.getResult());
    } catch (SubmitException | CommitStatusException e) {
      throw new FabricLedgerUnavailableException(
          "submit of " + endorsed.getTransactionId() + " failed", e);
    }
  }

  @Override
  public byte[] exportLog(String did) throws RejectedException {
    try {
      return contract.evaluateTransaction("history", did);
    } catch (GatewayException e) {
      throw GatewayRejections.rejected(e, did);
    }
  }

  /**
   * The current version record, as evaluated by one peer (not evidence: see {@link #endorsedHead}).
   */
  public VersionRecord read(String did) throws RejectedException {
    try {
      return VersionRecord.parse(contract.evaluateTransaction("read", did));
    } catch (GatewayException e) {
      throw GatewayRejections.rejected(e, did);
    }
  }

  @Override
  public byte[] endorsedHead(String did, String nonce) throws RejectedException {
    Transaction endorsed;
    try {
      endorsed = contract.newProposal("head").addArguments(did, nonce).build().endorse();
    } catch (EndorseException e) {
      throw GatewayRejections.rejected(e, did);
    }
    // Endorsed, never submitted: the endorsements are the evidence, nothing is written.
    try {
      // Transaction.getBytes() is a gateway.PreparedTransaction {transaction_id, envelope}.
      Envelope envelope = PreparedTransaction.parseFrom(endorsed.getBytes()).getEnvelope();
      Payload payload = Payload.parseFrom(envelope.getPayload());
      org.hyperledger.fabric.protos.peer.Transaction tx =
          org.hyperledger.fabric.protos.peer.Transaction.parseFrom(payload.getData());
      ChaincodeActionPayload action =
          ChaincodeActionPayload.parseFrom(tx.getActions(0).getPayload());
      ObjectNode answer = JsonNodeFactory.instance.objectNode();
      answer.put("format", EndorsementVerifier.FORMAT);
      answer.put("payload", Encoding.b64url(endorsed.getResult()));
      ArrayNode endorsements = answer.putArray("endorsements");
      for (Endorsement e : action.getAction().getEndorsementsList()) {
        ObjectNode n = endorsements.addObject();
        n.put("kind", "fabric-peer");
        n.put("mspId", SerializedIdentity.parseFrom(e.getEndorser()).getMspid());
        n.put("endorser", Encoding.b64url(e.getEndorser().toByteArray()));
        n.put(
            "proposalResponsePayload",
            Encoding.b64url(action.getAction().getProposalResponsePayload().toByteArray()));
        n.put("signature", Encoding.b64url(e.getSignature().toByteArray()));
      }
      return Jcs.canonicalize(answer);
    } catch (InvalidProtocolBufferException | IndexOutOfBoundsException e) {
      throw new FabricLedgerUnavailableException(
          "malformed prepared transaction from the gateway", e);
    }
  }

  /** The gateway this ledger talks through. */
  public Gateway gateway() {
    return gateway;
  }
}
