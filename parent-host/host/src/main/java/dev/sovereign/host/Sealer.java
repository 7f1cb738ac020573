package dev.sovereign.host;

import dev.sovereign.attestation.seal.SealRejectedException;
import dev.sovereign.attestation.seal.SealedState;
import dev.sovereign.enclave.protocol.Message;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Seals the enclave's state and keeps the blobs ({@link SealStore}) with what each covers: the open
 * rounds and every payload of theirs that has a verdict. Decides when to seal (every {@code
 * everyPayloads} accepted payloads, and on the forwarder's interval while something changed).
 *
 * <p>Also notices a seal it did not ask for (anyone who reaches the enclave socket can send {@code
 * Seal}): such a seal moves the key broker's rollback counter past the host's last seal, so that a
 * recovery from the host's own seal would be refused. The enclave reports the sequence of its last
 * seal with every batch of verdicts and on {@code SealStatus} (protocol 1.2); when it is newer than
 * the newest seal the host holds, the host audits {@code seal-unrequested}, fetches that blob
 * ({@code LatestSeal}) and keeps it as its latest, covering exactly the payloads the enclave
 * counted before it (known from the sequence each batch reported), then seals again itself.
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
   * The sequence of the newest seal this host holds (its own or one it fetched); under the turn.
   */
  private long heldSequence;

  /** What the held seal covers. */
  private Set<String> heldCoverage = Set.of();

  /**
   * The DID of the enclave whose keys the held seal holds (null: none, or a seal stored before the
   * DID was recorded): payloads are acknowledged only while it is the enclave's current DID.
   */
  private volatile String sealedDid;

  /**
   * Set when a seal of the keys failed or a payload was refused for want of one: only then does
   * {@link #sealKeysIfUnsealed} act (not while a round's open is between its record and its seal).
   */
  private volatile boolean keysWanted;

  /** When {@link #sealKeysIfUnsealed} may try again (System.nanoTime), and its back-off. */
  private long keysRetryAt;

  private long keysBackoffMillis = KEYS_RETRY_FIRST_MILLIS;

  private static final long KEYS_RETRY_FIRST_MILLIS = 500;
  private static final long KEYS_RETRY_MAX_MILLIS = 10_000;

  /** Payloads the enclave counted since the held seal, with the seal sequence it reported. */
  private final List<Answered> answeredSince = new ArrayList<>();

  private record Answered(long sealSequence, List<String> payloadIds) {}

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
      Clock clock)
      throws IOException {
    this.seals = seals;
    this.enabled = enabled;
    this.everyPayloads = everyPayloads;
    this.enclave = enclave;
    this.inbox = inbox;
    this.audit = audit;
    this.turn = turn;
    this.clock = clock;
    Optional<SealStore.Seal> latest = seals.latest();
    if (latest.isPresent()) {
      heldSequence = sequenceOf(latest.get().blob()).orElse(0L);
      heldCoverage = latest.get().coveredPayloads();
      sealedDid = latest.get().enclaveDid();
    }
  }

  /**
   * Whether a payload may be answered 202 now: the enclave's current keys (its DID, as the host
   * last saw it) are in a seal this host holds, so a host killed now leaves a successor that
   * restores them and opens the payload. True without sealing, and while the host has not seen its
   * enclave yet (nothing to compare; recovery checks before any payload is forwarded).
   */
  boolean keysSealed() {
    if (!enabled) {
      return true;
    }
    Optional<String> current = enclave.currentDid();
    boolean sealed = current.isEmpty() || current.get().equals(sealedDid);
    if (!sealed) {
      keysWanted = true;
    }
    return sealed;
  }

  /**
   * Seals when the enclave's current keys are in no seal the host holds and a round is open (a seal
   * at a round's open or after a recovery that restored nothing failed); tried again with a
   * back-off from half a second to ten seconds. Payloads are refused meanwhile ({@link
   * #keysSealed}).
   */
  void sealKeysIfUnsealed() {
    try {
      retrySealingKeys();
    } catch (RuntimeException e) {
      LOG.warnf("keys seal retry failed: %s", e.getClass().getSimpleName());
    }
  }

  private void retrySealingKeys() {
    if (!keysWanted) {
      return;
    }
    if (keysSealed()) {
      keysWanted = false;
      return;
    }
    if (!consistent.getAsBoolean()) {
      return;
    }
    long now = System.nanoTime();
    if (now - keysRetryAt < 0) {
      return;
    }
    try {
      if (inbox.openRounds().isEmpty()) {
        return;
      }
    } catch (SQLException e) {
      return;
    }
    if (sealKeys("keys-unsealed")) {
      keysWanted = false;
      keysBackoffMillis = KEYS_RETRY_FIRST_MILLIS;
    } else {
      keysRetryAt = now + keysBackoffMillis * 1_000_000L;
      keysBackoffMillis = Math.min(KEYS_RETRY_MAX_MILLIS, 2 * keysBackoffMillis);
    }
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

  /**
   * A batch of verdicts was recorded ({@code answered}: the payloads the enclave counted); seals
   * when enough payloads were accepted since the last seal.
   */
  void processed(Message.PayloadVerdicts v, List<String> answered) {
    long accepted = v.verdicts().stream().filter(x -> x.outcome().equals("accepted")).count();
    changesSinceSeal.addAndGet(v.verdicts().size());
    if (v.sealSequence() != null) {
      try (EnclaveTurn.Held held = turn.take()) {
        answeredSince.add(new Answered(v.sealSequence(), List.copyOf(answered)));
        if (v.sealSequence() > heldSequence) {
          unrequested(v.sealSequence());
        }
      }
    }
    if (enabled && acceptedSinceSeal.addAndGet(accepted) >= everyPayloads) {
      sealQuietly();
    }
  }

  /**
   * The pipelined forwarder's half of {@link #processed}, on its thread while it holds the turn to
   * send, right after the enclave answered (before the verdicts are recorded): remembers which
   * payloads the enclave counted after which of its seals, and notices a seal the host did not ask
   * for (then seals itself, which waits for the recorder, {@link EnclaveTurn#take()}).
   */
  void answered(Message.PayloadVerdicts v, List<String> answered) {
    changesSinceSeal.addAndGet(v.verdicts().size());
    if (v.sealSequence() != null) {
      try (EnclaveTurn.Held held = turn.takeToSend()) {
        answeredSince.add(new Answered(v.sealSequence(), List.copyOf(answered)));
        if (v.sealSequence() > heldSequence) {
          unrequested(v.sealSequence());
        }
      }
    }
  }

  /**
   * The other half, on the recorder's thread once the batch's verdicts are recorded; never takes
   * the turn. Returns whether enough payloads were accepted since the last seal to seal now (the
   * forwarder does, on its own thread: a seal waits for the recorder).
   */
  boolean recorded(Message.PayloadVerdicts v) {
    long accepted = v.verdicts().stream().filter(x -> x.outcome().equals("accepted")).count();
    return enabled && acceptedSinceSeal.addAndGet(accepted) >= everyPayloads;
  }

  /** Recovery restored {@code seal} (or, if empty, found none the enclave would open). */
  void restored(Optional<SealStore.Seal> seal, byte[] blob) {
    try (EnclaveTurn.Held held = turn.take()) {
      answeredSince.clear();
      if (seal.isPresent()) {
        heldSequence = Math.max(heldSequence, sequenceOf(blob).orElse(0L));
        heldCoverage = seal.get().coveredPayloads();
        sealedDid = seal.get().enclaveDid(); // the enclave now runs that identity
      } else {
        heldCoverage = Set.of(); // a fresh enclave: every answered payload is sent to it again
      }
    }
  }

  /** Asks the enclave for its last seal's sequence; a newer one than the host holds is foreign. */
  void checkUnrequested() {
    if (!enabled) {
      return;
    }
    try (EnclaveTurn.Held held = turn.take()) {
      Message.SealStatusReport r =
          enclave.call(new Message.SealStatus(), Message.SealStatusReport.class);
      if (r.sequence() > heldSequence) {
        unrequested(r.sequence());
      }
    } catch (Problem p) {
      // an enclave away or before protocol 1.2: checked again later
    } catch (RuntimeException e) {
      LOG.warnf("seal check failed: %s", e.getClass().getSimpleName());
    }
  }

  /** A seal with {@code sequence} exists that this host did not make or fetch. Under the turn. */
  private void unrequested(long sequence) {
    LOG.errorf(
        "the enclave sealed (sequence %d) without this host asking; keeping that seal", sequence);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("sequence", sequence);
    f.put("heldSequence", heldSequence);
    try {
      byte[] blob =
          Base64.getDecoder()
              .decode(enclave.call(new Message.LatestSeal(), Message.Sealed.class).sealedState());
      long fetched = sequenceOf(blob).orElse(0L);
      if (fetched > heldSequence) {
        Set<String> covered = new HashSet<>(heldCoverage);
        for (Answered a : answeredSince) {
          if (a.sealSequence() < fetched) {
            covered.addAll(a.payloadIds()); // counted before that seal: it holds them
          }
        }
        // No rounds claimed: recovery reopens each (round-exists for those the blob holds).
        String did = enclave.currentDid().orElse(null); // the enclave that sealed it
        seals.store(blob, clock.instant(), Set.of(), covered, did);
        held(fetched, covered);
        sealedDid = did;
        f.put("fetchedSequence", fetched);
        f.put("sealedSha256", HostAudit.sha256Hex(blob));
        f.put("coveredPayloads", covered.size());
      }
    } catch (Problem | IOException e) {
      f.put("fetched", false);
      LOG.errorf("the unrequested seal could not be fetched; sealing again now");
    }
    audit.record("seal-unrequested", f);
    changesSinceSeal.incrementAndGet();
    try {
      seal("unrequested");
    } catch (Problem p) {
      LOG.warnf("seal after an unrequested one skipped: %s", p.code());
    }
  }

  private void held(long sequence, Set<String> covered) {
    heldSequence = sequence;
    heldCoverage = Set.copyOf(covered);
    answeredSince.removeIf(a -> a.sealSequence() < sequence);
  }

  /** The sequence in a blob's header (not verified: the blob is this host's own bookkeeping). */
  private static Optional<Long> sequenceOf(byte[] blob) {
    try {
      return Optional.of(SealedState.parse(blob).unverifiedHeader().sequence());
    } catch (SealRejectedException e) {
      return Optional.empty();
    }
  }

  /**
   * Stores the seal the first step of a two-phase close answered (protocol 1.6): it holds the
   * closed round and every payload the enclave counted (none is in flight under the turn), below
   * the key broker's mark until the host's second {@code CloseRound} raises the mark to it. A
   * failure to store is {@code store-unavailable}, and the result stays inside the enclave.
   */
  void storeCloseSeal(Message.Sealed sealed) {
    try (EnclaveTurn.Held held = turn.take()) {
      store(Base64.getDecoder().decode(sealed.sealedState()), coverage(), "close");
    } catch (SQLException | IOException e) {
      throw Problem.unavailable("store-unavailable", "the host could not store the sealed state");
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
   * Seals now so that the enclave's current keys are on the host's disk before payloads encrypted
   * to them are acknowledged (a round opened; a recovery that restored nothing gave the enclave
   * fresh keys). A failure is logged (and audited as {@code seal-refused} when the enclave
   * refused); payloads are answered 503 {@code keys-not-sealed} until {@link #sealKeysIfUnsealed}
   * succeeds.
   *
   * @return whether the seal was stored
   */
  boolean sealKeys(String trigger) {
    if (!enabled) {
      return false;
    }
    try {
      seal(trigger);
      return true;
    } catch (Problem p) {
      keysWanted = true;
      LOG.warnf(
          "seal after %s failed: %s; payloads are refused until a seal holds the keys",
          trigger, p.code());
    } catch (RuntimeException e) {
      keysWanted = true;
      LOG.warnf("seal after %s failed: %s", trigger, e.getClass().getSimpleName());
    }
    return false;
  }

  /**
   * Asks the enclave to seal now and stores the blob with what it covers. Drains are paused
   * meanwhile.
   *
   * @param trigger who asked: {@code admin}, {@code host} (its own schedule), {@code unrequested}
   *     (right after it found a seal it did not ask for), {@code round-opened}, {@code recovery} or
   *     {@code keys-unsealed} (the enclave's keys, {@link #sealKeys})
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
        Coverage coverage = coverage();
        long changes = changesSinceSeal.get();
        Message.Sealed sealed;
        try {
          sealed = enclave.call(new Message.Seal(), Message.Sealed.class);
        } catch (Problem p) {
          audit.record("seal-refused", Map.of("trigger", trigger, "code", p.code()));
          throw p;
        }
        SealStore.Seal stored =
            store(Base64.getDecoder().decode(sealed.sealedState()), coverage, trigger);
        changesSinceSeal.addAndGet(-changes);
        acceptedSinceSeal.set(0);
        return stored;
      } catch (SQLException | IOException e) {
        throw Problem.unavailable("store-unavailable", "the host could not store the sealed state");
      }
    }
  }

  /** The open rounds and the payloads answered in them: what a seal taken now holds. */
  private record Coverage(Set<String> rounds, Set<String> covered) {}

  /** What a seal taken now covers; call under the enclave turn. */
  private Coverage coverage() throws SQLException {
    Set<String> rounds = new LinkedHashSet<>();
    Set<String> covered = new HashSet<>();
    for (Inbox.RoundRecord r : inbox.openRounds()) {
      rounds.add(r.round());
      covered.addAll(inbox.answeredIds(r.round()));
    }
    return new Coverage(rounds, covered);
  }

  /**
   * Stores {@code blob} as the latest seal with what it covers, moves the held sequence and audits
   * it as {@code backup-sealed} by {@code trigger}; call under the enclave turn.
   */
  private SealStore.Seal store(byte[] blob, Coverage c, String trigger)
      throws SQLException, IOException {
    // under the turn, after a Health (seal) or a close in this enclave: its DID is the current one
    String did = enclave.currentDid().orElse(null);
    SealStore.Seal stored = seals.store(blob, clock.instant(), c.rounds(), c.covered(), did);
    held(sequenceOf(blob).orElse(heldSequence), c.covered());
    sealedDid = did;
    answeredSince.clear();
    audit.record(
        "backup-sealed",
        Map.of(
            "trigger",
            trigger,
            "sealedSha256",
            HostAudit.sha256Hex(blob),
            "rounds",
            c.rounds().size(),
            "coveredPayloads",
            c.covered().size(),
            "keyRelease",
            "granted"));
    return stored;
  }
}
