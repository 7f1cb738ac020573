package dev.sovereign.host;

import dev.sovereign.enclave.protocol.Message;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Drains the inbox into the enclave on one thread: pending payloads go in batches (grouped by
 * round, oldest first) and each batch's verdicts are recorded in one transaction, then audited.
 * Delivery is at-least-once: the enclave answers a payload it already counted, sent again byte for
 * byte, with its first verdict and counts it once (protocol 1.7), so a batch whose verdicts were
 * lost (a link that failed after the enclave counted it, a host killed and reattached) is resent.
 */
final class Forwarder implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Forwarder.class);

  /** How long a stopping host waits for the forwarder's current drain or seal. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

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

  /** Set while a drain requested by a submit waits on the forwarder. */
  private final AtomicBoolean drainQueued = new AtomicBoolean();

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
      for (int i = 0; i < 1_000 && drainOnce() >= batch; i++) {
        // next batch
      }
    } catch (Problem p) {
      // the enclave is away; payloads stay in the inbox and are sent when it is back
    } catch (Exception e) {
      LOG.warnf("forwarder: %s", e.getClass().getSimpleName());
    }
  }

  /** Drains on the caller's thread until nothing is pending (before a round closes). */
  void drainFully() {
    for (int i = 0; i < 100_000; i++) {
      try {
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
   * Sends one batch of pending payloads (grouped by round) and records the verdicts; returns how
   * many got one (a payload the enclave deferred stays pending and is not counted).
   */
  private int drainOnce() throws SQLException {
    try (EnclaveTurn.Held held = turn.take()) {
      List<Inbox.PendingRef> pending = inbox.pendingRefs(batch, Set.of());
      if (pending.isEmpty()) {
        return 0;
      }
      Map<String, Batch> byRound = batches(pending);
      int recorded = 0;
      for (Batch b : byRound.values()) {
        recorded += sendAndRecord(b);
      }
      return recorded;
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

  private int sendAndRecord(Batch b) {
    String round = b.round();
    Message.PayloadVerdicts v;
    try {
      v = relay.get().submit(round, b.payloads(), sealer.enabled());
    } catch (Problem p) {
      if (RoundEnds.isFinal(p.code())) {
        // Closed or expired in the enclave: a final rejection for each of these, never a resend.
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
    try {
      // the batch's verdicts in one transaction: all recorded (then audited) or none (sent again)
      inbox.recordVerdicts(rows);
    } catch (Inbox.UnavailableException e) {
      throw Problem.unavailable("store-unavailable", "the host could not record a verdict");
    }
    outbox.forget(answered);
    audit.recordAll("submission", outcomes);
    sealer.processed(v, answered);
    return rows.size();
  }

  /**
   * Stops at once, as a crash would (tests): whatever drain or seal runs is interrupted mid-way;
   * returns when the thread is gone.
   */
  void halt() throws InterruptedException {
    executor.shutdownNow();
    executor.awaitTermination(30, TimeUnit.SECONDS);
  }

  /**
   * Lets a drain or seal in progress finish: interrupting it mid-append would close the audit file
   * under it and lose the entry of a seal already stored. Periodic runs stop here.
   */
  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("the forwarder did not finish within the shutdown grace period; interrupting it");
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
