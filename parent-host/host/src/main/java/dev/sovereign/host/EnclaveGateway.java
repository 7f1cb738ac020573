package dev.sovereign.host;

import dev.sovereign.enclave.protocol.ErrorCode;
import dev.sovereign.enclave.protocol.Message;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The host's way to its enclave: starts a dead development enclave again, makes sure the enclave
 * runs the host's policy before anything else reaches it, notices a new enclave (a new identity, or
 * one booted without a policy) and hands it to recovery, and maps protocol errors to the host's
 * problems.
 */
final class EnclaveGateway implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EnclaveGateway.class);

  /** Told when the enclave behind the link is not the one the host last worked with. */
  interface NewEnclave {
    void met();
  }

  private final EnclaveLink link;
  private final EnclaveLauncher launcher;
  private final EnclavePolicy policy;
  private final EnclaveTurn turn;
  private final Clock clock;
  private final AtomicReference<String> enclaveDid = new AtomicReference<>();
  private volatile NewEnclave onNewEnclave = () -> {};

  /** True once the enclave behind the link was seen running {@link #policy}. */
  private volatile boolean policyChecked;

  private Instant nextStartAttempt = Instant.MIN;

  /**
   * @param launcher the dev enclave process, or null when the enclave is not the host's child
   * @param policy the policy this host loads into an enclave booted without one, or null
   */
  EnclaveGateway(
      EnclaveLink link,
      EnclaveLauncher launcher,
      EnclavePolicy policy,
      EnclaveTurn turn,
      Clock clock) {
    this.link = link;
    this.launcher = launcher;
    this.policy = policy;
    this.turn = turn;
    this.clock = clock;
  }

  void onNewEnclave(NewEnclave listener) {
    this.onNewEnclave = listener;
  }

  Optional<EnclaveLauncher> launcher() {
    return Optional.ofNullable(launcher);
  }

  /** Sends one request to the enclave, restarting a dead dev enclave first. */
  <R extends Message.Response> R call(Message.Request request, Class<R> type) {
    try {
      ensureEnclave();
      ensurePolicy();
      try {
        return link.call(request, type);
      } catch (EnclaveLink.EnclaveErrorException e) {
        if (policy == null || !is(e, ErrorCode.POLICY_NOT_LOADED)) {
          throw e;
        }
        // A new enclave booted without a policy behind the host's back: ours goes in first, then
        // recovery.
        policyChecked = false;
        ensurePolicy();
        onNewEnclave.met();
        return link.call(request, type);
      }
    } catch (EnclaveLink.EnclaveErrorException e) {
      if (is(e, ErrorCode.SEAL_REJECTED)
          && e.detail() != null
          && e.detail().matches("[A-Z0-9_:]{1,120}")) {
        throw new Problem(
            422, "seal-rejected", "the enclave refused the sealed state: " + e.detail());
      }
      throw problem(e.code());
    } catch (EnclaveLink.LinkException | IOException e) {
      LOG.warnf(
          "enclave unavailable: %s (%s)",
          e.getMessage(), e.getCause() == null ? "-" : e.getCause().toString());
      throw Problem.unavailable("enclave-unavailable", "the enclave is not reachable; retry later");
    }
  }

  /**
   * One request straight over the link: no restart, no policy check, no recovery, errors as the
   * enclave gave them (recovery's own calls).
   */
  <R extends Message.Response> R direct(Message.Request request, Class<R> type)
      throws EnclaveLink.EnclaveErrorException, EnclaveLink.LinkException {
    return link.call(request, type);
  }

  /** The enclave's health; also notices a restarted enclave and recovers its rounds. */
  Message.HealthStatus health() {
    Message.HealthStatus h = call(new Message.Health(), Message.HealthStatus.class);
    if (policy != null && !policy.runsIn(h)) {
      policyChecked = false; // looked at again (and refused, unless replaced) on the next call
      LOG.errorf(
          "enclave %s runs policy sha256 %s, not this host's %s; refusing to use it",
          h.enclaveDid(), h.policySha256(), policy.sha256());
      throw Problem.unavailable(
          "policy-mismatch", "the enclave runs another policy than this host's");
    }
    String previous = enclaveDid.getAndSet(h.enclaveDid());
    if (previous != null && !previous.equals(h.enclaveDid())) {
      onNewEnclave.met();
    }
    return h;
  }

  /** The DID of the enclave the host works with, as last seen; empty when not known. */
  Optional<String> currentDid() {
    return Optional.ofNullable(enclaveDid.get());
  }

  /** Records the enclave the host now works with (after a recovery or restore). */
  void workingWith(String did) {
    enclaveDid.set(did);
  }

  /** Forgets the enclave identity, so the next {@link #health()} treats the enclave as new. */
  void forget() {
    enclaveDid.set(null);
  }

  /** False while the host has its own policy and has not yet seen the enclave run it. */
  boolean policyReady() {
    return policy == null || policyChecked;
  }

  /** Checks the enclave's policy now if it can, logging (not throwing) when it cannot yet. */
  void checkPolicyQuietly() {
    try {
      ensurePolicy();
    } catch (IOException | Problem e) {
      LOG.warnf(
          "the enclave's policy is not checked yet (%s); checked again before every use",
          e instanceof Problem p ? p.code() : "enclave unreachable");
    }
  }

  private void ensureEnclave() throws IOException {
    if (launcher != null && !launcher.alive()) {
      try (EnclaveTurn.Held held = turn.take()) {
        if (!launcher.alive()) {
          if (clock.instant().isBefore(nextStartAttempt)) {
            throw new IOException(
                "the enclave failed to start; next attempt at " + nextStartAttempt);
          }
          LOG.warn("the enclave process is gone; starting a new one");
          link.reset();
          try {
            launcher.start(Duration.ofSeconds(60));
          } catch (IOException e) {
            // A child that cannot boot (e.g. a rebuilt jar the policy does not list) is not retried
            // every tick.
            nextStartAttempt = clock.instant().plusSeconds(5);
            throw e;
          }
          policyChecked = false;
          ensurePolicy();
          onNewEnclave.met();
        }
      }
    }
  }

  /**
   * With {@code load-policy}: makes sure the enclave runs this host's policy before anything else
   * is sent to it, loading the policy into an enclave that booted without one; an enclave running
   * another policy is refused (503 {@code policy-mismatch}), never overwritten.
   */
  private void ensurePolicy() throws IOException {
    if (policy == null || policyChecked) {
      return;
    }
    try (EnclaveTurn.Held held = turn.take()) {
      if (policyChecked) {
        return;
      }
      try {
        policy.ensure(link);
        policyChecked = true;
      } catch (EnclavePolicy.Refused r) {
        throw Problem.unavailable(r.code(), r.getMessage());
      } catch (EnclaveLink.LinkException e) {
        throw new IOException("the enclave is not reachable", e);
      }
    }
  }

  static boolean is(EnclaveLink.EnclaveErrorException e, ErrorCode code) {
    return code.wire().equals(e.code());
  }

  /** The host's problem for an enclave error code (never the enclave's detail). */
  static Problem problem(String code) {
    return switch (ErrorCode.fromWire(code).orElse(ErrorCode.INTERNAL)) {
      case UNKNOWN_ROUND -> Problem.notFound("unknown-round", "the enclave has no such open round");
      case ROUND_EXISTS -> new Problem(409, "round-exists", "the round id is already in use");
      case ROUND_CLOSED -> new Problem(409, "round-closed", "the round is closed");
      case ROUND_EXPIRED -> new Problem(409, "round-expired", "the round is past its time to live");
      case POLICY_MISMATCH ->
          new Problem(409, "policy-mismatch", "the enclave loaded another policy");
      case DATASET_NOT_IN_POLICY ->
          Problem.badRequest("dataset-not-in-policy", "the dataset is not in the policy");
      case POLICY_FORBIDS ->
          Problem.badRequest("policy-forbids", "the policy forbids this request");
      case EVIDENCE_REJECTED ->
          Problem.badRequest("evidence-rejected", "the enclave rejected the evidence");
      case SEAL_REJECTED ->
          Problem.badRequest("seal-rejected", "the enclave rejected the sealed state");
      case UNAVAILABLE ->
          Problem.unavailable(
              "enclave-component-unavailable", "the enclave lacks a component for this");
      default ->
          Problem.unavailable(
              "enclave-error", "the enclave could not serve the request (" + code + ")");
    };
  }

  @Override
  public void close() {
    link.close();
    if (launcher != null) {
      launcher.close();
    }
  }
}
