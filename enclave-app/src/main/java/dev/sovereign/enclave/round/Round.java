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

/** One open round: replay set, aggregate, accepted leaves and rejection counters. Thread-safe. */
public final class Round {
  private final String id;
  private final SovereigntyPolicy.Dataset dataset;
  private final Instant opened;
  private final Set<String> jtis = ConcurrentHashMap.newKeySet();
  private final List<byte[]> leaves = new ArrayList<>();
  private final Aggregator aggregator;
  private final AtomicLong accepted = new AtomicLong();
  private final Map<RejectionReason, LongAdder> rejected = new ConcurrentHashMap<>();
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
        reject(RejectionReason.REPLAY);
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
        reject(reason);
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

  /** Counts a rejection. */
  public void reject(RejectionReason reason) {
    rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** Freezes the round; later {@link #accept} calls fail. */
  public Snapshot close() {
    lock.writeLock().lock();
    try {
      ensureOpen();
      closed = true;
      SortedMap<String, Long> byReason = new TreeMap<>();
      rejected.forEach((r, n) -> byReason.put(r.code(), n.sum()));
      List<byte[]> l;
      synchronized (leaves) {
        l = List.copyOf(leaves);
      }
      return new Snapshot(id, dataset, accepted.get(), byReason, l, aggregator);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * A round's state for sealing, taken under the round's write lock so that no payload is half
   * counted: jtis, leaves in acceptance order, counters and cells.
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
      long valuesClamped) {}

  /** A consistent copy of this round's state. */
  public State state() {
    lock.writeLock().lock();
    try {
      SortedMap<String, Long> byReason = new TreeMap<>();
      rejected.forEach((r, n) -> byReason.put(r.code(), n.sum()));
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
          aggregator.clamped());
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
            (code, n) -> {
              RejectionReason reason =
                  java.util.Arrays.stream(RejectionReason.values())
                      .filter(x -> x.code().equals(code))
                      .findFirst()
                      .orElseThrow(() -> new IllegalArgumentException("unknown rejection code"));
              r.rejected.computeIfAbsent(reason, x -> new LongAdder()).add(n);
            });
    s.cells().forEach(r.aggregator::restoreCell);
    r.aggregator.restoreContributions(
        s.payloadsByProducer(), s.recordsLeftOut(), s.valuesClamped());
    return r;
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

  /** A closed round's state, the input of the result credential. */
  public record Snapshot(
      String round,
      SovereigntyPolicy.Dataset dataset,
      long accepted,
      SortedMap<String, Long> rejectedByReason,
      List<byte[]> leaves,
      Aggregator aggregator) {
    public long rejected() {
      return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
