package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Message;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Drains the inbox into the enclave, pipelined on two threads: the forwarder sends a batch of
 * pending payloads (grouped by round, oldest first) and, once the enclave answered, hands the
 * verdicts to the recorder and sends the next batch while the recorder records the previous one
 * (the verdicts in one transaction, then one audit line each). The enclave works on batch N+1 while
 * the host records batch N; the forwarder runs at most one batch ahead of the recorder.
 *
 * <p>A payload answered and not yet recorded is <em>in flight</em>: the next batch leaves it out
 * ({@link #inFlight}), and the recorder takes it off once its verdict is committed (or the commit
 * failed: then it is sent again). Nothing of this is on disk: after a host killed or a link that
 * failed, an unrecorded payload is still pending in the store and is sent again; the enclave
 * answers a payload it already counted, sent again byte for byte, with its first verdict and counts
 * it once (protocol 1.7), and a verdict is recorded only once (the store keeps the first).
 *
 * <p>Whoever needs the enclave and the store to agree (a seal, a restore, a recovery, a round's
 * close or end) takes the {@link EnclaveTurn} with {@link EnclaveTurn#take()}, which waits until
 * the recorder caught up; the forwarder sends only while it holds the turn, so such a taker sees
 * every answered payload with its verdict and none in flight. The recorder never calls the enclave
 * and never takes the turn: the audit head's signing and the seal every {@code everyPayloads} it
 * finds due are done by the forwarder's thread between batches.
 */
final class Forwarder implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Forwarder.class);

  /** How long a stopping host waits for the forwarder's current drain or seal. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

  /** Batches answered and not yet recorded before the forwarder waits for the recorder. */
  private static final int AHEAD = 2;

  private final Inbox inbox;
  private final Outbox outbox;
  private final Supplier<EvidenceRelay> relay;
  private final HostAudit audit;
  private final Sealer sealer;
  private final Recovery recovery;
  private final RoundEnds ends;
  private final EnclaveTurn turn;
  private final int batch;
  private final ScheduledExecutorService executor;

  /** Records answered batches in the order they were answered; never calls the enclave. */
  private final ExecutorService recorder;

  /** Payloads answered whose verdicts are not recorded yet: left out of the next batch. */
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  /** Set while a drain requested by a submit waits on the forwarder. */
  private final AtomicBoolean drainQueued = new AtomicBoolean();

  /** Set by the recorder: the audit head is due to be signed, by the forwarder's thread. */
  private final AtomicBoolean signWanted = new AtomicBoolean();

  /** Set by the recorder: enough payloads were accepted to seal, on the forwarder's thread. */
  private final AtomicBoolean sealWanted = new AtomicBoolean();

  Forwarder(
      Inbox inbox,
      Outbox outbox,
      Supplier<EvidenceRelay> relay,
      HostAudit audit,
      Sealer sealer,
      Recovery recovery,
      RoundEnds ends,
      EnclaveTurn turn,
      int batch) {
    this.inbox = inbox;
    this.outbox = outbox;
    this.relay = relay;
    this.audit = audit;
    this.sealer = sealer;
    this.recovery = recovery;
    this.ends = ends;
    this.turn = turn;
    this.batch = batch;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sovereign-forwarder");
              t.setDaemon(true);
              return t;
            });
    this.recorder =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "sovereign-recorder");
              t.setDaemon(true);
              return t;
            });
  }

  /** Drains every 200 ms and, when sealing, seals on {@code sealInterval} if anything changed. */
  void start(Duration sealInterval) {
    executor.scheduleWithFixedDelay(this::drainQuietly, 0, 200, TimeUnit.MILLISECONDS);
    if (sealer.enabled()) {
      // a seal the host did not ask for is noticed within half a second without traffic, and at
      // once with the next batch's verdicts
      executor.scheduleWithFixedDelay(sealer::checkUnrequested, 500, 500, TimeUnit.MILLISECONDS);
      // the enclave's keys in no seal the host holds (a seal at a round's open failed): payloads
      // are refused until this seal succeeds
      executor.scheduleWithFixedDelay(sealer::sealKeysIfUnsealed, 250, 250, TimeUnit.MILLISECONDS);
      long every = Math.max(1000, sealInterval.toMillis());
      executor.scheduleWithFixedDelay(sealer::sealQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Queues a drain unless one is already queued: one queued drain serves every submit stored before
   * it starts, so concurrent submits make larger batches, not more drains.
   */
  void requestDrain() {
    if (drainQueued.compareAndSet(false, true)) {
      executor.execute(
          () -> {
            // cleared before reading the inbox: a payload stored from now on queues the next drain
            drainQueued.set(false);
            drainQuietly();
          });
    }
  }

  private void drainQuietly() {
    try {
      // a full batch answered means more may be waiting; a partial one took everything stored
      // before it
      for (int i = 0; i < 1_000; i++) {
        int sent = drainOnce();
        afterBatch();
        if (sent < batch) {
          break;
        }
      }
    } catch (Problem p) {
      // the enclave is away; payloads stay in the inbox and are sent when it is back
    } catch (Exception e) {
      LOG.warnf("forwarder: %s", e.getClass().getSimpleName());
    }
  }

  /** Signs the audit head and seals when the recorder found them due (the forwarder's thread). */
  private void afterBatch() {
    if (signWanted.getAndSet(false)) {
      audit.signHead(); // quiet; the recorder's lines so far, in batch order
    }
    if (sealWanted.getAndSet(false)) {
      sealer.sealQuietly(); // waits for the recorder: the seal covers every answered payload
    }
  }

  /** Queues {@link #afterBatch} for when the forwarder is idle (no drain will run it soon). */
  private void afterBatchSoon() {
    try {
      executor.execute(
          () -> {
            try {
              afterBatch();
            } catch (RuntimeException e) {
              LOG.warnf("forwarder: %s", e.getClass().getSimpleName());
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // stopping: the next host signs and seals
    }
  }

  /**
   * Drains on the caller's thread until nothing is pending and every verdict is recorded (before a
   * round closes).
   */
  void drainFully() {
    for (int i = 0; i < 100_000; i++) {
      try {
        turn.awaitRecorded(1);
        if (inbox.pendingCount() == 0) {
          return;
        }
        drainOnce();
      } catch (SQLException e) {
        throw Problem.unavailable("store-unavailable", "the host could not read its store");
      }
    }
  }

  /**
   * Sends one batch of pending payloads (grouped by round) and hands each round's verdicts to the
   * recorder; returns how many got one (a payload the enclave deferred stays pending and is not
   * counted).
   */
  private int drainOnce() throws SQLException {
    try (EnclaveTurn.Held held = turn.takeToSend()) {
      // at most one batch ahead of the recorder
      turn.awaitRecorded(AHEAD);
      // taken before the store is read: a payload leaves this set only after its verdict is
      // committed, so one missing from the copy has no longer been pending when the store is read
      Set<String> skip = Set.copyOf(inFlight);
      List<Inbox.PendingRef> pending = inbox.pendingRefs(batch, skip);
      if (pending.isEmpty()) {
        return 0;
      }
      Map<String, Batch> byRound = batches(pending);
      int answered = 0;
      for (Batch b : byRound.values()) {
        turn.awaitRecorded(AHEAD);
        answered += send(b);
      }
      return answered;
    }
  }

  /** The payloads of one round in one batch, with their JWEs and which were checked at submit. */
  private record Batch(String round, List<String> ids, List<String> jwes, boolean[] checked) {
    SubmitFrame.Payloads payloads() {
      return new SubmitFrame.Payloads(jwes, checked);
    }
  }

  /**
   * Groups pending payloads by round (oldest first), with their JWEs: from memory where this host
   * kept them since their submit (checked then), else read back from the store (and checked again
   * when framed). A payload gone from the store meanwhile (its round ended) is left out.
   */
  private Map<String, Batch> batches(List<Inbox.PendingRef> pending) throws SQLException {
    Map<String, String> jwes = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (Inbox.PendingRef p : pending) {
      String j = outbox.get(p.payloadId());
      if (j == null) {
        missing.add(p.payloadId());
      } else {
        jwes.put(p.payloadId(), j);
      }
    }
    Map<String, String> stored = inbox.jwes(missing);
    Map<String, List<Inbox.PendingRef>> byRound = new LinkedHashMap<>();
    for (Inbox.PendingRef p : pending) {
      if (jwes.containsKey(p.payloadId()) || stored.containsKey(p.payloadId())) {
        byRound.computeIfAbsent(p.round(), k -> new ArrayList<>()).add(p);
      }
    }
    Map<String, Batch> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<Inbox.PendingRef>> g : byRound.entrySet()) {
      List<Inbox.PendingRef> refs = g.getValue();
      List<String> ids = new ArrayList<>(refs.size());
      List<String> js = new ArrayList<>(refs.size());
      boolean[] checked = new boolean[refs.size()];
      for (int i = 0; i < refs.size(); i++) {
        String id = refs.get(i).payloadId();
        String j = jwes.get(id);
        checked[i] = j != null;
        ids.add(id);
        js.add(j != null ? j : stored.get(id));
      }
      out.put(g.getKey(), new Batch(g.getKey(), ids, js, checked));
    }
    return out;
  }

  /**
   * Sends one round's batch (under the turn to send) and hands the answer to the recorder; returns
   * how many payloads got a verdict.
   */
  private int send(Batch b) {
    String round = b.round();
    Message.PayloadVerdicts v;
    try {
      v = relay.get().submit(round, b.payloads(), sealer.enabled());
    } catch (Problem p) {
      if (RoundEnds.isFinal(p.code())) {
        // Closed or expired in the enclave: a final rejection for each of these, never a resend.
        // The earlier batches' verdicts first: the round's end rejects what is still pending.
        turn.awaitRecorded(1);
        ends.endedInEnclave(round, p.code());
        return b.ids().size();
      }
      if (p.code().equals("unknown-round")) {
        // The enclave lost the round (restarted without restore): recover and resend, a bounded
        // number of times for this round (Recovery.roundUnknown).
        recovery.roundUnknown(round);
      }
      throw p;
    }
    recovery.roundKnown(round);
    if (v.verdicts().size() != b.ids().size()) {
      throw Problem.unavailable(
          "enclave-error", "the enclave answered the wrong number of verdicts");
    }
    List<Inbox.VerdictRow> rows = new ArrayList<>(b.ids().size());
    List<String> answered = new ArrayList<>(b.ids().size());
    List<Map<String, String>> outcomes = new ArrayList<>(b.ids().size());
    for (int i = 0; i < b.ids().size(); i++) {
      Message.Verdict verdict = v.verdicts().get(i);
      if (EvidenceRelay.deferred(verdict)) {
        continue; // the enclave went away while evidence was relayed: left pending, sent later
      }
      String outcome = verdict.outcome().equals("accepted") ? "accepted" : verdict.reason();
      rows.add(new Inbox.VerdictRow(b.ids().get(i), outcome, verdict.leaf()));
      answered.add(b.ids().get(i));
      Map<String, String> f = new LinkedHashMap<>();
      f.put("round", round);
      f.put("payloadId", b.ids().get(i));
      f.put("outcome", verdict.outcome().equals("accepted") ? "accepted" : "rejected");
      if (!verdict.outcome().equals("accepted")) {
        f.put("reason", verdict.reason());
      }
      outcomes.add(f);
    }
    // in flight from now until the recorder committed their verdicts
    inFlight.addAll(answered);
    turn.answered();
    try {
      recorder.execute(() -> record(v, rows, answered, outcomes));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // halted: nothing recorded, the payloads stay pending and are sent again
      inFlight.removeAll(answered);
      turn.recorded();
      throw Problem.unavailable("host-stopping", "the host is stopping");
    }
    // after the hand-over: a seal it starts (one the host did not ask for was noticed) waits for
    // the recorder, this batch included
    sealer.answered(v, answered);
    return rows.size();
  }

  /**
   * The recorder: the batch's verdicts in one transaction (all recorded, then audited, or none:
   * sent again), in the order the batches were answered. Never calls the enclave or takes the turn.
   */
  private void record(
      Message.PayloadVerdicts v,
      List<Inbox.VerdictRow> rows,
      List<String> answered,
      List<Map<String, String>> outcomes) {
    try {
      try {
        inbox.recordVerdicts(rows);
      } catch (Inbox.UnavailableException e) {
        LOG.warn("the host could not record a batch's verdicts; its payloads are sent again");
        return;
      }
      outbox.forget(answered);
      boolean sign = audit.append("submission", outcomes);
      boolean seal = sealer.recorded(v);
      if (sign || seal) {
        signWanted.compareAndSet(false, sign);
        sealWanted.compareAndSet(false, seal);
        afterBatchSoon();
      }
    } catch (RuntimeException e) {
      LOG.warnf("recorder: %s", e.getClass().getSimpleName());
    } finally {
      inFlight.removeAll(answered);
      turn.recorded();
    }
  }

  /**
   * Tests: the recorder records nothing more until {@code release} opens (batches answered
   * meanwhile stay in flight).
   */
  void holdRecorderForTesting(java.util.concurrent.CountDownLatch release) {
    recorder.execute(
        () -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }

  /** Tests: batches answered by the enclave whose verdicts are not recorded yet. */
  int unrecordedForTesting() {
    return turn.unrecorded();
  }

  /**
   * Stops at once, as a crash would (tests): whatever drain or seal runs is interrupted mid-way;
   * returns when the thread is gone.
   */
  void halt() throws InterruptedException {
    executor.shutdownNow();
    recorder.shutdownNow();
    executor.awaitTermination(30, TimeUnit.SECONDS);
    recorder.awaitTermination(30, TimeUnit.SECONDS);
    // what the recorder had not recorded is pending in the store: the successor sends it again
    turn.abandonUnrecorded();
  }

  /**
   * Lets a drain or seal in progress finish: interrupting it mid-append would close the audit file
   * under it and lose the entry of a seal already stored. Periodic runs stop here.
   */
  @Override
  public void close() {
    // the forwarder first (it hands batches to the recorder), then the recorder records them all
    stop(executor, "forwarder");
    stop(recorder, "recorder");
    turn.abandonUnrecorded(); // none left, unless interrupted: then they are sent again
  }

  private static void stop(ExecutorService e, String name) {
    e.shutdown();
    try {
      if (!e.awaitTermination(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warnf("the %s did not finish within the shutdown grace period; interrupting it", name);
        e.shutdownNow();
      }
    } catch (InterruptedException x) {
      e.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
