package dev.sovereign.enclave.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Every message of the protocol: one request and one response record per operation, and one {@link
 * Error} response. The type byte of each is fixed by {@link MessageType}.
 */
public sealed interface Message {

  /** Requests, sent by the host. */
  sealed interface Request extends Message {}

  /** Responses, sent by the enclave. */
  sealed interface Response extends Message {}

  /** Is the enclave serving, and with which identity and policy? */
  record Health() implements Request {}

  /**
   * Answer to {@link Health}. {@code auditSeq} (protocol 1.2): the seq of the last audit head this
   * enclave's identity signed in its sealed history, absent when it signed none: the next {@link
   * SignAuditHead} must extend it.
   */
  record HealthStatus(
      String status,
      String enclaveDid,
      String policySha256,
      int openRounds,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long auditSeq)
      implements Response {
    @JsonCreator
    public HealthStatus {}

    /** A status without an audit head (protocol 1.1 form). */
    public HealthStatus(String status, String enclaveDid, String policySha256, int openRounds) {
      this(status, enclaveDid, policySha256, openRounds, null);
    }
  }

  /**
   * Ask for an attestation document over the producer-facing key; {@code nonce} is hex (max 64
   * bytes).
   */
  record Attest(String nonce) implements Request {}

  /**
   * Answer to {@link Attest}: the COSE_Sign1 document (base64), the enclave DID, the encryption key
   * as a public JWK and its RFC 7638 thumbprint (the {@code kid} producers put in the JWE).
   */
  record Attestation(
      String document, String enclaveDid, Map<String, Object> encryptionKey, String kid)
      implements Response {}

  /** Open a round for one dataset; {@code policySha256} must equal the loaded policy's hash. */
  record OpenRound(String round, String dataset, String policySha256) implements Request {}

  /** Answer to {@link OpenRound}. */
  record RoundOpened(String round, String dataset, String policySha256) implements Response {}

  /**
   * Submit producer payloads (compact JWE each) to an open round; verified in parallel. With {@code
   * deferEvidence} true (optional; protocol 1.1) a payload that fails only for evidence the enclave
   * does not hold is answered {@code deferred} instead of rejected, if the policy allows asking the
   * host ({@code evidence.askHost}).
   */
  record SubmitPayloads(
      String round,
      List<String> payloads,
      @JsonInclude(JsonInclude.Include.NON_NULL) Boolean deferEvidence,
      @JsonInclude(JsonInclude.Include.NON_NULL) Boolean reportSeal)
      implements Request {
    @JsonCreator
    public SubmitPayloads {}

    /** Without deferral: every payload gets a final verdict. */
    public SubmitPayloads(String round, List<String> payloads) {
      this(round, payloads, null, null);
    }

    /** With {@code deferEvidence} (protocol 1.1); no seal report. */
    public SubmitPayloads(String round, List<String> payloads, Boolean deferEvidence) {
      this(round, payloads, deferEvidence, null);
    }
  }

  /**
   * Answer to {@link SubmitPayloads}: one verdict per payload, in request order. With {@code
   * reportSeal} (protocol 1.2) also {@code sealSequence}: the sequence of the last seal this
   * enclave made or restored before it counted these payloads (0 if none), so that the host knows
   * which seal covers them, including a seal it did not ask for.
   */
  record PayloadVerdicts(
      String round,
      List<Verdict> verdicts,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long sealSequence)
      implements Response {
    @JsonCreator
    public PayloadVerdicts {}

    public PayloadVerdicts(String round, List<Verdict> verdicts) {
      this(round, verdicts, null);
    }
  }

  /**
   * One payload's fate: {@code accepted} with its Merkle leaf (hex SHA-256 of the JWE bytes), or
   * {@code rejected} with a stable reason code, or (only when asked with {@code deferEvidence})
   * {@code deferred} with the reason it would get now and the evidence it {@code needs}; nothing of
   * a deferred payload is recorded in the round. Nothing else about the payload leaves the enclave.
   */
  record Verdict(
      String outcome,
      String reason,
      String leaf,
      @JsonInclude(JsonInclude.Include.NON_NULL) Needs needs) {
    @JsonCreator
    public Verdict {}

    public Verdict(String outcome, String reason, String leaf) {
      this(outcome, reason, leaf, null);
    }
  }

  /**
   * What a deferred payload needs: did:fabric DIDs whose evidence the host should supply (for a
   * fresh {@link EvidenceNonce}) and status list URLs (at most 8 of each).
   */
  record Needs(
      List<String> didLogs,
      List<String> statusLists,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> didDocuments) {
    @JsonCreator
    public Needs {}

    public Needs(List<String> didLogs, List<String> statusLists) {
      this(didLogs, statusLists, null);
    }
  }

  /**
   * Evidence the enclave verifies before use: DID operation logs and endorsed reads (did:fabric),
   * and status list credentials (compact JWT), keyed by their URL.
   */
  record SupplyEvidence(
      List<JsonNode> didLogs,
      List<JsonNode> endorsedReads,
      Map<String, String> statusLists,
      @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> didDocuments)
      implements Request {
    @JsonCreator
    public SupplyEvidence {}

    public SupplyEvidence(
        List<JsonNode> didLogs, List<JsonNode> endorsedReads, Map<String, String> statusLists) {
      this(didLogs, endorsedReads, statusLists, null);
    }

    /**
     * As {@link #of(List, Map)}, with did:ethr resolution results (DID Resolution JSON) by DID,
     * which the enclave takes on the host's word where the policy accepts did:ethr.
     */
    public static SupplyEvidence of(
        List<byte[]> didLogs, Map<String, String> statusLists, Map<String, String> didDocuments) {
      SupplyEvidence e = of(didLogs, statusLists);
      return new SupplyEvidence(
          e.didLogs(),
          null,
          e.statusLists(),
          didDocuments == null || didDocuments.isEmpty() ? null : didDocuments);
    }

    /**
     * did:fabric evidence objects given as JSON bytes (e.g. {@code FabricDidEvidence.bundle}),
     * parsed here so that callers need no Jackson types of their own (a host whose class loader has
     * its own Jackson would otherwise hand the codec nodes it writes as beans).
     *
     * @throws IllegalArgumentException if an object is not JSON
     */
    public static SupplyEvidence of(List<byte[]> didLogs, Map<String, String> statusLists) {
      List<JsonNode> nodes = new java.util.ArrayList<>(didLogs.size());
      for (byte[] b : didLogs) {
        try {
          nodes.add(Codec.json().readTree(b));
        } catch (java.io.IOException e) {
          throw new IllegalArgumentException("evidence object is not JSON", e);
        }
      }
      return new SupplyEvidence(
          nodes.isEmpty() ? null : nodes,
          null,
          statusLists == null || statusLists.isEmpty() ? null : statusLists);
    }
  }

  /**
   * Answer to {@link SupplyEvidence}: how many items of each kind were verified and stored ({@code
   * didDocuments}, stored unverified: absent unless some were stored, so 1.0 answers keep their
   * bytes; boxed because the strict reader refuses a missing primitive). {@code statusListsRefused}
   * (revision 1.2) maps each status list URL the enclave did not store to its reason code; absent
   * when every list was stored.
   */
  record EvidenceStored(
      int didLogs,
      int endorsedReads,
      int statusLists,
      @JsonInclude(JsonInclude.Include.NON_NULL) Integer didDocuments,
      @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> statusListsRefused)
      implements Response {
    @JsonCreator
    public EvidenceStored {
      statusListsRefused =
          statusListsRefused == null || statusListsRefused.isEmpty()
              ? null
              : java.util.Collections.unmodifiableSortedMap(
                  new java.util.TreeMap<>(statusListsRefused));
    }

    public EvidenceStored(int didLogs, int endorsedReads, int statusLists) {
      this(didLogs, endorsedReads, statusLists, null, null);
    }

    public EvidenceStored(int didLogs, int endorsedReads, int statusLists, Integer didDocuments) {
      this(didLogs, endorsedReads, statusLists, didDocuments, null);
    }

    /** Refused status lists by URL with their reason codes (empty when none was refused). */
    public Map<String, String> refusedStatusLists() {
      return statusListsRefused == null ? Map.of() : statusListsRefused;
    }

    /** How many did:ethr documents were stored (0 when absent). */
    public int didDocumentsStored() {
      return didDocuments == null ? 0 : didDocuments;
    }
  }

  /**
   * Ask for a fresh nonce for did:fabric endorsed reads (method spec section 11.1): the host gets
   * endorsed reads for this nonce and supplies them with {@link SupplyEvidence}.
   */
  record EvidenceNonce() implements Request {}

  /**
   * Answer to {@link EvidenceNonce}: a base64url nonce (128 bits) and when the enclave stops
   * accepting it.
   */
  record EvidenceNonceIssued(String nonce, String expiresAt) implements Response {}

  /**
   * The sovereignty policy YAML, for an enclave started without {@code --policy} (on Nitro the
   * policy cannot be inside the image: it lists the image's PCR0). Accepted once per boot.
   */
  record LoadPolicy(String yaml) implements Request {}

  /**
   * Answer to {@link LoadPolicy}: the loaded policy's hash (bound into every attestation from now
   * on) and the enclave DID.
   */
  record PolicyLoaded(String policySha256, String enclaveDid) implements Response {}

  /** Where a round stands in this enclave (protocol 1.2). */
  record DescribeRound(String round) implements Request {}

  /**
   * Answer to {@link DescribeRound}: {@code state} is a {@link RoundState} wire name ({@code open},
   * {@code closed} or {@code expired}), {@code expiresAt} when the round stops taking payloads
   * (opened + {@code retention.roundTtl}, ISO-8601), and for a round closed in this enclave life
   * its result {@code credential} (absent otherwise).
   */
  record RoundDescription(
      String round,
      String state,
      String expiresAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) String credential)
      implements Response {
    @JsonCreator
    public RoundDescription {}
  }

  /**
   * Close a round and publish its result credential. With {@code holdResult} true (protocol 1.6) an
   * enclave with a key broker closes the round and seals it without raising the broker's rollback
   * mark, keeps the result inside and answers {@link Sealed}: the host stores that blob, then a
   * {@code CloseRound} without {@code holdResult} raises the mark to its sequence and answers the
   * {@link RoundResult}. A round whose result already left answers it at once; an enclave without a
   * key broker ignores the flag.
   */
  record CloseRound(String round, @JsonInclude(JsonInclude.Include.NON_NULL) Boolean holdResult)
      implements Request {
    @JsonCreator
    public CloseRound {}

    /** A close whose result leaves with the answer (a close's seal raises the mark at once). */
    public CloseRound(String round) {
      this(round, null);
    }
  }

  /**
   * Answer to {@link CloseRound}: the result credential, a compact {@code vc+jwt} signed by the
   * enclave DID.
   */
  record RoundResult(String round, String credential) implements Response {}

  /**
   * Temporary AWS credentials for the enclave's own KMS calls (the kmstool model: the parent takes
   * them from its instance role and hands them over; an enclave has no metadata service). They
   * replace the previous ones; the host sends fresh ones before they expire. Accepted before and
   * after {@link LoadPolicy}. {@code sessionToken} is null for long-term keys. Never logged or
   * echoed.
   */
  record KmsCredentials(String accessKeyId, String secretAccessKey, String sessionToken)
      implements Request {
    @Override
    public String toString() {
      return "KmsCredentials[" + accessKeyId + ", secret and token not shown]";
    }
  }

  /** Answer to {@link KmsCredentials}: the access key id now in use. */
  record KmsCredentialsSet(String accessKeyId) implements Response {}

  /** Seal the enclave's state for backup. */
  record Seal() implements Request {}

  /** Answer to {@link Seal}: the sealed state (base64). */
  record Sealed(String sealedState) implements Response {}

  /**
   * The sequence of the last seal this enclave made or restored (protocol 1.2): the host compares
   * it with its own last seal to notice a seal it did not ask for.
   */
  record SealStatus() implements Request {}

  /**
   * Answer to {@link SealStatus}: {@code sequence} 0 if this enclave has neither sealed nor
   * restored.
   */
  record SealStatusReport(long sequence) implements Response {}

  /**
   * The blob of the last seal this enclave made (protocol 1.2), answered as {@link Sealed}; the
   * host keeps it when the seal was not its own, so that recovery can restore the newest seal the
   * key broker accepts.
   */
  record LatestSeal() implements Request {}

  /** Restore sealed state produced by an enclave with the same measurements. */
  record Restore(String sealedState) implements Request {}

  /** Answer to {@link Restore}: the number of rounds restored. */
  record Restored(int rounds) implements Response {}

  /**
   * Sign the host's audit chain head: {@code seq} (1-based) is the last entry covered and {@code
   * headSha256} the lowercase hex SHA-256 of that entry's line bytes. {@code entries} (protocol
   * 1.2) are the lines of entries {@code seq - entries.size() + 1 .. seq}: they must start right
   * after the last head this enclave signed ({@link HealthStatus#auditSeq()}), chain from it and
   * end at {@code headSha256}, so every head it signs extends the one before (one entry suffices
   * when it signed none). The enclave cannot check what the entries say, only that the log was not
   * rewritten under a head it signed.
   */
  record SignAuditHead(long seq, String headSha256, List<String> entries) implements Request {}

  /**
   * Answer to {@link SignAuditHead}: a compact JWS ({@code alg} EdDSA, {@code kid} the enclave DID
   * URL, {@code typ} {@code sovereign-audit-head+jwt}) over RFC 8785 JSON {@code {enclaveDid, head,
   * policySha256, seq, time}}.
   */
  record AuditHeadSigned(String jws) implements Response {}

  /** The error response: a code from the closed set and a detail written by the enclave. */
  record Error(String code, String detail) implements Response {
    public static Error of(ErrorCode code, String detail) {
      return new Error(code.wire(), detail);
    }
  }
}
