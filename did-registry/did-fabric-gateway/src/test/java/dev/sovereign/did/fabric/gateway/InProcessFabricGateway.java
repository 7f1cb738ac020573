package dev.sovereign.did.fabric.gateway;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import dev.sovereign.did.fabric.chaincode.DidFabricChaincode;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hyperledger.fabric.contract.Context;
import org.hyperledger.fabric.contract.annotation.Transaction;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.gateway.ChaincodeEventsRequest;
import org.hyperledger.fabric.protos.gateway.ChaincodeEventsResponse;
import org.hyperledger.fabric.protos.gateway.CommitStatusRequest;
import org.hyperledger.fabric.protos.gateway.CommitStatusResponse;
import org.hyperledger.fabric.protos.gateway.EndorseRequest;
import org.hyperledger.fabric.protos.gateway.EndorseResponse;
import org.hyperledger.fabric.protos.gateway.ErrorDetail;
import org.hyperledger.fabric.protos.gateway.EvaluateRequest;
import org.hyperledger.fabric.protos.gateway.EvaluateResponse;
import org.hyperledger.fabric.protos.gateway.GatewayGrpc;
import org.hyperledger.fabric.protos.gateway.SignedChaincodeEventsRequest;
import org.hyperledger.fabric.protos.gateway.SignedCommitStatusRequest;
import org.hyperledger.fabric.protos.gateway.SubmitRequest;
import org.hyperledger.fabric.protos.gateway.SubmitResponse;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRead;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVWrite;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.Version;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeEndorsedAction;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.hyperledger.fabric.protos.peer.ChaincodeHeaderExtension;
import org.hyperledger.fabric.protos.peer.ChaincodeID;
import org.hyperledger.fabric.protos.peer.ChaincodeInvocationSpec;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.Endorsement;
import org.hyperledger.fabric.protos.peer.Proposal;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Response;
import org.hyperledger.fabric.protos.peer.SignedProposal;
import org.hyperledger.fabric.protos.peer.TransactionAction;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.hyperledger.fabric.shim.ChaincodeException;
import org.hyperledger.fabric.shim.ChaincodeStub;
import org.hyperledger.fabric.shim.ledger.CompositeKey;
import org.hyperledger.fabric.shim.ledger.KeyValue;
import org.hyperledger.fabric.shim.ledger.QueryResultsIterator;

/**
 * The Fabric Gateway gRPC service ({@code gateway.Gateway}), in process, with one peer of one
 * organisation that runs the REAL did:fabric chaincode ({@link DidFabricChaincode}, invoked through
 * its {@code @Transaction} methods with a real {@link Context}). It checks what a peer checks
 * (proposal and envelope signatures by the creator, transaction id = hex(SHA-256(nonce ||
 * creator)), MVCC read versions at commit), builds proposal responses and prepared transactions in
 * Fabric's message formats, signs endorsements with the peer key, and records every request for
 * assertions. Not a Fabric peer: no ordering service, no gossip, no policies beyond one endorser.
 */
public final class InProcessFabricGateway extends GatewayGrpc.GatewayImplBase {
  static final String PEER_ADDRESS = "peer0.org1.example.com:7051";

  private final TestPki pki;
  private final String channel;
  private final String chaincode;
  private final TreeMap<String, byte[]> state = new TreeMap<>();
  private final Map<String, Long> versions = new HashMap<>();
  private final Map<String, Pending> pending = new HashMap<>();
  private final Map<String, TxValidationCode> statuses = new HashMap<>();
  private final Map<String, Long> blocks = new HashMap<>();
  private final List<ChaincodeEventsResponse> committedEvents = new ArrayList<>();
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private long height;

  public final List<EndorseRequest> endorseRequests = new CopyOnWriteArrayList<>();

  /**
   * How many of the next endorsements fail as Fabric's Gateway fails when it sends the same
   * proposal to one peer twice (the peer: {@code txid: ID(CHANNEL) exists}).
   */
  final java.util.concurrent.atomic.AtomicInteger duplicateProposalFailures =
      new java.util.concurrent.atomic.AtomicInteger();

  public final List<EndorseResponse> endorseResponses = new CopyOnWriteArrayList<>();
  public final List<SubmitRequest> submitRequests = new CopyOnWriteArrayList<>();
  public final List<EvaluateRequest> evaluateRequests = new CopyOnWriteArrayList<>();
  final List<SignedCommitStatusRequest> commitStatusRequests = new CopyOnWriteArrayList<>();
  final List<SignedChaincodeEventsRequest> eventRequests = new CopyOnWriteArrayList<>();

  public InProcessFabricGateway(TestPki org, String channel, String chaincode) {
    this.pki = org;
    this.channel = channel;
    this.chaincode = chaincode;
  }

  private record Pending(
      Map<String, Long> reads,
      Map<String, byte[]> writes,
      ChaincodeEvent event,
      ByteString payload) {}

  private record Subscriber(String chaincode, StreamObserver<ChaincodeEventsResponse> observer) {}

  /** A decoded, signature-checked proposal. */
  record Invocation(
      Proposal proposal,
      Header header,
      ChannelHeader channelHeader,
      SignatureHeader signatureHeader,
      SerializedIdentity creator,
      ChaincodeProposalPayload payload,
      String chaincodeName,
      List<String> args) {}

  static PublicKey publicKey(SerializedIdentity identity) throws Exception {
    return CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(identity.getIdBytes().toByteArray()))
        .getPublicKey();
  }

  static boolean verifies(PublicKey key, byte[] message, byte[] signature) throws Exception {
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initVerify(key);
    s.update(message);
    return s.verify(signature);
  }

  static Invocation decode(SignedProposal signed) throws Exception {
    Proposal proposal = Proposal.parseFrom(signed.getProposalBytes());
    Header header = Header.parseFrom(proposal.getHeader());
    ChannelHeader ch = ChannelHeader.parseFrom(header.getChannelHeader());
    SignatureHeader sh = SignatureHeader.parseFrom(header.getSignatureHeader());
    SerializedIdentity creator = SerializedIdentity.parseFrom(sh.getCreator());
    ChaincodeProposalPayload cpp = ChaincodeProposalPayload.parseFrom(proposal.getPayload());
    ChaincodeInvocationSpec spec = ChaincodeInvocationSpec.parseFrom(cpp.getInput());
    List<String> args = new ArrayList<>();
    for (ByteString arg : spec.getChaincodeSpec().getInput().getArgsList()) {
      args.add(arg.toStringUtf8());
    }
    String name = ChaincodeHeaderExtension.parseFrom(ch.getExtension()).getChaincodeId().getName();
    return new Invocation(proposal, header, ch, sh, creator, cpp, name, args);
  }

  private Invocation checked(SignedProposal signed, String requestTxId, String requestChannel) {
    try {
      Invocation inv = decode(signed);
      if (!verifies(
          publicKey(inv.creator()),
          signed.getProposalBytes().toByteArray(),
          signed.getSignature().toByteArray())) {
        throw error(Code.PERMISSION_DENIED, "proposal signature does not verify", null);
      }
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(inv.signatureHeader().getNonce().toByteArray());
      sha.update(inv.signatureHeader().getCreator().toByteArray());
      String expectedTxId = HexFormat.of().formatHex(sha.digest());
      if (!expectedTxId.equals(inv.channelHeader().getTxId())
          || !expectedTxId.equals(requestTxId)
          || inv.channelHeader().getType() != HeaderType.ENDORSER_TRANSACTION_VALUE
          || !channel.equals(inv.channelHeader().getChannelId())
          || !channel.equals(requestChannel)
          || !chaincode.equals(inv.chaincodeName())) {
        throw error(Code.INVALID_ARGUMENT, "malformed proposal header", null);
      }
      return inv;
    } catch (StatusRuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw error(Code.INVALID_ARGUMENT, "undecodable proposal: " + e, null);
    }
  }

  private StatusRuntimeException error(Code code, String message, String detail) {
    com.google.rpc.Status.Builder status =
        com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(message);
    if (detail != null) {
      status.addDetails(
          Any.pack(
              ErrorDetail.newBuilder()
                  .setAddress(PEER_ADDRESS)
                  .setMspId(pki.mspId)
                  .setMessage(detail)
                  .build()));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  /** The result of running the chaincode for one proposal, before commit. */
  private record Simulation(
      int status,
      String message,
      ByteString payload,
      Map<String, Long> reads,
      Map<String, byte[]> writes,
      ChaincodeEvent event) {}

  private synchronized Simulation simulate(Invocation inv) {
    Map<String, Long> reads = new LinkedHashMap<>();
    Map<String, byte[]> writes = new TreeMap<>();
    ChaincodeEvent[] event = {null};
    String txId = inv.channelHeader().getTxId();
    com.google.protobuf.Timestamp ts = inv.channelHeader().getTimestamp();
    Instant time = Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
    ChaincodeStub stub =
        (ChaincodeStub)
            Proxy.newProxyInstance(
                ChaincodeStub.class.getClassLoader(),
                new Class<?>[] {ChaincodeStub.class},
                (proxy, method, a) -> {
                  switch (method.getName()) {
                    case "getChannelId":
                      return channel;
                    case "getTxId":
                      return txId;
                    case "getTxTimestamp":
                      return time;
                    case "getCreator":
                      return inv.signatureHeader().getCreator().toByteArray();
                    case "getState":
                      {
                        String key = (String) a[0];
                        reads.put(key, versions.getOrDefault(key, 0L));
                        return state.get(key);
                      }
                    case "putState":
                      writes.put((String) a[0], ((byte[]) a[1]).clone());
                      return null;
                    case "setEvent":
                      if (event[0] != null) {
                        throw new IllegalStateException("second event");
                      }
                      event[0] =
                          ChaincodeEvent.newBuilder()
                              .setChaincodeId(chaincode)
                              .setTxId(txId)
                              .setEventName((String) a[0])
                              .setPayload(ByteString.copyFrom((byte[]) a[1]))
                              .build();
                      return null;
                    case "setStateValidationParameter":
                      return null;
                    case "createCompositeKey":
                      return new CompositeKey((String) a[0], (String[]) a[1]);
                    case "getStateByPartialCompositeKey":
                      return range(new CompositeKey((String) a[0], (String[]) a[1]).toString());
                    case "hashCode":
                      return System.identityHashCode(proxy);
                    case "equals":
                      return proxy == a[0];
                    case "toString":
                      return "stub(" + txId + ")";
                    default:
                      throw new UnsupportedOperationException(method.getName());
                  }
                });
    String function = inv.args().get(0);
    List<String> params = inv.args().subList(1, inv.args().size());
    for (Method m : DidFabricChaincode.class.getMethods()) {
      if (m.getName().equals(function)
          && m.isAnnotationPresent(Transaction.class)
          && m.getParameterCount() == params.size() + 1) {
        Object[] callArgs = new Object[params.size() + 1];
        callArgs[0] = new Context(stub);
        for (int i = 0; i < params.size(); i++) {
          callArgs[i + 1] = params.get(i);
        }
        try {
          String result = (String) m.invoke(new DidFabricChaincode(), callArgs);
          return new Simulation(200, "", ByteString.copyFromUtf8(result), reads, writes, event[0]);
        } catch (InvocationTargetException e) {
          if (e.getCause() instanceof ChaincodeException ce) {
            return new Simulation(500, ce.getMessage(), ByteString.EMPTY, reads, Map.of(), null);
          }
          return new Simulation(
              500, "chaincode failed: " + e.getCause(), ByteString.EMPTY, reads, Map.of(), null);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return new Simulation(
        500, "Undefined contract method called", ByteString.EMPTY, reads, Map.of(), null);
  }

  private QueryResultsIterator<KeyValue> range(String prefix) {
    List<KeyValue> found = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : state.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      byte[] value = e.getValue();
      String key = e.getKey();
      found.add(
          new KeyValue() {
            @Override
            public String getKey() {
              return key;
            }

            @Override
            public byte[] getValue() {
              return value.clone();
            }

            @Override
            public String getStringValue() {
              return new String(value, StandardCharsets.UTF_8);
            }
          });
    }
    return new QueryResultsIterator<>() {
      @Override
      public Iterator<KeyValue> iterator() {
        return found.iterator();
      }

      @Override
      public void close() {}
    };
  }

  private byte[] peerSign(byte[] message) throws Exception {
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(pki.peerKey);
    s.update(message);
    return s.sign();
  }

  @Override
  public void evaluate(EvaluateRequest request, StreamObserver<EvaluateResponse> observer) {
    evaluateRequests.add(request);
    try {
      Invocation inv =
          checked(
              request.getProposedTransaction(), request.getTransactionId(), request.getChannelId());
      Simulation sim = simulate(inv);
      if (sim.status() != 200) {
        throw error(
            Code.ABORTED,
            "evaluate call to endorser returned error: " + sim.message(),
            "chaincode response " + sim.status() + ", " + sim.message());
      }
      observer.onNext(
          EvaluateResponse.newBuilder()
              .setResult(Response.newBuilder().setStatus(200).setPayload(sim.payload()))
              .build());
      observer.onCompleted();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
    }
  }

  @Override
  public void endorse(EndorseRequest request, StreamObserver<EndorseResponse> observer) {
    endorseRequests.add(request);
    try {
      if (duplicateProposalFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw error(
            Code.ABORTED,
            "failed to endorse transaction, see attached details for more info",
            "error in simulation: failed to execute transaction "
                + request.getTransactionId()
                + ": error sending: txid: "
                + request.getTransactionId()
                + "("
                + request.getChannelId()
                + ") exists");
      }
      Invocation inv =
          checked(
              request.getProposedTransaction(), request.getTransactionId(), request.getChannelId());
      Simulation sim = simulate(inv);
      if (sim.status() != 200) {
        throw error(
            Code.ABORTED,
            "failed to endorse transaction, see attached details for more info",
            "chaincode response " + sim.status() + ", " + sim.message());
      }
      KVRWSet.Builder kv = KVRWSet.newBuilder();
      sim.reads()
          .forEach(
              (k, v) ->
                  kv.addReads(
                      KVRead.newBuilder()
                          .setKey(k)
                          .setVersion(Version.newBuilder().setBlockNum(v))
                          .build()));
      sim.writes()
          .forEach(
              (k, v) ->
                  kv.addWrites(KVWrite.newBuilder().setKey(k).setValue(ByteString.copyFrom(v))));
      TxReadWriteSet rwset =
          TxReadWriteSet.newBuilder()
              .setDataModel(TxReadWriteSet.DataModel.KV)
              .addNsRwset(
                  NsReadWriteSet.newBuilder()
                      .setNamespace(chaincode)
                      .setRwset(kv.build().toByteString()))
              .build();
      ChaincodeAction.Builder action =
          ChaincodeAction.newBuilder()
              .setResults(rwset.toByteString())
              .setResponse(Response.newBuilder().setStatus(200).setPayload(sim.payload()))
              .setChaincodeId(ChaincodeID.newBuilder().setName(chaincode));
      if (sim.event() != null) {
        action.setEvents(sim.event().toByteString());
      }
      // Fabric hashes the proposal header with the proposal payload stripped of its transient map.
      ByteString cppNoTransient =
          inv.payload().toBuilder().clearTransientMap().build().toByteString();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(inv.proposal().getHeader().toByteArray());
      sha.update(cppNoTransient.toByteArray());
      ProposalResponsePayload prp =
          ProposalResponsePayload.newBuilder()
              .setProposalHash(ByteString.copyFrom(sha.digest()))
              .setExtension(action.build().toByteString())
              .build();
      byte[] endorser = TestPki.serialized(pki.mspId, pki.peerCert);
      byte[] prpBytes = prp.toByteArray();
      byte[] toSign = new byte[prpBytes.length + endorser.length];
      System.arraycopy(prpBytes, 0, toSign, 0, prpBytes.length);
      System.arraycopy(endorser, 0, toSign, prpBytes.length, endorser.length);
      Endorsement endorsement =
          Endorsement.newBuilder()
              .setEndorser(ByteString.copyFrom(endorser))
              .setSignature(ByteString.copyFrom(peerSign(toSign)))
              .build();
      ChaincodeActionPayload cap =
          ChaincodeActionPayload.newBuilder()
              .setChaincodeProposalPayload(cppNoTransient)
              .setAction(
                  ChaincodeEndorsedAction.newBuilder()
                      .setProposalResponsePayload(prp.toByteString())
                      .addEndorsements(endorsement))
              .build();
      org.hyperledger.fabric.protos.peer.Transaction tx =
          org.hyperledger.fabric.protos.peer.Transaction.newBuilder()
              .addActions(
                  TransactionAction.newBuilder()
                      .setHeader(inv.header().getSignatureHeader())
                      .setPayload(cap.toByteString()))
              .build();
      Payload payload =
          Payload.newBuilder().setHeader(inv.header()).setData(tx.toByteString()).build();
      synchronized (this) {
        pending.put(
            inv.channelHeader().getTxId(),
            new Pending(sim.reads(), sim.writes(), sim.event(), payload.toByteString()));
      }
      EndorseResponse response =
          EndorseResponse.newBuilder()
              .setPreparedTransaction(Envelope.newBuilder().setPayload(payload.toByteString()))
              .build();
      endorseResponses.add(response);
      observer.onNext(response);
      observer.onCompleted();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
    } catch (Exception e) {
      observer.onError(error(Code.INTERNAL, e.toString(), null));
    }
  }

  @Override
  public void submit(SubmitRequest request, StreamObserver<SubmitResponse> observer) {
    submitRequests.add(request);
    try {
      Envelope envelope = request.getPreparedTransaction();
      Payload payload = Payload.parseFrom(envelope.getPayload());
      SerializedIdentity creator =
          SerializedIdentity.parseFrom(
              SignatureHeader.parseFrom(payload.getHeader().getSignatureHeader()).getCreator());
      if (!verifies(
          publicKey(creator),
          envelope.getPayload().toByteArray(),
          envelope.getSignature().toByteArray())) {
        throw error(Code.PERMISSION_DENIED, "transaction signature does not verify", null);
      }
      String txId = ChannelHeader.parseFrom(payload.getHeader().getChannelHeader()).getTxId();
      synchronized (this) {
        Pending p = pending.remove(txId);
        if (p == null
            || !p.payload().equals(envelope.getPayload())
            || !txId.equals(request.getTransactionId())) {
          throw error(Code.FAILED_PRECONDITION, "not the transaction that was endorsed", null);
        }
        long block = ++height;
        boolean valid =
            p.reads().entrySet().stream()
                .allMatch(r -> versions.getOrDefault(r.getKey(), 0L).equals(r.getValue()));
        blocks.put(txId, block);
        if (!valid) {
          statuses.put(txId, TxValidationCode.MVCC_READ_CONFLICT);
        } else {
          statuses.put(txId, TxValidationCode.VALID);
          p.writes()
              .forEach(
                  (k, v) -> {
                    state.put(k, v);
                    versions.put(k, block);
                  });
          if (p.event() != null) {
            ChaincodeEventsResponse events =
                ChaincodeEventsResponse.newBuilder()
                    .setBlockNumber(block)
                    .addEvents(p.event())
                    .build();
            committedEvents.add(events);
            for (Subscriber s : subscribers) {
              if (s.chaincode().equals(chaincode)) {
                s.observer().onNext(events);
              }
            }
          }
        }
      }
      observer.onNext(SubmitResponse.getDefaultInstance());
      observer.onCompleted();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
    } catch (Exception e) {
      observer.onError(error(Code.INTERNAL, e.toString(), null));
    }
  }

  @Override
  public void commitStatus(
      SignedCommitStatusRequest request, StreamObserver<CommitStatusResponse> observer) {
    commitStatusRequests.add(request);
    try {
      CommitStatusRequest r = CommitStatusRequest.parseFrom(request.getRequest());
      if (!verifies(
          publicKey(SerializedIdentity.parseFrom(r.getIdentity())),
          request.getRequest().toByteArray(),
          request.getSignature().toByteArray())) {
        throw error(
            Code.PERMISSION_DENIED, "commit status request signature does not verify", null);
      }
      synchronized (this) {
        TxValidationCode code = statuses.get(r.getTransactionId());
        if (code == null) {
          throw error(Code.NOT_FOUND, "unknown transaction " + r.getTransactionId(), null);
        }
        observer.onNext(
            CommitStatusResponse.newBuilder()
                .setResult(code)
                .setBlockNumber(blocks.get(r.getTransactionId()))
                .build());
      }
      observer.onCompleted();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
    } catch (Exception e) {
      observer.onError(error(Code.INTERNAL, e.toString(), null));
    }
  }

  @Override
  public void chaincodeEvents(
      SignedChaincodeEventsRequest request, StreamObserver<ChaincodeEventsResponse> observer) {
    try {
      ChaincodeEventsRequest r = ChaincodeEventsRequest.parseFrom(request.getRequest());
      if (!verifies(
          publicKey(SerializedIdentity.parseFrom(r.getIdentity())),
          request.getRequest().toByteArray(),
          request.getSignature().toByteArray())) {
        throw error(
            Code.PERMISSION_DENIED, "chaincode events request signature does not verify", null);
      }
      synchronized (this) {
        if (r.getStartPosition().hasSpecified()) {
          long start = r.getStartPosition().getSpecified().getNumber();
          for (ChaincodeEventsResponse past : committedEvents) {
            if (past.getBlockNumber() >= start) {
              observer.onNext(past);
            }
          }
        }
        subscribers.add(new Subscriber(r.getChaincodeId(), observer));
      }
      eventRequests.add(request); // recorded once the subscription is live, so tests can wait on it
    } catch (StatusRuntimeException e) {
      observer.onError(e);
    } catch (InvalidProtocolBufferException e) {
      observer.onError(error(Code.INVALID_ARGUMENT, e.toString(), null));
    } catch (Exception e) {
      observer.onError(error(Code.INTERNAL, e.toString(), null));
    }
  }
}
