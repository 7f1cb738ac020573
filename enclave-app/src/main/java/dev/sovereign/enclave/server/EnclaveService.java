package dev.sovereign.enclave.server;

import dev.sovereign.attestation.nsm.Nsm;
import dev.sovereign.attestation.nsm.NsmException;
import dev.sovereign.enclave.audit.AuditHeadToken;
import dev.sovereign.enclave.audit.AuditRejectedException;
import dev.sovereign.enclave.audit.AuditVerifier;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.AcceptedPayload;
import dev.sovereign.enclave.pipeline.FabricEvidence;
import dev.sovereign.enclave.pipeline.HostWordDidDocuments;
import dev.sovereign.enclave.pipeline.MissingEvidence;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.pipeline.PayloadRejectedException;
import dev.sovereign.enclave.pipeline.RejectionReason;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.ErrorCode;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.protocol.RoundState;
import dev.sovereign.enclave.round.PrivacyBudget;
import dev.sovereign.enclave.round.ResultIssuer;
import dev.sovereign.enclave.round.Round;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * Answers protocol requests. Every answer is built from enclave-side values only; a payload's
 * contents never reach a response (verdicts carry a reason code and the Merkle leaf).
 */
public final class EnclaveService implements RequestHandler {
  /** Most payloads in one {@link Message.SubmitPayloads}. */
  public static final int MAX_PAYLOADS_PER_REQUEST = 4096;

  /** Longest nonce accepted for {@link Message.Attest}, in bytes. */
  public static final int MAX_NONCE_BYTES = 512;

  /** Most did:fabric evidence objects in one {@link Message.SupplyEvidence}. */
  public static final int MAX_EVIDENCE_PER_REQUEST = 256;

  /** Most audit entries in one {@link Message.SignAuditHead}. */
  public static final int MAX_AUDIT_ENTRIES = 1024;

  /** Longest audit entry line accepted, in characters. */
  public static final int MAX_AUDIT_LINE = 16 * 1024;

  private static final Pattern ROUND_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

  private final SovereigntyPolicy policy;
  private final EnclaveIdentity identity;
  private final Nsm nsm;
  private final PayloadPipeline pipeline;
  private final ResultIssuer issuer;
  private final ExecutorService verifiers;
  private final EvidenceStore evidence;
  private final FabricEvidence fabric;
  private final HostWordDidDocuments ethr;
  private final EvidenceStore.StatusListVerifier statusListVerifier;
  private final Clock clock;
  private final Map<String, Round> rounds = new ConcurrentHashMap<>();
  private final PrivacyBudget budget = new PrivacyBudget();

  /**
   * The result credential this identity signed for each closed round, by round id: sealed, so it
   * survives a restore, and answered by {@link Message.DescribeRound} and a repeated close.
   */
  private final Map<String, String> results = new ConcurrentHashMap<>();

  /** The last audit head this identity signed: seq 0 and no head when none (guarded by itself). */
  private final Object auditLock = new Object();

  private long auditSeq;
  private String auditHead;

  public EnclaveService(
      SovereigntyPolicy policy,
      EnclaveIdentity identity,
      Nsm nsm,
      PayloadPipeline pipeline,
      ResultIssuer issuer,
      ExecutorService verifiers,
      EvidenceStore evidence,
      FabricEvidence fabric,
      Clock clock) {
    this(policy, identity, nsm, pipeline, issuer, verifiers, evidence, fabric, null, clock);
  }

  /**
   * @param ethr did:ethr documents on the host's word; null unless the policy accepts did:ethr
   */
  public EnclaveService(
      SovereigntyPolicy policy,
      EnclaveIdentity identity,
      Nsm nsm,
      PayloadPipeline pipeline,
      ResultIssuer issuer,
      ExecutorService verifiers,
      EvidenceStore evidence,
      FabricEvidence fabric,
      HostWordDidDocuments ethr,
      Clock clock) {
    this(
        policy,
        identity,
        nsm,
        pipeline,
        issuer,
        verifiers,
        evidence,
        fabric,
        ethr,
        EvidenceStore.REFUSE_ALL,
        clock);
  }

  /**
   * @param ethr did:ethr documents on the host's word; null unless the policy accepts did:ethr
   * @param statusLists verifies a status list the host supplies before it is stored
   */
  public EnclaveService(
      SovereigntyPolicy policy,
      EnclaveIdentity identity,
      Nsm nsm,
      PayloadPipeline pipeline,
      ResultIssuer issuer,
      ExecutorService verifiers,
      EvidenceStore evidence,
      FabricEvidence fabric,
      HostWordDidDocuments ethr,
      EvidenceStore.StatusListVerifier statusLists,
      Clock clock) {
    this.statusListVerifier = statusLists;
    this.ethr = ethr;
    this.policy = policy;
    this.identity = identity;
    this.nsm = nsm;
    this.pipeline = pipeline;
    this.issuer = issuer;
    this.verifiers = verifiers;
    this.evidence = evidence;
    this.fabric = fabric;
    this.clock = clock;
  }

  /** The results this identity signed (round id to credential), for sealing. */
  public Map<String, String> results() {
    return Map.copyOf(results);
  }

  /** The result already signed for {@code round}, if any. */
  public Optional<String> result(String round) {
    return round == null ? Optional.empty() : Optional.ofNullable(results.get(round));
  }

  /** Takes over a result signed before a seal (before any request is served). */
  public void adoptResult(String round, String credential) {
    results.put(round, credential);
  }

  /** Every round this enclave life knows (open and closed), for sealing. */
  public java.util.Collection<Round> rounds() {
    return List.copyOf(rounds.values());
  }

  /** The epsilon each dataset has spent (sealed with the rounds). */
  public PrivacyBudget privacyBudget() {
    return budget;
  }

  /** The evidence this service holds (status lists travel in the sealed state). */
  public EvidenceStore evidence() {
    return evidence;
  }

  /** The last audit head this identity signed, for sealing; empty when it signed none. */
  public Optional<AuditHead> auditHead() {
    synchronized (auditLock) {
      return auditSeq == 0 ? Optional.empty() : Optional.of(new AuditHead(auditSeq, auditHead));
    }
  }

  /** Takes over the last signed audit head from sealed state (before any request is served). */
  public void adoptAuditHead(AuditHead h) {
    synchronized (auditLock) {
      auditSeq = h.seq();
      auditHead = h.head();
    }
  }

  /** An audit chain head: the seq of the entry it covers and that entry's SHA-256 (hex). */
  public record AuditHead(long seq, String head) {
    public AuditHead {
      if (seq < 1 || head == null || !AuditHeadToken.HEAD.matcher(head).matches()) {
        throw new IllegalArgumentException("seq >= 1 and a lowercase hex SHA-256 head");
      }
    }
  }

  /** Takes over a round restored from sealed state; false if its id is already used here. */
  public boolean adopt(Round round) {
    return rounds.putIfAbsent(round.id(), round) == null;
  }

  /** Handles one request; never throws for bad input (that is an {@link Message.Error}). */
  @Override
  public Message.Response handle(Message.Request request) {
    try {
      if (request instanceof Message.Health) {
        return new Message.HealthStatus(
            "serving",
            identity.did(),
            policy.sha256Hex(),
            (int) rounds.values().stream().filter(r -> !r.isClosed()).count(),
            auditHead().map(AuditHead::seq).orElse(null));
      } else if (request instanceof Message.Attest a) {
        return attest(a);
      } else if (request instanceof Message.OpenRound o) {
        return open(o);
      } else if (request instanceof Message.SubmitPayloads s) {
        return submit(s);
      } else if (request instanceof Message.SupplyEvidence e) {
        return supply(e);
      } else if (request instanceof Message.EvidenceNonce) {
        String nonce = fabric.issueNonce();
        return new Message.EvidenceNonceIssued(
            nonce, fabric.nonceExpiry(nonce).orElseThrow().toString());
      } else if (request instanceof Message.CloseRound c) {
        return close(c, null);
      } else if (request instanceof Message.DescribeRound d) {
        return describe(d);
      } else if (request instanceof Message.SignAuditHead h) {
        return signAuditHead(h);
      } else if (request instanceof Message.Seal
          || request instanceof Message.Restore
          || request instanceof Message.SealStatus
          || request instanceof Message.LatestSeal) {
        return Message.Error.of(
            ErrorCode.UNAVAILABLE, "this enclave was started without a key broker");
      }
      return Message.Error.of(ErrorCode.UNKNOWN_MESSAGE_TYPE, request.getClass().getSimpleName());
    } catch (Rejected e) {
      return e.error;
    }
  }

  private Message.Response attest(Message.Attest a) throws Rejected {
    byte[] nonce;
    try {
      nonce = HexFormat.of().parseHex(required(a.nonce(), "nonce"));
    } catch (IllegalArgumentException e) {
      throw new Rejected(ErrorCode.MALFORMED_MESSAGE, "nonce is not hex");
    }
    if (nonce.length == 0 || nonce.length > MAX_NONCE_BYTES) {
      throw new Rejected(
          ErrorCode.MALFORMED_MESSAGE, "nonce must be 1.." + MAX_NONCE_BYTES + " bytes");
    }
    try {
      byte[] doc =
          nsm.attestation(
              identity.userData(policy.sha256Hex()), nonce, identity.encryptionKeySpki());
      return new Message.Attestation(
          java.util.Base64.getEncoder().encodeToString(doc),
          identity.did(),
          identity.encryptionJwk(),
          identity.encryptionKid());
    } catch (NsmException e) {
      throw new Rejected(ErrorCode.INTERNAL, "the NSM refused: " + e.code());
    }
  }

  private Message.Response open(Message.OpenRound o) throws Rejected {
    String id = required(o.round(), "round");
    if (!ROUND_ID.matcher(id).matches()) {
      throw new Rejected(ErrorCode.MALFORMED_MESSAGE, "round id must match " + ROUND_ID.pattern());
    }
    if (!policy.sha256Hex().equals(required(o.policySha256(), "policySha256"))) {
      throw new Rejected(
          ErrorCode.POLICY_MISMATCH, "this enclave runs policy " + policy.sha256Hex());
    }
    SovereigntyPolicy.Dataset ds =
        policy
            .dataset(required(o.dataset(), "dataset"))
            .orElseThrow(
                () ->
                    new Rejected(
                        ErrorCode.DATASET_NOT_IN_POLICY,
                        "the policy declares datasets " + policy.datasets().keySet()));
    Round r = new Round(id, ds, clock.instant(), policy.output().maxGroups());
    if (rounds.putIfAbsent(id, r) != null) {
      throw new Rejected(ErrorCode.ROUND_EXISTS, "round " + id + " was already opened");
    }
    return new Message.RoundOpened(id, ds.name(), policy.sha256Hex());
  }

  private Round openRound(String id) throws Rejected {
    Round r = rounds.get(required(id, "round"));
    if (r == null) {
      throw new Rejected(ErrorCode.UNKNOWN_ROUND, "no such round");
    }
    switch (state(r)) {
      case CLOSED -> throw new Rejected(ErrorCode.ROUND_CLOSED, "round is closed");
      case EXPIRED -> throw new Rejected(ErrorCode.ROUND_EXPIRED, "round is past its time to live");
      default -> {
        return r;
      }
    }
  }

  /** Where a round stands: closed, past its time to live, or open. */
  private RoundState state(Round r) {
    if (r.isClosed()) {
      return RoundState.CLOSED;
    }
    return clock.instant().isAfter(expiresAt(r)) ? RoundState.EXPIRED : RoundState.OPEN;
  }

  private Instant expiresAt(Round r) {
    return r.opened().plus(policy.retention().roundTtl());
  }

  private Message.Response describe(Message.DescribeRound d) throws Rejected {
    Round r = rounds.get(required(d.round(), "round"));
    if (r == null) {
      throw new Rejected(ErrorCode.UNKNOWN_ROUND, "no such round");
    }
    RoundState s = state(r);
    return new Message.RoundDescription(
        r.id(),
        s.wire(),
        expiresAt(r).toString(),
        s == RoundState.CLOSED ? results.get(r.id()) : null);
  }

  private Message.Response submit(Message.SubmitPayloads s) throws Rejected {
    Round r = openRound(s.round());
    List<String> payloads = s.payloads();
    if (payloads == null || payloads.isEmpty() || payloads.size() > MAX_PAYLOADS_PER_REQUEST) {
      throw new Rejected(
          ErrorCode.MALFORMED_MESSAGE,
          "payloads must hold 1.." + MAX_PAYLOADS_PER_REQUEST + " entries");
    }
    // deferral needs both: the host asking for it and the policy allowing the enclave to name
    // evidence
    boolean defer = Boolean.TRUE.equals(s.deferEvidence()) && policy.evidence().askHost();
    List<Future<Message.Verdict>> futures = new ArrayList<>(payloads.size());
    for (String p : payloads) {
      futures.add(verifiers.submit(() -> verdict(r, p, defer)));
    }
    List<Message.Verdict> verdicts = new ArrayList<>(payloads.size());
    for (Future<Message.Verdict> f : futures) {
      try {
        verdicts.add(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Rejected(ErrorCode.INTERNAL, "interrupted");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IllegalStateException && r.isClosed()) {
          throw new Rejected(ErrorCode.ROUND_CLOSED, "round closed while verifying");
        }
        // the pipeline turns every failure into a typed rejection; should anything after it still
        // throw, that payload alone is rejected (with no verified producer to tie it to) and the
        // batch is answered
        try {
          r.rejectUnauthenticated();
        } catch (IllegalStateException closed) {
          throw new Rejected(ErrorCode.ROUND_CLOSED, "round closed while verifying");
        }
        verdicts.add(rejected(RejectionReason.PAYLOAD_UNPROCESSABLE));
      }
    }
    return new Message.PayloadVerdicts(r.id(), verdicts);
  }

  /**
   * One payload's verdict. The same bytes sent again in a round (a host that lost the verdicts of a
   * batch it sent: killed, reattached, restored) get the verdict they got first and are not counted
   * again (protocol 1.7); copies verified at the same time wait for the first. Another payload
   * reusing an accepted {@code jti} is still a {@code replay}.
   */
  private Message.Verdict verdict(Round r, String payload, boolean defer) {
    if (payload == null) {
      r.rejectUnauthenticated();
      return rejected(RejectionReason.MALFORMED_JWE);
    }
    byte[] digest = pipeline.leaf(payload);
    Claim claim = new Claim(r.id(), java.nio.ByteBuffer.wrap(digest));
    java.util.concurrent.CompletableFuture<Message.Verdict> mine =
        new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<Message.Verdict> first =
        verifying.putIfAbsent(claim, mine);
    if (first != null) {
      try {
        return first.join(); // a deferred first copy is answered deferred too: nothing counted
      } catch (java.util.concurrent.CompletionException e) {
        throw e.getCause() instanceof RuntimeException x ? x : e;
      }
    }
    try {
      Message.Verdict v = firstOrNewVerdict(r, payload, digest, defer);
      mine.complete(v);
      return v;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      verifying.remove(claim, mine);
    }
  }

  private Message.Verdict firstOrNewVerdict(Round r, String payload, byte[] digest, boolean defer) {
    Optional<Round.Seen> seen = r.seen(digest);
    if (seen.isPresent()) {
      return seen.get() instanceof Round.Seen.Accepted a
          ? new Message.Verdict("accepted", null, HexFormat.of().formatHex(a.leaf()))
          : rejected(((Round.Seen.Rejected) seen.get()).reason());
    }
    try {
      AcceptedPayload a = pipeline.verify(r.id(), r.dataset().name(), payload, digest);
      Optional<RejectionReason> replay = r.accept(a);
      if (replay.isPresent()) {
        return rejected(replay.get());
      }
      return new Message.Verdict("accepted", null, HexFormat.of().formatHex(a.leaf()));
    } catch (PayloadRejectedException e) {
      if (defer && e.missingEvidence().isPresent()) {
        // not counted, not in the replay set: the resend after the host supplied the evidence is a
        // first sight
        MissingEvidence.Needs n = e.missingEvidence().get();
        return new Message.Verdict(
            "deferred",
            e.reason().code(),
            null,
            new Message.Needs(n.didLogs(), n.statusLists(), n.didDocuments()));
      }
      // the result counts a verified producer's rejection under its reason, and noise (no
      // signature verified) apart, so junk cannot inflate what it says about producers
      Optional<String> producer = e.authenticatedProducer();
      if (producer.isPresent()) {
        r.rejectAuthenticated(e.reason(), producer.get(), digest);
      } else {
        r.rejectUnauthenticated(e.reason(), digest);
      }
      return rejected(e.reason());
    }
  }

  /** A payload being verified: its round and the SHA-256 of its bytes. */
  private record Claim(String round, java.nio.ByteBuffer digest) {}

  /** Payloads being verified now, so that a copy waits for the first's verdict. */
  private final Map<Claim, java.util.concurrent.CompletableFuture<Message.Verdict>> verifying =
      new ConcurrentHashMap<>();

  private static Message.Verdict rejected(RejectionReason reason) {
    return new Message.Verdict("rejected", reason.code(), null);
  }

  private Message.Response supply(Message.SupplyEvidence e) throws Rejected {
    if (e.statusLists() != null && e.statusLists().size() > EvidenceStore.MAX_STATUS_LISTS) {
      throw new Rejected(
          ErrorCode.EVIDENCE_REJECTED,
          "at most " + EvidenceStore.MAX_STATUS_LISTS + " statusLists per request");
    }
    if (e.endorsedReads() != null && !e.endorsedReads().isEmpty()) {
      throw new Rejected(
          ErrorCode.EVIDENCE_REJECTED,
          "endorsed reads travel inside didLogs evidence objects {did, log, endorsedRead} (method spec 11.1)");
    }
    int didLogs = 0;
    List<String> failures = new ArrayList<>();
    if (e.didLogs() != null) {
      if (e.didLogs().size() > MAX_EVIDENCE_PER_REQUEST) {
        throw new Rejected(
            ErrorCode.EVIDENCE_REJECTED,
            "at most " + MAX_EVIDENCE_PER_REQUEST + " didLogs per request");
      }
      for (com.fasterxml.jackson.databind.JsonNode bundle : e.didLogs()) {
        try {
          fabric.supply(bundle);
          didLogs++;
        } catch (dev.sovereign.did.fabric.core.RejectedException x) {
          failures.add((x.did() == null ? "(no did)" : x.did()) + " " + x.reason().code());
        }
      }
    }
    int didDocuments = 0;
    if (e.didDocuments() != null && !e.didDocuments().isEmpty()) {
      if (ethr == null) {
        throw new Rejected(ErrorCode.EVIDENCE_REJECTED, "the policy does not accept did:ethr");
      }
      if (e.didDocuments().size() > MAX_EVIDENCE_PER_REQUEST) {
        throw new Rejected(
            ErrorCode.EVIDENCE_REJECTED,
            "at most " + MAX_EVIDENCE_PER_REQUEST + " didDocuments per request");
      }
      for (Map.Entry<String, String> d : e.didDocuments().entrySet()) {
        try {
          ethr.supply(d.getKey(), d.getValue());
          didDocuments++;
        } catch (IllegalArgumentException x) {
          failures.add("didDocuments: " + x.getMessage());
        }
      }
    }
    // after the DID evidence of the same request: a list's issuer may be a did:fabric DID whose
    // log arrives with it. Each list is verified before it is stored and only moves its URL
    // forward; a refused list is named with its reason and changes nothing
    int statusLists = 0;
    Map<String, String> refused = new java.util.TreeMap<>();
    if (e.statusLists() != null) {
      java.time.Instant now = clock.instant();
      for (Map.Entry<String, String> s : e.statusLists().entrySet()) {
        Optional<EvidenceStore.Refusal> r =
            evidence.offer(s.getKey(), s.getValue(), now, statusListVerifier);
        if (r.isPresent()) {
          if (s.getKey() != null && s.getKey().length() <= EvidenceStore.MAX_URL_CHARS) {
            refused.put(s.getKey(), r.get().code());
          }
        } else {
          statusLists++;
        }
      }
    }
    if (!failures.isEmpty()) {
      refused.forEach((url, code) -> failures.add("statusLists: " + code));
      throw new Rejected(
          ErrorCode.EVIDENCE_REJECTED,
          didLogs + " didLogs verified; rejected: " + String.join(", ", failures));
    }
    return new Message.EvidenceStored(
        didLogs, didLogs, statusLists, didDocuments == 0 ? null : didDocuments, refused);
  }

  /**
   * Closes a round, spends its dataset's epsilon and signs its result once: a round whose result
   * this identity already signed gets those same bytes again, never a second result (nor a second
   * spend). {@code sealSequence} (null without a key broker) is named in the result: the sequence
   * reserved for the seal that records the closed round.
   */
  public Message.Response close(Message.CloseRound c, Long sealSequence) {
    try {
      Optional<String> signed = result(c.round());
      if (signed.isPresent()) {
        return new Message.RoundResult(c.round(), signed.get());
      }
      Round r = openRound(c.round());
      SovereigntyPolicy.Dataset ds = r.dataset();
      PrivacyBudget.Spend spend = null;
      if (ds.epsilon().isPresent()) {
        BigDecimal epsilon = new BigDecimal(Double.toString(ds.epsilon().get()));
        BigDecimal total =
            new BigDecimal(Double.toString(ds.privacy().budgetEpsilon().orElseThrow()));
        spend =
            budget
                .trySpend(ds.name(), epsilon, total)
                .orElseThrow(
                    () ->
                        new Rejected(
                            ErrorCode.PRIVACY_BUDGET_EXHAUSTED,
                            "closing spends epsilon "
                                + epsilon.stripTrailingZeros().toPlainString()
                                + "; dataset "
                                + ds.name()
                                + " has spent "
                                + budget.spent(ds.name()).stripTrailingZeros().toPlainString()
                                + " of "
                                + total.stripTrailingZeros().toPlainString()));
      }
      Round.Snapshot s;
      try {
        s = r.close();
      } catch (IllegalStateException e) {
        if (spend != null) {
          budget.refund(spend);
        }
        throw new Rejected(ErrorCode.ROUND_CLOSED, "round is closed");
      }
      String credential = issuer.issue(s, clock.instant(), spend, sealSequence);
      results.put(r.id(), credential);
      return new Message.RoundResult(r.id(), credential);
    } catch (Rejected e) {
      return e.error;
    }
  }

  /**
   * Signs a head only if it extends the last one this identity signed: the entries start right
   * after it, chain from its hash and end at the requested head. So a rewritten log, a deleted
   * entry or a lower seq can never be signed again under this DID.
   */
  private Message.Response signAuditHead(Message.SignAuditHead h) throws Rejected {
    String head = required(h.headSha256(), "headSha256");
    List<String> entries = h.entries();
    if (h.seq() < 1 || !AuditHeadToken.HEAD.matcher(head).matches()) {
      throw new Rejected(
          ErrorCode.MALFORMED_MESSAGE, "seq must be >= 1 and headSha256 64 lowercase hex digits");
    }
    if (entries == null
        || entries.isEmpty()
        || entries.size() > MAX_AUDIT_ENTRIES
        || entries.size() > h.seq()) {
      throw new Rejected(
          ErrorCode.MALFORMED_MESSAGE,
          "entries must hold 1.." + MAX_AUDIT_ENTRIES + " lines ending at seq (protocol 1.2)");
    }
    for (String line : entries) {
      if (line == null || line.length() > MAX_AUDIT_LINE) {
        throw new Rejected(
            ErrorCode.MALFORMED_MESSAGE, "an entry is missing or longer than " + MAX_AUDIT_LINE);
      }
    }
    long after = h.seq() - entries.size();
    synchronized (auditLock) {
      if (auditSeq > 0 && after != auditSeq) {
        throw new Rejected(
            ErrorCode.AUDIT_HEAD_REFUSED,
            "the entries must start right after seq "
                + auditSeq
                + ", the last head this enclave signed");
      }
      String computed;
      try {
        computed = AuditVerifier.extend(after, auditSeq > 0 ? auditHead : null, entries);
      } catch (AuditRejectedException e) {
        throw new Rejected(
            ErrorCode.AUDIT_HEAD_REFUSED,
            e.code() + " at seq " + e.line() + ": the entries do not extend the last signed head");
      }
      if (!computed.equals(head)) {
        throw new Rejected(
            ErrorCode.AUDIT_HEAD_REFUSED,
            "the entries do not hash to headSha256 at seq " + h.seq());
      }
      String jws =
          AuditHeadToken.sign(identity, policy.sha256Hex(), h.seq(), head, clock.instant());
      auditSeq = h.seq();
      auditHead = head;
      return new Message.AuditHeadSigned(jws);
    }
  }

  private static String required(String v, String name) throws Rejected {
    if (v == null) {
      throw new Rejected(ErrorCode.MALFORMED_MESSAGE, name + " is required");
    }
    return v;
  }

  /** A request refused with a protocol error. */
  private static final class Rejected extends Exception {
    final Message.Error error;

    Rejected(ErrorCode code, String detail) {
      super(detail, null, false, false);
      this.error = Message.Error.of(code, detail);
    }
  }
}
