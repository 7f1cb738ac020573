package dev.sovereign.did;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A bounded LRU cache in front of a {@link DidResolver}, with event-driven invalidation.
 *
 * <p><b>Staleness bound.</b> A cached answer for the latest version is served for at most {@code
 * latestTtl}, measured from the moment the underlying resolution <em>started</em>; so an answer is
 * never older than {@code latestTtl} relative to the registry state it reflects. A change
 * notification ({@link #invalidate(Did)} or {@link #didChanged(Did, Optional)}) takes effect for
 * every resolution that starts after the call returns; a resolution already in flight when the
 * notification arrives is returned to its caller but not stored. {@code notFound} answers are kept
 * for {@code notFoundTtl} (at most {@code latestTtl}).
 *
 * <p><b>History.</b> A successful answer for a {@code versionId}, or for a {@code versionTime}
 * earlier than {@code now - settleTime}, is immutable and is kept until evicted by size. {@code
 * settleTime} covers registries whose timestamps are assigned by clients (Fabric proposal
 * timestamps) and may lag the wall clock; a later {@code versionTime} is treated like "latest".
 *
 * <p>A {@code versionTime} request is also answered from any cached version whose validity interval
 * ({@code updated} to {@code nextUpdate} in its document metadata) contains the time, so verifying
 * many credentials signed at different times costs one resolution per version, not one per
 * credential. Methods listed as time-invariant (did:key by default) ignore {@code versionTime} for
 * caching altogether. Methods whose documents also change between versions without an operation
 * (did:ethr: a delegate or attribute expires at its {@code validTo}; listed in {@code
 * timeDependentMethods}, {@code ethr} by default) are never answered from another entry's interval:
 * each {@code versionTime} is its own cache entry.
 *
 * <p><b>Never cached:</b> {@code invalidDid}, {@code methodNotSupported}, {@code
 * representationNotSupported}, {@code invalidOptions}, {@code invalidDidDocument} and {@code
 * internalError} (an unreachable registry must not be remembered as an answer).
 *
 * <p>Thread-safe. Concurrent misses for the same request share one delegate call (callers that
 * arrive while it runs wait for its answer), except that callers arriving after an invalidation of
 * the DID start a fresh call.
 */
public final class CachingDidResolver implements DidResolver, DidChangeListener {
  private static final int STRIPES = 256;

  private final DidResolver delegate;
  private final int maxEntries;
  private final Duration latestTtl;
  private final Duration notFoundTtl;
  private final Duration settleTime;
  private final Clock clock;
  private final Set<String> timeInvariantMethods;
  private final Set<String> timeDependentMethods;

  private final Object lock = new Object();
  private final LinkedHashMap<Key, Entry> entries;
  private final Map<String, Set<Key>> keysByDid = new HashMap<>();
  private final long[] generations = new long[STRIPES];
  private final Map<Key, CompletableFuture<DidResolutionResult>> inFlight = new HashMap<>();
  private final Map<CompletableFuture<DidResolutionResult>, Thread> flightOwners =
      new java.util.IdentityHashMap<>();
  private long hits;
  private long misses;
  private long evictions;
  private long coalesced;

  private CachingDidResolver(Builder b) {
    this.delegate = b.delegate;
    this.maxEntries = b.maxEntries;
    this.latestTtl = b.latestTtl;
    this.notFoundTtl = b.notFoundTtl.compareTo(b.latestTtl) > 0 ? b.latestTtl : b.notFoundTtl;
    this.settleTime = b.settleTime;
    this.clock = b.clock;
    this.timeInvariantMethods = Set.copyOf(b.timeInvariantMethods);
    this.timeDependentMethods = Set.copyOf(b.timeDependentMethods);
    this.entries = new LinkedHashMap<>(16, 0.75f, true);
  }

  /**
   * A builder around {@code delegate}; defaults: 10,000 entries, 60 s latest TTL, 10 s notFound
   * TTL, 15 min settle time.
   */
  public static Builder builder(DidResolver delegate) {
    return new Builder(delegate);
  }

  @Override
  public DidResolutionResult resolve(String did, ResolutionOptions options) {
    if (did == null) {
      return delegate.resolve((String) null, options);
    }
    boolean timeInvariant = timeInvariantMethods.contains(methodOf(did));
    ResolutionOptions keyOptions =
        timeInvariant && options.versionTime().isPresent()
            ? new ResolutionOptions(
                Optional.empty(), Optional.empty(), options.accept(), options.parameters())
            : options;
    Key key = new Key(did, keyOptions);
    Instant now = clock.instant();
    long generation;
    CompletableFuture<DidResolutionResult> flight;
    CompletableFuture<DidResolutionResult> shared;
    synchronized (lock) {
      Entry e = entries.get(key);
      if (e != null && (e.expiresAt == null || now.isBefore(e.expiresAt))) {
        hits++;
        return e.result;
      }
      if (e != null) {
        remove(key);
      }
      if (options.versionTime().isPresent()
          && !timeInvariant
          && !timeDependentMethods.contains(methodOf(did))) {
        Entry covering = coveringEntry(did, options, now);
        if (covering != null) {
          hits++;
          return covering.result;
        }
      }
      CompletableFuture<DidResolutionResult> running = inFlight.get(key);
      if (running != null && flightOwners.get(running) == Thread.currentThread()) {
        running = null; // re-entrant call from inside the delegate: waiting would deadlock
      }
      if (running != null) {
        coalesced++;
        flight = null;
      } else {
        misses++;
        flight = new CompletableFuture<>();
        if (!inFlight.containsKey(key)) {
          inFlight.put(key, flight);
          flightOwners.put(flight, Thread.currentThread());
        }
      }
      generation = generations[stripe(did)];
      shared = running;
    }
    if (shared != null) {
      return awaitShared(shared);
    }
    DidResolutionResult result;
    try {
      result = delegate.resolve(did, options);
    } catch (RuntimeException | Error failure) {
      synchronized (lock) {
        inFlight.remove(key, flight);
        flightOwners.remove(flight);
      }
      flight.completeExceptionally(failure);
      throw failure;
    }
    Optional<Instant> expiry =
        timeInvariant && result.error().isEmpty() ? Optional.empty() : expiry(result, options, now);
    synchronized (lock) {
      inFlight.remove(key, flight);
      flightOwners.remove(flight);
      boolean cacheable = expiry != null && (expiry.isEmpty() || expiry.get().isAfter(now));
      if (cacheable && generations[stripe(did)] == generation) {
        put(key, new Entry(result, expiry.orElse(null), now));
      }
    }
    flight.complete(result);
    return result;
  }

  private static DidResolutionResult awaitShared(CompletableFuture<DidResolutionResult> running) {
    try {
      return running.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /**
   * Drops every cached "latest" answer for {@code did} (historical answers stay: they are
   * immutable).
   */
  public void invalidate(Did did) {
    invalidate(did.toString());
  }

  /** As {@link #invalidate(Did)} for a DID string. */
  public void invalidate(String did) {
    synchronized (lock) {
      generations[stripe(did)]++;
      inFlight.keySet().removeIf(k -> k.did.equals(did)); // later callers start a fresh resolution
      // flightOwners entries of removed flights are dropped when those flights finish
      Set<Key> keys = keysByDid.get(did);
      if (keys == null) {
        return;
      }
      for (Key k : new ArrayList<>(keys)) {
        Entry e = entries.get(k);
        if (e != null && e.expiresAt != null) {
          remove(k);
        }
      }
    }
  }

  /** Drops everything, historical answers included (e.g. after a chain reorganisation). */
  public void invalidateAll() {
    synchronized (lock) {
      for (int i = 0; i < STRIPES; i++) {
        generations[i]++;
      }
      entries.clear();
      keysByDid.clear();
      inFlight.clear();
    }
  }

  @Override
  public void didChanged(Did did, Optional<String> newVersionId) {
    if (newVersionId.isPresent()) {
      synchronized (lock) {
        Entry latest = entries.get(new Key(did.toString(), ResolutionOptions.latest()));
        boolean sameVersion =
            latest != null
                && latest.result.didDocumentMetadata().versionId().equals(newVersionId)
                && allLatestAtVersion(did.toString(), newVersionId.get());
        if (sameVersion) {
          return;
        }
      }
    }
    invalidate(did);
  }

  /** Number of cached answers. */
  public int size() {
    synchronized (lock) {
      return entries.size();
    }
  }

  /** Counters since creation. */
  public Stats stats() {
    synchronized (lock) {
      return new Stats(hits, misses, coalesced, evictions, entries.size());
    }
  }

  /** The configured staleness bound for "latest" answers. */
  public Duration latestTtl() {
    return latestTtl;
  }

  /**
   * Cache counters: {@code misses} called the delegate; {@code coalesced} waited for a delegate
   * call another caller had already started for the same request.
   */
  public record Stats(long hits, long misses, long coalesced, long evictions, int size) {}

  private boolean allLatestAtVersion(String did, String versionId) {
    for (Key k : keysByDid.getOrDefault(did, Set.of())) {
      Entry e = entries.get(k);
      if (e != null
          && e.expiresAt != null
          && !e.result.didDocumentMetadata().versionId().equals(Optional.of(versionId))) {
        return false;
      }
    }
    return true;
  }

  /** Null: do not cache. Empty: forever. Otherwise the expiry instant. */
  private Optional<Instant> expiry(
      DidResolutionResult result, ResolutionOptions options, Instant started) {
    Optional<ResolutionError> error = result.error();
    if (error.isPresent()) {
      return error.get() == ResolutionError.NOT_FOUND
          ? Optional.of(started.plus(notFoundTtl))
          : null;
    }
    boolean immutable =
        options.versionId().isPresent()
            || options.versionTime().map(t -> t.isBefore(started.minus(settleTime))).orElse(false);
    return immutable ? Optional.empty() : Optional.of(started.plus(latestTtl));
  }

  private void put(Key key, Entry entry) {
    entries.put(key, entry);
    keysByDid.computeIfAbsent(key.did, d -> new HashSet<>()).add(key);
    while (entries.size() > maxEntries) {
      Key eldest = entries.keySet().iterator().next();
      remove(eldest);
      evictions++;
    }
  }

  private void remove(Key key) {
    entries.remove(key);
    Set<Key> keys = keysByDid.get(key.did);
    if (keys != null) {
      keys.remove(key);
      if (keys.isEmpty()) {
        keysByDid.remove(key.did);
      }
    }
  }

  private static int stripe(String did) {
    return (did.hashCode() & 0x7fffffff) % STRIPES;
  }

  private record Key(String did, ResolutionOptions options) {}

  /** {@code fetchedAt}: when the delegate call that produced the result started. */
  private record Entry(DidResolutionResult result, Instant expiresAt, Instant fetchedAt) {}

  /**
   * A cached successful answer of the same DID and representation whose version was the one in
   * force at {@code t} ({@code updated}, or {@code created} when absent, is the version's start):
   * {@code updated <= t < nextUpdate} for a version that has a successor (immutable), or {@code
   * updated <= t <= fetchedAt} for a version that was current when fetched (then only while that
   * entry is fresh, or, for an immutable entry, if {@code t} is older than {@code fetchedAt -
   * settleTime}). Relies on DID Core's meaning of {@code updated} and {@code nextUpdate} as the
   * times of this version's and the next version's operations.
   */
  private Entry coveringEntry(String did, ResolutionOptions options, Instant now) {
    Instant t = options.versionTime().get();
    for (Key k : keysByDid.getOrDefault(did, Set.of())) {
      if (!k.options.accept().equals(options.accept())
          || !k.options.parameters().equals(options.parameters())) {
        continue;
      }
      Entry e = entries.get(k);
      if (e == null || e.result.error().isPresent()) {
        continue;
      }
      DidDocumentMetadata m = e.result.didDocumentMetadata();
      // A version never updated starts at "created" (DID Core omits "updated" then).
      Optional<Instant> start = m.updated().or(m::created);
      if (start.isEmpty() || t.isBefore(start.get())) {
        continue;
      }
      if (m.nextVersionId().isPresent() && m.nextUpdate().isEmpty()) {
        continue; // a successor exists but its time is unknown: the interval's end is unknown
      }
      boolean fresh = e.expiresAt == null || now.isBefore(e.expiresAt);
      if (!fresh) {
        continue;
      }
      if (m.nextUpdate().isPresent()) {
        if (e.expiresAt == null && t.isBefore(m.nextUpdate().get())) {
          return e;
        }
        continue;
      }
      Instant bound = e.expiresAt == null ? e.fetchedAt.minus(settleTime) : e.fetchedAt;
      if (!t.isAfter(bound)) {
        return e;
      }
    }
    return null;
  }

  private static String methodOf(String did) {
    if (did == null || !did.startsWith("did:")) {
      return "";
    }
    int colon = did.indexOf(':', 4);
    return colon < 0 ? "" : did.substring(4, colon);
  }

  /** Configuration; every bound is explicit. */
  public static final class Builder {
    private final DidResolver delegate;
    private int maxEntries = 10_000;
    private Duration latestTtl = Duration.ofSeconds(60);
    private Duration notFoundTtl = Duration.ofSeconds(10);
    private Duration settleTime = Duration.ofMinutes(15);
    private Clock clock = Clock.systemUTC();
    private Set<String> timeInvariantMethods = Set.of("key");
    private Set<String> timeDependentMethods = Set.of("ethr");

    private Builder(DidResolver delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Maximum number of cached answers (all kinds together); least recently used go first. */
    public Builder maxEntries(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxEntries must be positive");
      }
      maxEntries = n;
      return this;
    }

    /** The staleness bound for latest answers; {@link Duration#ZERO} disables caching of them. */
    public Builder latestTtl(Duration ttl) {
      latestTtl = nonNegative(ttl, "latestTtl");
      return this;
    }

    /** How long a {@code notFound} answer is kept (capped at {@code latestTtl}). */
    public Builder notFoundTtl(Duration ttl) {
      notFoundTtl = nonNegative(ttl, "notFoundTtl");
      return this;
    }

    /** How far in the past a {@code versionTime} must be before its answer counts as immutable. */
    public Builder settleTime(Duration d) {
      settleTime = nonNegative(d, "settleTime");
      return this;
    }

    /**
     * Methods whose documents depend only on the DID and the representation options, never on time
     * (default: {@code key}). Their successful answers are kept until evicted by size, and {@code
     * versionTime} does not split their cache entries.
     */
    public Builder timeInvariantMethods(Set<String> methods) {
      timeInvariantMethods = Set.copyOf(methods);
      return this;
    }

    /**
     * Methods whose documents change with time alone, between two versions (default: {@code ethr},
     * whose delegates and attributes expire at {@code validTo} without an event). A {@code
     * versionTime} request for them is never answered from the interval of a cached version.
     */
    public Builder timeDependentMethods(Set<String> methods) {
      timeDependentMethods = Set.copyOf(methods);
      return this;
    }

    /** The clock (tests). */
    public Builder clock(Clock c) {
      clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** The cache, empty. */
    public CachingDidResolver build() {
      return new CachingDidResolver(this);
    }

    private static Duration nonNegative(Duration d, String name) {
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative");
      }
      return d;
    }
  }
}
