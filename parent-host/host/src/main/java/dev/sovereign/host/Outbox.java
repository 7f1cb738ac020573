package dev.sovereign.host;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The JWEs of payloads stored since this host started and not yet answered, kept in memory for the
 * forwarder so it does not read every ciphertext back from SQLite (9% of its samples,
 * docs/benchmarks.md, sixth pass). Bounded by {@code budgetChars} characters (oldest evicted
 * first); a payload not here (evicted, or stored before a restart) is read from the store, which
 * stays the only durable copy. Holds only strings {@link JweEnvelope#read} accepted (every
 * character base64url or a dot): {@link SubmitFrame} copies them without checking them again.
 */
final class Outbox {
  /** The default budget: 64 Mi characters (about 11,000 payloads of 6 KB). */
  static final long DEFAULT_BUDGET_CHARS = 64L << 20;

  private final long budgetChars;
  private final LinkedHashMap<String, String> jwes = new LinkedHashMap<>();
  private long chars;

  Outbox(long budgetChars) {
    this.budgetChars = budgetChars;
  }

  /**
   * Keeps a payload stored durably just now. {@code jwe} must be a string {@link JweEnvelope#read}
   * accepted (the submit path checks it before storing) and {@code payloadId} its id.
   */
  synchronized void keep(String payloadId, String jwe) {
    if (jwe.length() > budgetChars || jwes.containsKey(payloadId)) {
      return;
    }
    jwes.put(payloadId, jwe);
    chars += jwe.length();
    Iterator<String> oldest = jwes.values().iterator();
    while (chars > budgetChars && oldest.hasNext()) {
      chars -= oldest.next().length();
      oldest.remove();
    }
  }

  /** The payload's JWE if it is held here, else null (read it from the store). */
  synchronized String get(String payloadId) {
    return jwes.get(payloadId);
  }

  /** Drops payloads that got their verdict. */
  synchronized void forget(Collection<String> payloadIds) {
    for (String id : payloadIds) {
      String j = jwes.remove(id);
      if (j != null) {
        chars -= j.length();
      }
    }
  }

  /** How many payloads are held (tests, metrics). */
  synchronized int size() {
    return jwes.size();
  }
}
