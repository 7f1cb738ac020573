package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Message;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Seals the enclave's state and keeps the blobs ({@link SealStore}) with what each covers: the open
 * rounds and every payload of theirs that has a verdict. Decides when to seal (every {@code
 * everyPayloads} accepted payloads, and on the forwarder's interval while something changed).
 */
final class Sealer {
  private static final Logger LOG = Logger.getLogger(Sealer.class);

  private final SealStore seals;
  private final boolean enabled;
  private final int everyPayloads;
  private final EnclaveGateway enclave;
  private final Inbox inbox;
  private final HostAudit audit;
  private final EnclaveTurn turn;
  private final Clock clock;
  private BooleanSupplier consistent = () -> true;
  private final AtomicLong changesSinceSeal = new AtomicLong();
  private final AtomicLong acceptedSinceSeal = new AtomicLong();

  /**
   * @param enabled whether the enclave can seal at all (it was started with a key broker)
   */
  Sealer(
      SealStore seals,
      boolean enabled,
      int everyPayloads,
      EnclaveGateway enclave,
      Inbox inbox,
      HostAudit audit,
      EnclaveTurn turn,
      Clock clock) {
    this.seals = seals;
    this.enabled = enabled;
    this.everyPayloads = everyPayloads;
    this.enclave = enclave;
    this.inbox = inbox;
    this.audit = audit;
    this.turn = turn;
    this.clock = clock;
  }

  /**
   * False while a recovery is incomplete: a seal then would claim payloads the enclave has not
   * seen.
   */
  void consistentWhen(BooleanSupplier consistent) {
    this.consistent = consistent;
  }

  boolean enabled() {
    return enabled;
  }

  SealStore store() {
    return seals;
  }

  /** Something the enclave holds changed (a round opened or closed, a payload resent). */
  void changed(long n) {
    changesSinceSeal.addAndGet(n);
  }

  /** A batch of verdicts was recorded; seals when enough payloads were accepted since the last. */
  void processed(Message.PayloadVerdicts v) {
    long accepted = v.verdicts().stream().filter(x -> x.outcome().equals("accepted")).count();
    changesSinceSeal.addAndGet(v.verdicts().size());
    if (enabled && acceptedSinceSeal.addAndGet(accepted) >= everyPayloads) {
      sealQuietly();
    }
  }

  /** Seals if anything changed since the last seal; failures are logged, never thrown. */
  void sealQuietly() {
    if (!enabled || changesSinceSeal.get() == 0) {
      return;
    }
    try {
      seal("host");
    } catch (Problem p) {
      LOG.warnf("seal skipped: %s", p.code());
    } catch (RuntimeException e) {
      LOG.warnf("seal failed: %s", e.getClass().getSimpleName());
    }
  }

  /**
   * Asks the enclave to seal now and stores the blob with what it covers. Drains are paused
   * meanwhile.
   *
   * @param trigger who asked: {@code admin} or {@code host} (its own schedule)
   */
  SealStore.Seal seal(String trigger) {
    if (!enabled) {
      throw Problem.unavailable(
          "sealing-unavailable", "this host's enclave runs without a key broker");
    }
    try (EnclaveTurn.Held held = turn.take()) {
      // An enclave restarted behind the host's back (a new DID) must be recovered first: sealing
      // its empty successor would make the latest seal forget every accepted payload.
      enclave.health();
      if (!consistent.getAsBoolean()) {
        throw Problem.unavailable(
            "enclave-recovering", "the enclave is being recovered; retry later");
      }
      try {
        Set<String> rounds = new LinkedHashSet<>();
        Set<String> covered = new HashSet<>();
        for (Inbox.RoundRecord r : inbox.openRounds()) {
          rounds.add(r.round());
          covered.addAll(inbox.answeredIds(r.round()));
        }
        long changes = changesSinceSeal.get();
        Message.Sealed sealed;
        try {
          sealed = enclave.call(new Message.Seal(), Message.Sealed.class);
        } catch (Problem p) {
          audit.record("seal-refused", Map.of("trigger", trigger, "code", p.code()));
          throw p;
        }
        byte[] blob = Base64.getDecoder().decode(sealed.sealedState());
        SealStore.Seal stored = seals.store(blob, clock.instant(), rounds, covered);
        audit.record(
            "backup-sealed",
            Map.of(
                "trigger",
                trigger,
                "sealedSha256",
                HostAudit.sha256Hex(blob),
                "rounds",
                rounds.size(),
                "coveredPayloads",
                covered.size(),
                "keyRelease",
                "granted"));
        changesSinceSeal.addAndGet(-changes);
        acceptedSinceSeal.set(0);
        return stored;
      } catch (SQLException | IOException e) {
        throw Problem.unavailable("store-unavailable", "the host could not store the sealed state");
      }
    }
  }
}
