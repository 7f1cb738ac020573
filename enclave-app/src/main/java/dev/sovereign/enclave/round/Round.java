package dev.sovereign.enclave.round;

import dev.sovereign.enclave.pipeline.AcceptedPayload;
import dev.sovereign.enclave.pipeline.RejectionReason;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

  /**
   * At most this many rejected payloads a round remembers by digest (the oldest is forgotten
   * first), so that the same bytes sent again get their first verdict without a second count. An
   * honest host resends at most the batches whose verdicts it lost (64 payloads each by default);
   * this bounds what a flood of junk costs in memory and in the sealed state.
   */
  public static final int MAX_REMEMBERED_REJECTIONS = 4096;

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

  /** SHA-256 of every accepted payload's bytes (its leaf): a copy of them is no replay. */
  private final Set<ByteBuffer> acceptedDigests = ConcurrentHashMap.newKeySet();

  /**
   * SHA-256 of recently rejected payloads' bytes, with their reason, oldest first (guarded by
   * itself; at most {@link #MAX_REMEMBERED_REJECTIONS}).
   */
  private final LinkedHashMap<ByteBuffer, RejectionReason> rejectedDigests = new LinkedHashMap<>();

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
   * The verdict this round already gave to exactly these bytes ({@code digest}: SHA-256 of the
   * payload as sent), if it counted one: an accepted payload is remembered for the round's life, a
   * rejected one among the last {@link #MAX_REMEMBERED_REJECTIONS}. A deferred payload left no
   * trace and is not found.
   */
  public java.util.Optional<Seen> seen(byte[] digest) {
    ByteBuffer key = ByteBuffer.wrap(digest);
    lock.readLock().lock();
    try {
      if (acceptedDigests.contains(key)) {
        return java.util.Optional.of(new Seen.Accepted(digest.clone()));
      }
      synchronized (rejectedDigests) {
        RejectionReason r = rejectedDigests.get(key);
        return r == null ? java.util.Optional.empty() : java.util.Optional.of(new Seen.Rejected(r));
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A verdict a round counted for a payload's bytes. */
  public sealed interface Seen {
    /** Accepted, with its leaf (the digest of its bytes). */
    record Accepted(byte[] leaf) implements Seen {
      public Accepted {
        leaf = leaf.clone();
      }

      @Override
      public byte[] leaf() {
        return leaf.clone();
      }
    }

    /** Rejected with {@code reason}. */
    record Rejected(RejectionReason reason) implements Seen {}
  }

  /**
   * The replay check and aggregation, atomically per {@code jti}: the first payload with a jti
   * wins, every later one is rejected as {@link RejectionReason#REPLAY}. The caller asks {@link
   * #seen} first: the same bytes again are not a later payload but the same one.
   *
   * @return empty if accepted, else the rejection reason
   * @throws IllegalStateException if the round was closed meanwhile
   */
  public java.util.Optional<RejectionReason> accept(AcceptedPayload p) {
    lock.readLock().lock();
    try {
      ensureOpen();
      byte[] leaf = p.leaf();
      if (!jtis.add(p.jti())) {
        countAuthenticated(RejectionReason.REPLAY, p.producer());
        remember(leaf, RejectionReason.REPLAY);
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
        remember(leaf, reason);
        return java.util.Optional.of(reason);
      }
      synchronized (leaves) {
        leaves.add(leaf);
      }
      acceptedDigests.add(ByteBuffer.wrap(leaf.clone()));
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
    rejectAuthenticated(reason, producerDid, null);
  }

  /**
   * As {@link #rejectAuthenticated(RejectionReason, String)}, remembering the verdict for the
   * payload's bytes ({@code digest}, SHA-256; null: not remembered) in the same step.
   */
  public void rejectAuthenticated(RejectionReason reason, String producerDid, byte[] digest) {
    lock.readLock().lock();
    try {
      ensureOpen();
      countAuthenticated(reason, producerDid);
      remember(digest, reason);
    } finally {
      lock.readLock().unlock();
    }
  }

  private void remember(byte[] digest, RejectionReason reason) {
    if (digest == null) {
      return;
    }
    synchronized (rejectedDigests) {
      rejectedDigests.put(ByteBuffer.wrap(digest.clone()), reason);
      if (rejectedDigests.size() > MAX_REMEMBERED_REJECTIONS) {
        java.util.Iterator<ByteBuffer> oldest = rejectedDigests.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
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
    rejectUnauthenticated(null, null);
  }

  /**
   * As {@link #rejectUnauthenticated()}, remembering {@code reason} (the verdict's code) for the
   * payload's bytes ({@code digest}; null: not remembered) in the same step.
   */
  public void rejectUnauthenticated(RejectionReason reason, byte[] digest) {
    lock.readLock().lock();
    try {
      ensureOpen();
      unauthenticated.increment();
      if (reason != null) {
        remember(digest, reason);
      }
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
      long unauthenticated,
      List<RememberedRejection> rememberedRejections) {
    public State {
      rememberedRejections = List.copyOf(rememberedRejections);
    }

    /** A state that remembers no rejected payload's bytes (bodies sealed before protocol 1.7). */
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
        long valuesClamped,
        SortedMap<String, List<String>> rejectedProducers,
        boolean rejectedProducersCapped,
        long unauthenticated) {
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
          rejectedProducers,
          rejectedProducersCapped,
          unauthenticated,
          List.of());
    }

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
          0,
          List.of());
    }
  }

  /**
   * A rejected payload remembered by the SHA-256 of its bytes, with the reason code it was rejected
   * with (sealed, so that a restore and a resend do not count it twice).
   */
  public record RememberedRejection(byte[] digest, String reason) {
    public RememberedRejection {
      if (digest == null || digest.length != 32 || reason == null) {
        throw new IllegalArgumentException("a 32-byte digest and a reason code");
      }
      digest = digest.clone();
    }

    @Override
    public byte[] digest() {
      return digest.clone();
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
      List<RememberedRejection> remembered = new ArrayList<>();
      if (!closed) {
        synchronized (rejectedDigests) {
          rejectedDigests.forEach(
              (d, r) -> {
                byte[] b = new byte[d.remaining()];
                d.duplicate().get(b);
                remembered.add(new RememberedRejection(b, r.code()));
              });
        }
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
          unauthenticated.sum(),
          remembered);
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
    s.leaves()
        .forEach(
            l -> {
              r.leaves.add(l.clone());
              r.acceptedDigests.add(ByteBuffer.wrap(l.clone()));
            });
    if (s.rememberedRejections().size() > MAX_REMEMBERED_REJECTIONS) {
      throw new IllegalArgumentException("more remembered rejections than a round keeps");
    }
    s.rememberedRejections().forEach(x -> r.remember(x.digest(), reason(x.reason())));
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
