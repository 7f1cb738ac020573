package dev.sovereign.host;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Whose turn it is to change what the enclave holds: a drain, a seal, a restore or a recovery, one
 * at a time. They share this one lock because each reads or changes the same pair (the enclave's
 * rounds and the inbox's verdicts): a seal must cover exactly the verdicts recorded, and a recovery
 * must not race a drain into a half-restored enclave. Everything else (each piece's counters and
 * flags) belongs to its own class.
 */
final class EnclaveTurn {
  private final ReentrantLock lock = new ReentrantLock();

  /** Held until closed; reentrant (a seal may recover first). */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  Held take() {
    lock.lock();
    return lock::unlock;
  }

  boolean heldByMe() {
    return lock.isHeldByCurrentThread();
  }
}
