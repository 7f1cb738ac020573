package dev.sovereign.enclave.round;

import dev.sovereign.enclave.pipeline.AcceptedPayload;
import dev.sovereign.enclave.pipeline.RejectionReason;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One open round: replay set, aggregate, accepted leaves and rejection counters. Thread-safe.
 *
 * <p>Rejections are counted in two kinds. A payload rejected after its producer's signature
 * verified (an authenticated producer) counts under its reason code, and its producer DID among
 * that reason's distinct producers. A payload that failed before any signature verified is
 * unauthenticated noise: anyone can make it, so it only increments one count and never a reason
 * code, and junk cannot inflate what the result says about producers.
 */
public final class Round {
  /**
   * At most this many distinct (reason, producer) pairs are remembered per round; beyond it a
   * reason's producer count is a lower bound and the snapshot says so ({@link
   * Snapshot#rejectedProducersCapped()}). Bounds the memory and sealed size a flood of freshly
   * minted DIDs can take.
   */
  public static final int MAX_REJECTED_PRODUCERS = 10_000;

  private final String id;
  private final SovereigntyPolicy.Dataset dataset;
  private final Instant opened;
  private final Set<String> jtis = ConcurrentHashMap.newKeySet();
  private final List<byte[]> leaves = new ArrayList<>();
  private final Aggregator aggregator;
  private final AtomicLong accepted = new AtomicLong();
  private final Map<RejectionReason, LongAdder> rejected = new ConcurrentHashMap<>();
  private final Map<RejectionReason, Set<String>> rejectedProducers = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger rejectedProducerPairs =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean rejectedProducersCapped;
  private final LongAdder unauthenticated = new LongAdder();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  public Round(String id, SovereigntyPolicy.Dataset dataset, Instant opened) {
    this(id, dataset, opened, Integer.MAX_VALUE);
  }

  /** A round whose aggregate holds at most {@code maxGroups} (metric, group) cells. */
  public Round(String id, SovereigntyPolicy.Dataset dataset, Instant opened, int maxGroups) {
    this.id = id;
    this.dataset = dataset;
    this.opened = opened;
    this.aggregator = new Aggregator(dataset, maxGroups);
  }

  public String id() {
    return id;
  }

  public SovereigntyPolicy.Dataset dataset() {
    return dataset;
  }

  public Instant opened() {
    return opened;
  }

  /**
   * The replay check and aggregation, atomically per {@code jti}: the first payload with a jti
   * wins, every later one is rejected as {@link RejectionReason#REPLAY}.
   *
   * @return empty if accepted, else the rejection reason
   * @throws IllegalStateException if the round was closed meanwhile
   */
  public java.util.Optional<RejectionReason> accept(AcceptedPayload p) {
    lock.readLock().lock();
    try {
      ensureOpen();
      if (!jtis.add(p.jti())) {
        countAuthenticated(RejectionReason.REPLAY, p.producer());
        return java.util.Optional.of(RejectionReason.REPLAY);
      }
      Aggregator.Admission admission = aggregator.tryAdd(p.producer(), p.records());
      if (!admission.accepted()) {
        jtis.remove(
            p.jti()); // not accepted: the producer may send the jti again in a round with room
        RejectionReason reason =
            switch (admission.refusal()) {
              case GROUP_LIMIT -> RejectionReason.GROUP_LIMIT_REACHED;
              case PAYLOAD_LIMIT -> RejectionReason.PRODUCER_PAYLOAD_LIMIT;
              case CONTRIBUTION_LIMIT -> RejectionReason.CONTRIBUTION_LIMIT_EXCEEDED;
            };
        countAuthenticated(reason, p.producer());
        return java.util.Optional.of(reason);
      }
      synchronized (leaves) {
        leaves.add(p.leaf());
      }
      accepted.incrementAndGet();
      return java.util.Optional.empty();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Counts the rejection of a payload whose producer's signature verified: under {@code reason},
   * with {@code producerDid} among that reason's distinct producers.
   *
   * @throws IllegalStateException if the round was closed meanwhile (the rejection would not be in
   *     its result)
   */
  public void rejectAuthenticated(RejectionReason reason, String producerDid) {
    lock.readLock().lock();
    try {
      ensureOpen();
      countAuthenticated(reason, producerDid);
    } finally {
      lock.readLock().unlock();
    }
  }

  private void countAuthenticated(RejectionReason reason, String producerDid) {
    rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
    Set<String> producers =
        rejectedProducers.computeIfAbsent(reason, r -> ConcurrentHashMap.newKeySet());
    if (producers.contains(producerDid)) {
      return;
    }
    if (rejectedProducerPairs.incrementAndGet() > MAX_REJECTED_PRODUCERS) {
      rejectedProducerPairs.decrementAndGet();
      rejectedProducersCapped = true;
      return;
    }
    if (!producers.add(producerDid)) {
      rejectedProducerPairs.decrementAndGet();
    }
  }

  /**
   * Counts a payload that failed before any signature verified (or whose failure cannot be tied to
   * a verified producer): one count, whatever its reason.
   *
   * @throws IllegalStateException if the round was closed meanwhile
   */
  public void rejectUnauthenticated() {
    lock.readLock().lock();
    try {
      ensureOpen();
      unauthenticated.increment();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Freezes the round; later {@link #accept} calls fail. */
  public Snapshot close() {
    lock.writeLock().lock();
    try {
      ensureOpen();
      closed = true;
      SortedMap<String, Long> byReason = new TreeMap<>();
      rejected.forEach((r, n) -> byReason.put(r.code(), n.sum()));
      SortedMap<String, Long> producersByReason = new TreeMap<>();
      rejectedProducers.forEach((r, d) -> producersByReason.put(r.code(), (long) d.size()));
      List<byte[]> l;
      synchronized (leaves) {
        l = List.copyOf(leaves);
      }
      return new Snapshot(
          id,
          dataset,
          accepted.get(),
          byReason,
          producersByReason,
          rejectedProducersCapped,
          unauthenticated.sum(),
          l,
          aggregator);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * A round's state for sealing, taken under the round's write lock so that no payload is half
   * counted: jtis, leaves in acceptance order, counters and cells. {@code rejectedByReason} counts
   * authenticated rejections, {@code rejectedProducers} their distinct producer DIDs per reason
   * (empty for a closed round, whose result is signed), {@code unauthenticated} the payloads that
   * failed before any signature verified.
   */
  public record State(
      String id,
      String dataset,
      Instant opened,
      boolean closed,
      long accepted,
      List<String> jtis,
      List<byte[]> leaves,
      SortedMap<String, Long> rejectedByReason,
      List<Aggregator.CellState> cells,
      SortedMap<String, Long> payloadsByProducer,
      long recordsLeftOut,
      long valuesClamped,
      SortedMap<String, List<String>> rejectedProducers,
      boolean rejectedProducersCapped,
      long unauthenticated) {
    /** A state with no rejection split (bodies sealed before it: every rejection by reason). */
    public State(
        String id,
        String dataset,
        Instant opened,
        boolean closed,
        long accepted,
        List<String> jtis,
        List<byte[]> leaves,
        SortedMap<String, Long> rejectedByReason,
        List<Aggregator.CellState> cells,
        SortedMap<String, Long> payloadsByProducer,
        long recordsLeftOut,
        long valuesClamped) {
      this(
          id,
          dataset,
          opened,
          closed,
          accepted,
          jtis,
          leaves,
          rejectedByReason,
          cells,
          payloadsByProducer,
          recordsLeftOut,
          valuesClamped,
          new TreeMap<>(),
          false,
          0);
    }
  }

  /** A consistent copy of this round's state. */
  public State state() {
    lock.writeLock().lock();
    try {
      SortedMap<String, Long> byReason = new TreeMap<>();
      rejected.forEach((r, n) -> byReason.put(r.code(), n.sum()));
      SortedMap<String, List<String>> producers = new TreeMap<>();
      if (!closed) {
        rejectedProducers.forEach((r, d) -> producers.put(r.code(), d.stream().sorted().toList()));
      }
      List<byte[]> l;
      synchronized (leaves) {
        l = leaves.stream().map(byte[]::clone).toList();
      }
      return new State(
          id,
          dataset.name(),
          opened,
          closed,
          accepted.get(),
          List.copyOf(jtis),
          l,
          byReason,
          closed ? List.of() : aggregator.cellStates(),
          closed ? new TreeMap<>() : aggregator.payloadsByProducer(),
          aggregator.leftOut(),
          aggregator.clamped(),
          producers,
          rejectedProducersCapped,
          unauthenticated.sum());
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * A round rebuilt from sealed state under this enclave's dataset definition.
   *
   * @throws IllegalArgumentException if the state does not fit the dataset (unknown reason code,
   *     metric or histogram size)
   */
  public static Round restore(State s, SovereigntyPolicy.Dataset dataset) {
    if (!dataset.name().equals(s.dataset())) {
      throw new IllegalArgumentException("dataset differs");
    }
    Round r = new Round(s.id(), dataset, s.opened());
    r.closed = s.closed();
    r.accepted.set(s.accepted());
    r.jtis.addAll(s.jtis());
    s.leaves().forEach(l -> r.leaves.add(l.clone()));
    s.rejectedByReason()
        .forEach(
            (code, n) -> r.rejected.computeIfAbsent(reason(code), x -> new LongAdder()).add(n));
    int pairs = 0;
    for (Map.Entry<String, List<String>> e : s.rejectedProducers().entrySet()) {
      Set<String> dids = ConcurrentHashMap.newKeySet();
      dids.addAll(e.getValue());
      pairs += dids.size();
      r.rejectedProducers.put(reason(e.getKey()), dids);
    }
    if (pairs > MAX_REJECTED_PRODUCERS) {
      throw new IllegalArgumentException("more rejected producers than a round keeps");
    }
    r.rejectedProducerPairs.set(pairs);
    r.rejectedProducersCapped = s.rejectedProducersCapped();
    r.unauthenticated.add(s.unauthenticated());
    s.cells().forEach(r.aggregator::restoreCell);
    r.aggregator.restoreContributions(
        s.payloadsByProducer(), s.recordsLeftOut(), s.valuesClamped());
    return r;
  }

  private static RejectionReason reason(String code) {
    return java.util.Arrays.stream(RejectionReason.values())
        .filter(x -> x.code().equals(code))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown rejection code"));
  }

  public boolean isClosed() {
    lock.readLock().lock();
    try {
      return closed;
    } finally {
      lock.readLock().unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("round " + id + " is closed");
    }
  }

  /**
   * A closed round's state, the input of the result credential: authenticated rejections by reason
   * (payloads, and distinct producers, a lower bound when {@code rejectedProducersCapped}), apart
   * from the unauthenticated payloads.
   */
  public record Snapshot(
      String round,
      SovereigntyPolicy.Dataset dataset,
      long accepted,
      SortedMap<String, Long> rejectedByReason,
      SortedMap<String, Long> rejectedProducersByReason,
      boolean rejectedProducersCapped,
      long unauthenticated,
      List<byte[]> leaves,
      Aggregator aggregator) {
    /** Payloads of authenticated producers rejected. */
    public long rejected() {
      return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
