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
 * restores and the key releases behind them, appended to an {@link AuditChain}. The enclave signs the
 * chain head at every round close, every {@code signEvery} entries and before an export; a head it
 * signed makes a later rewrite of the covered entries detectable offline.
 */
final class HostAudit {
  private static final Logger LOG = Logger.getLogger(HostAudit.class);

  /** Asks the enclave to sign {@code head} at {@code seq}; throws (e.g. a {@link Problem}) if it cannot. */
  interface HeadSigner {
    String sign(long seq, String head);
  }

  private final AuditChain chain;
  private final int signEvery;
  private final HeadSigner signer;
  private final AtomicBoolean signing = new AtomicBoolean();
  private volatile long lastCovered;
  /** The seq of the last head-signed entry: signing a head that only adds that entry would never end. */
  private volatile long lastHeadEntry;

  private HostAudit(AuditChain chain, int signEvery, HeadSigner signer) {
    this.chain = chain;
    this.signEvery = Math.max(1, signEvery);
    this.signer = signer;
  }

  /** Opens the log; a log whose chain is broken stops the host (it must not append to a forged history). */
  static HostAudit open(Path file, int signEvery, HeadSigner signer, Clock clock) throws IOException {
    try {
      HostAudit audit = new HostAudit(AuditChain.open(file, clock), signEvery, signer);
      if (audit.chain.droppedTailBytes() > 0) {
        LOG.warnf("audit log: an incomplete last line (%d bytes, a crash mid-append) was cut off",
            audit.chain.droppedTailBytes());
        audit.chain.append("audit-tail-repaired", Map.of("droppedBytes", audit.chain.droppedTailBytes()));
      }
      return audit;
    } catch (AuditRejectedException e) {
      throw new IOException("the audit log " + file + " does not verify: " + e.code() + " at line " + e.line());
    }
  }

  /**
   * Appends one entry. A write failure is logged at error level, never thrown: the operation it
   * records has already happened and its caller must not report it as failed.
   */
  void record(String kind, Map<String, ?> fields) {
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
    long seq;
    try {
      seq = chain.appendAll(kind, fields);
    } catch (IOException e) {
      LOG.errorf("audit append failed for %d %s entries: %s", fields.size(), kind, e.getClass().getSimpleName());
      return;
    }
    if (seq - lastCovered >= signEvery) {
      signHead();
    }
  }

  /** Lowercase hex SHA-256, for blob and result digests in entries. */
  static String sha256Hex(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Asks the enclave to sign the current head (unless it is already covered) and appends the signed
   * head as an {@value AuditChain#HEAD_SIGNED} entry. Quiet: an absent enclave leaves the tail unsigned
   * until the next attempt.
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
      lastHeadEntry = chain.append(AuditChain.HEAD_SIGNED, Map.of("covers", seq, "head", head, "jws", jws));
      lastCovered = seq;
    } catch (Problem p) {
      LOG.warnf("audit head not signed: %s", p.code());
    } catch (IOException | RuntimeException e) {
      LOG.warnf("audit head not signed: %s", e.getClass().getSimpleName());
    } finally {
      signing.set(false);
    }
  }

  /** The log's bytes, after an attempt to sign its head. */
  byte[] export() throws IOException {
    signHead();
    return chain.export();
  }
}
