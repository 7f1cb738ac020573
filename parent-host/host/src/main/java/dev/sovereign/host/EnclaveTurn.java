package dev.sovereign.host;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Whose turn it is to change what the enclave holds: a drain, a seal, a restore or a recovery, one
 * at a time. They share this one lock because each reads or changes the same pair (the enclave's
 * rounds and the inbox's verdicts): a seal must cover exactly the verdicts recorded, and a recovery
 * must not race a drain into a half-restored enclave. Everything else (each piece's counters and
 * flags) belongs to its own class.
 *
 * <p>The forwarder is pipelined: while the enclave works on its next batch, the previous batch's
 * verdicts are recorded (transaction, audit lines) on the forwarder's recorder thread, which never
 * takes this lock. A batch answered by the enclave and not yet recorded is <em>unrecorded</em>.
 * {@link #take()} waits, once it holds the lock, until no batch is unrecorded: whoever takes the
 * turn that way (a seal, a restore, a recovery, a round's close or end) sees every payload the
 * enclave answered with its verdict recorded, and none in flight (the forwarder sends only under
 * the lock). Only the forwarder's own sends use {@link #takeToSend()}, which does not wait.
 */
final class EnclaveTurn {
  private final ReentrantLock lock = new ReentrantLock();

  /** Guards {@link #unrecorded}; the recorder notifies on it. */
  private final Object recording = new Object();

  /** Batches answered by the enclave whose verdicts are not recorded yet. */
  private int unrecorded;

  /** Held until closed; reentrant (a seal may recover first). */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Takes the turn and waits until every batch the enclave answered is recorded. Interrupted while
   * waiting (a host halted), it gives the turn back and throws {@code host-stopping}.
   */
  Held take() {
    lock.lock();
    try {
      awaitRecorded(1);
    } catch (RuntimeException | Error e) {
      lock.unlock();
      throw e;
    }
    return lock::unlock;
  }

  /**
   * The forwarder's turn to send a batch: the lock without waiting for the recorder (it waits for
   * itself, {@link #awaitRecorded(int)}, to bound how far it runs ahead).
   */
  Held takeToSend() {
    lock.lock();
    return lock::unlock;
  }

  boolean heldByMe() {
    return lock.isHeldByCurrentThread();
  }

  /** A batch was answered; its verdicts go to the recorder. */
  void answered() {
    synchronized (recording) {
      unrecorded++;
    }
  }

  /** A batch's verdicts were recorded (or abandoned: they are sent again). */
  void recorded() {
    synchronized (recording) {
      unrecorded--;
      recording.notifyAll();
    }
  }

  /**
   * Every batch given up at once (a host halted: its recorder is gone, the batches are resent by
   * its successor).
   */
  void abandonUnrecorded() {
    synchronized (recording) {
      unrecorded = 0;
      recording.notifyAll();
    }
  }

  /** Batches answered and not recorded yet. */
  int unrecorded() {
    synchronized (recording) {
      return unrecorded;
    }
  }

  /**
   * Waits until fewer than {@code below} batches are unrecorded ({@code 1}: none). Never call it
   * from the recorder.
   */
  void awaitRecorded(int below) {
    synchronized (recording) {
      while (unrecorded >= below) {
        try {
          recording.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw Problem.unavailable(
              "host-stopping", "the host is stopping; its verdicts are being recorded");
        }
      }
    }
  }
}
