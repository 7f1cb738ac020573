package dev.sovereign.host;

import dev.sovereign.enclave.audit.AuditChain;
import dev.sovereign.enclave.audit.AuditRejectedException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The host's audit trail: rounds, submission outcomes (payload id and reason code only), seals,
 * restores and the key releases behind them, appended to an {@link AuditChain}. The enclave signs
 * the chain head at every round close, every {@code signEvery} entries and before an export; a head
 * it signed makes a later rewrite of the covered entries detectable offline.
 */
final class HostAudit {
  private static final Logger LOG = Logger.getLogger(HostAudit.class);

  /**
   * Asks the enclave to sign {@code head} at {@code seq}; throws (e.g. a {@link Problem}) if it
   * cannot.
   */
  interface HeadSigner {
    String sign(long seq, String head);
  }

  /**
   * The kind of the entry that counts requests refused at the edge, per problem code and window.
   */
  static final String EDGE_REFUSED = "edge-refused";

  /** Refusals at the edge that are counted (problem codes answered before anything is stored). */
  static final java.util.Set<String> EDGE_CODES =
      java.util.Set.of(
          "zone-not-served",
          "payload-too-large",
          "unsupported-media-type",
          "malformed-payload",
          "rate-limited");

  /** How long refusals are counted before their counts are written. */
  static final java.time.Duration REFUSAL_WINDOW = java.time.Duration.ofMinutes(1);

  private final AuditChain chain;
  private final Clock clock;

  /** Refusals counted in the current window, by code (at most {@link #EDGE_CODES} keys). */
  private final Map<String, Long> refusals = new java.util.TreeMap<>();

  private java.time.Instant windowStart;

  /** Counts the windows opened, so a timer flushes only the window it was set for. */
  private long window;

  private java.util.concurrent.ScheduledExecutorService flusher;
  private final int signEvery;
  private final HeadSigner signer;
  private final AtomicBoolean signing = new AtomicBoolean();
  private volatile long lastCovered;

  /**
   * The seq of the last head-signed entry: signing a head that only adds that entry would never
   * end.
   */
  private volatile long lastHeadEntry;

  private final HostActivity activity;

  private HostAudit(AuditChain chain, int signEvery, HeadSigner signer, Clock clock) {
    this.chain = chain;
    this.clock = clock;
    this.signEvery = Math.max(1, signEvery);
    this.signer = signer;
    this.activity = new HostActivity(clock.instant());
  }

  /** What the host has done since it started, counted from the entries written here. */
  HostActivity activity() {
    return activity;
  }

  /**
   * Opens the log; a log whose chain is broken stops the host (it must not append to a forged
   * history).
   */
  static HostAudit open(Path file, int signEvery, HeadSigner signer, Clock clock)
      throws IOException {
    try {
      HostAudit audit = new HostAudit(AuditChain.open(file, clock), signEvery, signer, clock);
      if (audit.chain.droppedTailBytes() > 0) {
        LOG.warnf(
            "audit log: an incomplete last line (%d bytes, a crash mid-append) was cut off",
            audit.chain.droppedTailBytes());
        audit.chain.append(
            "audit-tail-repaired", Map.of("droppedBytes", audit.chain.droppedTailBytes()));
      }
      return audit;
    } catch (AuditRejectedException e) {
      throw new IOException(
          "the audit log " + file + " does not verify: " + e.code() + " at line " + e.line());
    }
  }

  /**
   * Appends one entry. A write failure is logged at error level, never thrown: the operation it
   * records has already happened and its caller must not report it as failed.
   */
  void record(String kind, Map<String, ?> fields) {
    activity.observe(kind, fields);
    long seq;
    try {
      seq = chain.append(kind, fields);
    } catch (IOException e) {
      LOG.errorf("audit append failed for a %s entry: %s", kind, e.getClass().getSimpleName());
      return;
    }
    if (seq - lastCovered >= signEvery) {
      signHead();
    }
  }

  /** Appends one entry per element (one fsync), e.g. the verdicts of one enclave batch. */
  void recordAll(String kind, java.util.List<? extends Map<String, ?>> fields) {
    fields.forEach(f -> activity.observe(kind, f));
    long seq;
    try {
      seq = chain.appendAll(kind, fields);
    } catch (IOException e) {
      LOG.errorf(
          "audit append failed for %d %s entries: %s",
          fields.size(), kind, e.getClass().getSimpleName());
      return;
    }
    if (seq - lastCovered >= signEvery) {
      signHead();
    }
  }

  /**
   * Counts one request refused at the edge (before anything was stored) under its problem code;
   * codes outside {@link #EDGE_CODES} are ignored. No client address is kept, only the count per
   * code. The first refusal opens a window of {@link #REFUSAL_WINDOW}; at its end one {@value
   * #EDGE_REFUSED} entry per code is written (also before an export and at shutdown), so a flood
   * adds at most one entry per code and window, never one per request. Cheap and non-blocking: it
   * only counts.
   */
  void refused(String code) {
    if (!EDGE_CODES.contains(code)) {
      return;
    }
    activity.refusedAtEdge(code);
    long opened = 0;
    synchronized (refusals) {
      if (windowStart == null) {
        windowStart = clock.instant();
        opened = ++window;
      }
      refusals.merge(code, 1L, Long::sum);
    }
    if (opened != 0) {
      long w = opened;
      try {
        flusher()
            .schedule(
                () -> flushRefusals(w),
                REFUSAL_WINDOW.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shutting down: close() writes the counts
      }
    }
  }

  /** Writes the refusal counts of the current window, if any (one entry per code). */
  void flushRefusals() {
    flushRefusals(0);
  }

  /**
   * As above; with {@code w > 0} only if window {@code w} is still the current one (a timer's
   * flush).
   */
  private void flushRefusals(long w) {
    java.util.List<Map<String, ?>> entries = new java.util.ArrayList<>();
    synchronized (refusals) {
      if (windowStart == null || (w != 0 && w != window)) {
        return;
      }
      String until = clock.instant().toString();
      for (Map.Entry<String, Long> e : refusals.entrySet()) {
        Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put("code", e.getKey());
        f.put("count", e.getValue());
        f.put("from", windowStart.toString());
        f.put("until", until);
        entries.add(f);
      }
      refusals.clear();
      windowStart = null;
    }
    recordAll(EDGE_REFUSED, entries);
  }

  private java.util.concurrent.ScheduledExecutorService flusher() {
    synchronized (refusals) {
      if (flusher == null) {
        flusher =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "sovereign-audit-refusals");
                  t.setDaemon(true);
                  return t;
                });
      }
      return flusher;
    }
  }

  /** Writes pending refusal counts and stops the flush timer (host shutdown). */
  void close() {
    flushRefusals();
    synchronized (refusals) {
      if (flusher != null) {
        flusher.shutdownNow();
      }
    }
  }

  /** Lowercase hex SHA-256, for blob and result digests in entries. */
  static String sha256Hex(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Asks the enclave to sign the current head (unless it is already covered) and appends the signed
   * head as an {@value AuditChain#HEAD_SIGNED} entry. Quiet: an absent enclave leaves the tail
   * unsigned until the next attempt.
   */
  void signHead() {
    if (!signing.compareAndSet(false, true)) {
      return;
    }
    try {
      long seq;
      String head;
      synchronized (chain) {
        seq = chain.seq();
        head = chain.head();
      }
      if (seq == 0 || seq <= lastCovered || seq == lastHeadEntry) {
        return;
      }
      String jws = signer.sign(seq, head);
      lastHeadEntry =
          chain.append(AuditChain.HEAD_SIGNED, Map.of("covers", seq, "head", head, "jws", jws));
      lastCovered = seq;
    } catch (Problem p) {
      LOG.warnf("audit head not signed: %s", p.code());
    } catch (IOException | RuntimeException e) {
      LOG.warnf("audit head not signed: %s", e.getClass().getSimpleName());
    } finally {
      signing.set(false);
    }
  }

  /**
   * The log's bytes, after the pending refusal counts are written and an attempt to sign the head.
   */
  byte[] export() throws IOException {
    flushRefusals();
    signHead();
    return chain.export();
  }
}
