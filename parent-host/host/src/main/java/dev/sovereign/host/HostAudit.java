package dev.sovereign.host;

import dev.sovereign.enclave.audit.AuditChain;
import dev.sovereign.enclave.audit.AuditRejectedException;
import dev.sovereign.enclave.protocol.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The host's audit trail: rounds, submission outcomes (payload id and reason code only), seals,
 * restores and the key releases behind them, appended to an {@link AuditChain}. The enclave signs
 * the chain head at every round close, every {@code signEvery} entries and for every export; it
 * signs only heads that extend the last one it signed (the host sends the entries in between), so a
 * head it signed makes a later rewrite of the covered entries detectable offline.
 *
 * <p>An export is a snapshot that ends with a signed head covering every entry in it: while the
 * export has its head signed, new entries wait in memory and are written right after (no lock is
 * held across the enclave call); if the enclave cannot sign, the export stops at the last complete
 * signed head and says so ({@link Export#entries()} against {@link Export#logEntries()}).
 */
final class HostAudit {
  private static final Logger LOG = Logger.getLogger(HostAudit.class);

  /** Most entries sent with one {@code SignAuditHead} (the enclave's bound). */
  static final int MAX_ENTRIES_PER_HEAD = 1024;

  /** The enclave calls behind head signing; throws (e.g. a {@link Problem}) if it cannot answer. */
  @FunctionalInterface
  interface Enclave {
    <R extends Message.Response> R call(Message.Request request, Class<R> type);
  }

  /** An export: the bytes of entries 1..{@code entries}, and how many the log holds. */
  record Export(byte[] bytes, long entries, long logEntries) {}

  /** Entries recorded while an export's head was being signed, written right after. */
  private record Pending(String kind, java.util.List<? extends Map<String, ?>> fields) {}

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
          "rate-limited",
          "malformed-batch",
          "too-many-payloads",
          "batch-too-large");

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
  private final Enclave signer;

  /** Held by whoever has heads signed: an export waits for it, a routine signing skips. */
  private final ReentrantLock signLock = new ReentrantLock();

  private final HostActivity activity;

  /** Guards appends, {@link #holding} and {@link #pending}. */
  private final Object appendLock = new Object();

  private boolean holding;
  private final java.util.List<Pending> pending = new java.util.ArrayList<>();

  private HostAudit(AuditChain chain, int signEvery, Enclave signer, Clock clock) {
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
  static HostAudit open(Path file, int signEvery, Enclave signer, Clock clock) throws IOException {
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
    recordAll(kind, java.util.List.of(fields));
  }

  /** Appends one entry per element (one fsync), e.g. the verdicts of one enclave batch. */
  void recordAll(String kind, java.util.List<? extends Map<String, ?>> fields) {
    if (append(kind, fields)) {
      signHead();
    }
  }

  /**
   * As {@link #recordAll} without asking the enclave for anything: returns whether a head is due
   * ({@code signEvery} entries since the last signed one), for a caller that must not call the
   * enclave itself (the forwarder's recorder; the forwarder signs, {@link #signHead}).
   */
  boolean append(String kind, java.util.List<? extends Map<String, ?>> fields) {
    fields.forEach(f -> activity.observe(kind, f));
    if (fields.isEmpty()) {
      return false;
    }
    long seq;
    synchronized (appendLock) {
      if (holding) {
        pending.add(new Pending(kind, java.util.List.copyOf(fields)));
        return false;
      }
      seq = write(kind, fields);
    }
    return seq - chain.lastCovered() >= signEvery;
  }

  /** Appends under {@link #appendLock}; a write failure is logged, never thrown. */
  private long write(String kind, java.util.List<? extends Map<String, ?>> fields) {
    try {
      return chain.appendAll(kind, fields);
    } catch (IOException e) {
      LOG.errorf(
          "audit append failed for %d %s entries: %s",
          fields.size(), kind, e.getClass().getSimpleName());
      return chain.seq();
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

  /**
   * Lowercase hex SHA-256, for blob and result digests in entries. Through {@link
   * dev.sovereign.crypto.Crypto#bulkDigest} (AWS-LC's where it loads, the same bytes): a seal
   * hashes the whole sealed blob, which grows with the round, and the host runs C1-only, where the
   * JDK's SHA-256 was 18% of the forwarder's samples (docs/benchmarks.md, sixth pass).
   */
  static String sha256Hex(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(dev.sovereign.crypto.Crypto.system().bulkDigest("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Has the enclave sign the current head (unless every entry is already covered) and appends the
   * signed head as an {@value AuditChain#HEAD_SIGNED} entry. Quiet: an absent enclave leaves the
   * tail unsigned until the next attempt; skipped while another signing or an export runs.
   */
  void signHead() {
    if (!signLock.tryLock()) {
      return;
    }
    try {
      signTail();
    } finally {
      signLock.unlock();
    }
  }

  /**
   * Signs heads until every entry is covered: the enclave gets the entries after the last head it
   * signed ({@code HealthStatus.auditSeq}), at most {@value #MAX_ENTRIES_PER_HEAD} at a time (one
   * entry when it signed none). Bounded: each step covers up to that many entries and adds one.
   */
  private void signTail() {
    try {
      for (int step = 0; step < 10_000; step++) {
        long target;
        synchronized (appendLock) {
          if (chain.seq() == 0 || chain.lastPlain() <= chain.lastCovered()) {
            return;
          }
          target = chain.seq();
        }
        Long signed = signer.call(new Message.Health(), Message.HealthStatus.class).auditSeq();
        long from = signed == null ? 0 : signed;
        if (from >= target) {
          LOG.warnf(
              "audit head not signed: the enclave signed up to seq %d, the log ends at %d",
              from, target);
          return;
        }
        long start = from == 0 ? target : from + 1;
        long end = Math.min(target, start + MAX_ENTRIES_PER_HEAD - 1);
        java.util.List<String> lines = chain.lines(start, end);
        String head =
            sha256Hex(
                lines.get(lines.size() - 1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String jws =
            signer
                .call(new Message.SignAuditHead(end, head, lines), Message.AuditHeadSigned.class)
                .jws();
        synchronized (appendLock) {
          chain.append(AuditChain.HEAD_SIGNED, Map.of("covers", end, "head", head, "jws", jws));
        }
      }
    } catch (Problem p) {
      LOG.warnf("audit head not signed: %s", p.code());
    } catch (IOException | RuntimeException e) {
      LOG.warnf("audit head not signed: %s", e.getClass().getSimpleName());
    }
  }

  /**
   * A snapshot of the log that ends with an enclave-signed head covering every entry in it: the
   * pending refusal counts are written, then new entries are held back while the enclave signs the
   * head, the bytes are taken up to that head's entry, and the held entries are written. If the
   * enclave cannot sign, the snapshot ends at the last complete signed head.
   *
   * @throws Problem {@code audit-head-unavailable} when the log has no complete signed head
   */
  Export export() throws IOException {
    flushRefusals();
    signLock.lock();
    try {
      synchronized (appendLock) {
        holding = true;
      }
      try {
        signTail();
        synchronized (appendLock) {
          long through = chain.lastCompleteHead();
          if (through == 0) {
            throw Problem.unavailable(
                "audit-head-unavailable",
                "the enclave has not signed a head covering the log yet; retry later");
          }
          return new Export(chain.export(through), through, chain.seq());
        }
      } finally {
        synchronized (appendLock) {
          holding = false;
          for (Pending p : pending) {
            write(p.kind(), p.fields());
          }
          pending.clear();
        }
      }
    } finally {
      signLock.unlock();
    }
  }
}
