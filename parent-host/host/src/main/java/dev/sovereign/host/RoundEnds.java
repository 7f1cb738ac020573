package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.protocol.RoundState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Ends a round for good when the enclave reports it closed or expired, or recovery cannot give it
 * back: the round takes a final state in the host's record and every payload of it the enclave
 * never took gets a final rejection with a reason code ({@code round-closed}, {@code
 * round-expired}, {@code round-lost}), recorded and audited per payload. Never a retry: nothing
 * here calls recovery.
 */
final class RoundEnds {
  private static final Logger LOG = Logger.getLogger(RoundEnds.class);

  /** The final rejection of a payload whose round the enclave closed before it was delivered. */
  static final String ROUND_CLOSED = "round-closed";

  /** The final rejection of a payload whose round passed its time to live before delivery. */
  static final String ROUND_EXPIRED = "round-expired";

  /** The final rejection of a payload whose round no recovery could give back to the enclave. */
  static final String ROUND_LOST = "round-lost";

  private final EnclaveGateway enclave;
  private final Inbox inbox;
  private final HostAudit audit;
  private final Sealer sealer;

  RoundEnds(EnclaveGateway enclave, Inbox inbox, HostAudit audit, Sealer sealer) {
    this.enclave = enclave;
    this.inbox = inbox;
    this.audit = audit;
    this.sealer = sealer;
  }

  /** Whether an enclave answer (a problem code) says the round is over for good. */
  static boolean isFinal(String problemCode) {
    return problemCode.equals(ROUND_CLOSED) || problemCode.equals(ROUND_EXPIRED);
  }

  /**
   * The enclave answered {@code problemCode} ({@code round-closed} or {@code round-expired}) for
   * {@code round}: asks it where the round stands (for a result issued by a close this host did not
   * make) and ends the round in the host's record.
   *
   * @return the round's result credential, if the enclave closed it and still holds the result
   */
  Optional<String> endedInEnclave(String round, String problemCode) {
    RoundState state = problemCode.equals(ROUND_CLOSED) ? RoundState.CLOSED : RoundState.EXPIRED;
    Optional<String> credential = Optional.empty();
    try {
      Message.RoundDescription d =
          enclave.call(new Message.DescribeRound(round), Message.RoundDescription.class);
      Optional<RoundState> said = RoundState.fromWire(d.state()).filter(RoundState::isFinal);
      if (said.isPresent()) {
        state = said.get();
        credential = Optional.ofNullable(d.credential());
      }
    } catch (Problem p) {
      // an enclave before protocol 1.2, or gone again: its error code is the verdict
    }
    end(
        round,
        state,
        state == RoundState.CLOSED ? ROUND_CLOSED : ROUND_EXPIRED,
        "enclave",
        credential);
    return credential;
  }

  /** The round is past the expiry the enclave gave it: ends it without asking the enclave. */
  void expired(String round) {
    end(round, RoundState.EXPIRED, ROUND_EXPIRED, "host", Optional.empty());
  }

  /** No recovery could give the round back to the enclave. */
  void lost(String round) {
    end(round, RoundState.EXPIRED, ROUND_LOST, "recovery", Optional.empty());
  }

  private void end(
      String round, RoundState state, String reason, String by, Optional<String> credential) {
    List<String> ids;
    try {
      ids = inbox.endRound(round, state.wire(), reason);
      if (credential.isPresent()) {
        inbox.closeRound(round, credential.get());
      }
    } catch (Inbox.UnavailableException e) {
      throw Problem.unavailable("store-unavailable", "the host could not record the round's end");
    }
    List<Map<String, Object>> rejected = new ArrayList<>(ids.size());
    for (String id : ids) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("round", round);
      f.put("payloadId", id);
      f.put("outcome", "rejected");
      f.put("reason", reason);
      f.put("final", true);
      rejected.add(f);
    }
    audit.recordAll("submission", rejected);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("round", round);
    f.put("state", state.wire());
    f.put("reason", reason);
    f.put("by", by);
    f.put("finalRejections", ids.size());
    credential.ifPresent(
        c -> f.put("resultSha256", HostAudit.sha256Hex(c.getBytes(StandardCharsets.US_ASCII))));
    audit.record("round-ended", f);
    sealer.changed(1);
    LOG.warnf(
        "round %s ended %s (%s, by %s); %d payloads got a final rejection",
        round, state.wire(), reason, by, ids.size());
  }
}
