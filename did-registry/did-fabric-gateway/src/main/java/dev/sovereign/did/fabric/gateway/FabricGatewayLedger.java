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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.hyperledger.fabric.client.CommitStatusException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.GatewayException;
import org.hyperledger.fabric.client.Proposal;
import org.hyperledger.fabric.client.Status;
import org.hyperledger.fabric.client.SubmitException;
import org.hyperledger.fabric.client.SubmittedTransaction;
import org.hyperledger.fabric.client.Transaction;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.ConfigValue;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.gateway.PreparedTransaction;
import org.hyperledger.fabric.protos.msp.FabricMSPConfig;
import org.hyperledger.fabric.protos.msp.MSPConfig;
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
  private static final Pattern MSP_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  private final Gateway gateway;
  private final String channel;
  private final Contract contract;
  private final String chaincode;
  private final List<String> readEndorsingOrgs;

  /** did:fabric on {@code channel} (the DID network name), chaincode {@code chaincode}. */
  public FabricGatewayLedger(Gateway gateway, String channel, String chaincode) {
    this(gateway, channel, chaincode, List.of());
  }

  /**
   * As {@link #FabricGatewayLedger(Gateway, String, String)}; endorsed reads are endorsed by a peer
   * of every organisation in {@code readEndorsingOrgs} (MSP ids; empty: as the chaincode's
   * endorsement policy needs), so that a verifier requiring several organisations gets them.
   */
  public FabricGatewayLedger(
      Gateway gateway, String channel, String chaincode, List<String> readEndorsingOrgs) {
    this.gateway = gateway;
    this.channel = channel;
    this.contract = gateway.getNetwork(channel).getContract(chaincode);
    this.chaincode = chaincode;
    this.readEndorsingOrgs = List.copyOf(readEndorsingOrgs);
  }

  @Override
  public String network() {
    return channel;
  }

  /** Proposals of one write at the most when the Gateway sends one proposal to a peer twice. */
  static final int DUPLICATE_PROPOSAL_TRIES = 3;

  /**
   * A peer's answer to a proposal it is already executing under the same transaction id ({@code
   * core/chaincode}: {@code txid: ID(CHANNEL) exists}).
   */
  private static final java.util.regex.Pattern PROPOSAL_IN_FLIGHT =
      java.util.regex.Pattern.compile("txid: [0-9a-f]+\\([^)]*\\) exists");

  @Override
  public VersionRecord submit(Operation operation) throws RejectedException {
    String json = new String(operation.toBytes(), StandardCharsets.UTF_8);
    Transaction endorsed;
    try {
      endorsed = endorseFresh(operation, json);
    } catch (EndorseException e) {
      if (e.getStatus().getCode() != io.grpc.Status.Code.ABORTED || !e.getDetails().isEmpty()) {
        throw GatewayRejections.rejected(e, operation.did());
      }
      // ABORTED without a peer's answer: the Gateway found no plan for the endorsements the DID's
      // own (state-based) policy asks for. Every organisation of the channel endorsing satisfies
      // any such policy, which names only channel members (createWithEndorsement checks).
      try {
        endorsed =
            contract
                .newProposal(operation.type().wire())
                .addArguments(json)
                .setEndorsingOrganizations(channelOrganisations().toArray(new String[0]))
                .build()
                .endorse();
      } catch (EndorseException again) {
        throw GatewayRejections.rejected(again, operation.did());
      }
    }
    return commit(endorsed, operation);
  }

  /**
   * Endorses a new proposal of {@code operation}. Fabric's Gateway may send one proposal to the
   * same peer twice when it plans the endorsements of a key with its own (state-based) policy; the
   * peer refuses the second copy while it still runs the first ({@code txid: ... exists}) and the
   * Gateway reports the endorsement failed. Nothing was ordered, so the write is proposed again
   * under a new transaction id (at most {@link #DUPLICATE_PROPOSAL_TRIES} proposals); any other
   * failure is the caller's.
   */
  private Transaction endorseFresh(Operation operation, String json) throws EndorseException {
    for (int proposal = 1; ; proposal++) {
      try {
        return contract.newProposal(operation.type().wire()).addArguments(json).build().endorse();
      } catch (EndorseException e) {
        if (proposal >= DUPLICATE_PROPOSAL_TRIES || !onlyDuplicateProposals(e)) {
          throw e;
        }
      }
    }
  }

  /** Every peer that answered refused the proposal as one it was already running. */
  static boolean onlyDuplicateProposals(GatewayException e) {
    return !e.getDetails().isEmpty()
        && e.getDetails().stream().allMatch(d -> PROPOSAL_IN_FLIGHT.matcher(d.getMessage()).find());
  }

  /**
   * Creates a DID whose state requires endorsement by a peer of every organisation in {@code
   * endorsingOrgs} (state-based endorsement, method spec section 8.6) for every later write. The
   * organisations are checked against the channel's configuration first: one that is not a member
   * of the channel could never endorse, and the DID could never be updated again, so it is refused
   * with {@link ReasonCode#UNKNOWN_ENDORSING_ORG} and nothing is written. The create itself is
   * endorsed by a peer of each named organisation.
   */
  public VersionRecord createWithEndorsement(Operation operation, List<String> endorsingOrgs)
      throws RejectedException {
    if (operation.type() != Operation.Type.CREATE) {
      throw new RejectedException(
          ReasonCode.OPERATION_TYPE_MISMATCH,
          operation.did(),
          "createWithEndorsement carries a " + operation.type().wire() + " operation");
    }
    if (endorsingOrgs.isEmpty()) {
      throw new RejectedException(
          ReasonCode.MALFORMED_OPERATION, operation.did(), "no endorsing organisation named");
    }
    Set<String> members = channelOrganisations();
    for (String org : endorsingOrgs) {
      if (!MSP_ID.matcher(org).matches()) {
        throw new RejectedException(
            ReasonCode.MALFORMED_OPERATION, operation.did(), "endorsing organisations are MSP ids");
      }
      if (!members.contains(org)) {
        throw new RejectedException(
            ReasonCode.UNKNOWN_ENDORSING_ORG,
            operation.did(),
            org + " is not an application organisation of channel " + channel);
      }
    }
    String json = new String(operation.toBytes(), StandardCharsets.UTF_8);
    Transaction endorsed;
    try {
      endorsed =
          contract
              .newProposal("createWithEndorsement")
              .addArguments(json, String.join(",", endorsingOrgs))
              .setEndorsingOrganizations(endorsingOrgs.toArray(new String[0]))
              .build()
              .endorse();
    } catch (EndorseException e) {
      throw GatewayRejections.rejected(e, operation.did());
    }
    return commit(endorsed, operation);
  }

  /**
   * The MSP ids of the channel's application organisations, from the channel configuration the peer
   * holds ({@code cscc GetChannelConfig}).
   */
  public Set<String> channelOrganisations() {
    byte[] bytes;
    try {
      bytes =
          gateway
              .getNetwork(channel)
              .getContract("cscc")
              .evaluateTransaction("GetChannelConfig", channel);
    } catch (GatewayException e) {
      throw new FabricLedgerUnavailableException(
          "channel configuration of " + channel + " not readable: " + e.getStatus().getCode(), e);
    }
    try {
      Config config = Config.parseFrom(bytes);
      ConfigGroup application = config.getChannelGroup().getGroupsMap().get("Application");
      Set<String> out = new TreeSet<>();
      if (application != null) {
        for (ConfigGroup org : application.getGroupsMap().values()) {
          ConfigValue msp = org.getValuesMap().get("MSP");
          if (msp != null) {
            MSPConfig mspConfig = MSPConfig.parseFrom(msp.getValue());
            out.add(FabricMSPConfig.parseFrom(mspConfig.getConfig()).getName());
          }
        }
      }
      return out;
    } catch (InvalidProtocolBufferException e) {
      throw new FabricLedgerUnavailableException("malformed channel configuration", e);
    }
  }

  private VersionRecord commit(Transaction endorsed, Operation operation) throws RejectedException {
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
      if (status.getCode() == TxValidationCode.ENDORSEMENT_POLICY_FAILURE) {
        throw new RejectedException(
            ReasonCode.ENDORSEMENT_POLICY_FAILURE,
            operation.did(),
            "the endorsements do not satisfy the DID's endorsement policy (block "
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
      Proposal.Builder head = contract.newProposal("head").addArguments(did, nonce);
      if (!readEndorsingOrgs.isEmpty()) {
        head.setEndorsingOrganizations(readEndorsingOrgs.toArray(new String[0]));
      }
      endorsed = head.build().endorse();
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

  /** The chaincode name. */
  public String chaincode() {
    return chaincode;
  }

  /** The gateway this ledger talks through. */
  public Gateway gateway() {
    return gateway;
  }
}
