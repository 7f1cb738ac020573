package dev.sovereign.did.fabric.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded ledger acknowledges a write, and lets a reader see it, only once the WAL sync that
 * covers it has completed; a failed sync acknowledges nothing it covered and shows it to no reader.
 */
class EmbeddedLedgerDurabilityTest {
  @TempDir Path dir;

  /** Holds the next WAL sync (and notes readers waiting for one) until the test releases it. */
  static final class HeldSync implements EmbeddedLedger.WriteFault {
    final List<String> trace = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch syncReached = new CountDownLatch(1);
    final CountDownLatch readerWaiting = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean armed;
    volatile boolean fail;

    @Override
    public void after(String step) throws IOException {
      if (!armed) {
        return;
      }
      if (step.equals("read-waits-for-sync")) {
        readerWaiting.countDown();
      } else if (step.equals("sync")) {
        syncReached.countDown();
        try {
          assertTrue(release.await(60, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (fail) {
          throw new IOException("injected failure of the WAL sync");
        }
      }
    }

    void release(boolean failIt) {
      fail = failIt;
      trace.add("sync released");
      release.countDown();
    }
  }

  /**
   * Holds every WAL sync while armed, one release each, and counts the syncs started: the test
   * decides when each sync completes (or fails).
   */
  static final class HeldSyncs implements EmbeddedLedger.WriteFault {
    final java.util.concurrent.Semaphore started = new java.util.concurrent.Semaphore(0);
    final java.util.concurrent.Semaphore released = new java.util.concurrent.Semaphore(0);
    final java.util.concurrent.atomic.AtomicInteger count =
        new java.util.concurrent.atomic.AtomicInteger();
    volatile int failFrom = Integer.MAX_VALUE;
    volatile boolean armed;

    @Override
    public void after(String step) throws IOException {
      if (!armed || !step.equals("sync")) {
        return;
      }
      int n = count.incrementAndGet();
      started.release();
      try {
        assertTrue(released.tryAcquire(60, TimeUnit.SECONDS), "sync " + n + " never released");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (n >= failFrom) {
        throw new IOException("injected failure of WAL sync " + n);
      }
    }

    void awaitStarted(int syncs) throws InterruptedException {
      assertTrue(started.tryAcquire(syncs, 60, TimeUnit.SECONDS), "a sync never started");
    }
  }

  /** Waits until the ledger's groups have held {@code writes} writes (they are in SQLite). */
  private static void awaitWrites(EmbeddedLedger ledger, long writes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (ledger.groupStats().writes() < writes) {
      assertTrue(System.nanoTime() < deadline, "writes never committed");
      Thread.sleep(5);
    }
  }

  @Test
  void writesCommittedWhileASyncRunsAreAcknowledgedOnlyByTheNextSyncAndOneSyncCoversThemAll()
      throws Exception {
    HeldSyncs held = new HeldSyncs();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local", held)) {
      held.armed = true;
      Operation a = newCreate();
      Future<VersionRecord> first = pool.submit(() -> ledger.submit(a));
      held.awaitStarted(1); // a's sync started, and is held
      List<Operation> later = new ArrayList<>();
      List<Future<VersionRecord>> writes = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        Operation b = newCreate();
        later.add(b);
        writes.add(pool.submit(() -> ledger.submit(b)));
      }
      awaitWrites(ledger, 1 + 6); // the later writes are committed while a's sync is held
      Future<VersionRecord> reader = pool.submit(() -> ledger.read(later.get(0).did()));
      held.released.release(); // a's sync completes: it started before the later commits
      assertEquals(a.did(), first.get(60, TimeUnit.SECONDS).did());
      held.awaitStarted(1); // the next sync: it covers every group committed before it started
      Thread.sleep(50);
      // every later write waits for a sync that started after its commit: none is answered yet
      for (Future<VersionRecord> w : writes) {
        assertFalse(
            w.isDone(), "a write was acknowledged by a sync that started before its commit");
      }
      assertFalse(reader.isDone(), "a reader saw a write not yet synced");
      held.released.release();
      for (int i = 0; i < writes.size(); i++) {
        assertEquals(later.get(i).did(), writes.get(i).get(60, TimeUnit.SECONDS).did());
      }
      assertEquals(later.get(0).did(), reader.get(60, TimeUnit.SECONDS).did());
      // one sync covered all the writes committed while the first one was held
      assertEquals(2, held.count.get(), "syncs started for 7 writes");
      held.armed = false;
      assertEquals(new IntegrityReport(7, 7, 7), ledger.verifyIntegrity());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSyncFailingAfterACompletedOneAcknowledgesOnlyWhatTheCompletedOneCoveredAndStopsTheLedger()
      throws Exception {
    HeldSyncs held = new HeldSyncs();
    held.failFrom = 2;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Operation a = newCreate();
    Operation b = newCreate();
    VersionRecord acknowledged;
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local", held)) {
      held.armed = true;
      Future<VersionRecord> first = pool.submit(() -> ledger.submit(a));
      held.awaitStarted(1);
      Future<VersionRecord> second = pool.submit(() -> ledger.submit(b));
      awaitWrites(ledger, 2); // b is committed while a's sync is held
      held.released.release();
      acknowledged = first.get(60, TimeUnit.SECONDS);
      held.awaitStarted(1); // b's sync, which fails
      assertFalse(second.isDone());
      held.released.release();
      ExecutionException notAcknowledged =
          assertThrows(ExecutionException.class, () -> second.get(60, TimeUnit.SECONDS));
      assertInstanceOf(LedgerCorruptedException.class, notAcknowledged.getCause());
      assertThrows(LedgerCorruptedException.class, () -> ledger.submit(newCreate()));
      assertThrows(LedgerCorruptedException.class, () -> ledger.read(a.did()));
      assertEquals(2, held.count.get());
    } finally {
      pool.shutdownNow();
    }
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      assertEquals(acknowledged.versionId(), ledger.read(a.did()).versionId());
    }
  }

  @Test
  void closeWaitsForTheSyncOfEveryCommittedWriteAnswersItAndRefusesLaterWrites() throws Exception {
    HeldSyncs held = new HeldSyncs();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Operation a = newCreate();
    VersionRecord acknowledged;
    try {
      EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local", held);
      held.armed = true;
      Future<VersionRecord> write = pool.submit(() -> ledger.submit(a));
      held.awaitStarted(1);
      Future<?> closed = pool.submit(ledger::close);
      Thread.sleep(50);
      assertFalse(write.isDone());
      assertFalse(closed.isDone(), "the ledger closed with a committed write not yet synced");
      held.released.release();
      acknowledged = write.get(60, TimeUnit.SECONDS);
      closed.get(60, TimeUnit.SECONDS);
      assertEquals(1, held.count.get());
      assertThrows(IllegalStateException.class, () -> ledger.submit(newCreate()));
    } finally {
      pool.shutdownNow();
    }
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      assertEquals(acknowledged.versionId(), ledger.read(a.did()).versionId());
      assertEquals(new IntegrityReport(1, 1, 1), ledger.verifyIntegrity());
    }
  }

  private static Operation newCreate() {
    return FabricDocuments.create("local", SoftwareControllerKey.generate(Multikey.Type.ED25519));
  }

  @Test
  void aWriteIsAcknowledgedAndShownToReadersOnlyAfterTheSyncThatCoversIt() throws Exception {
    HeldSync held = new HeldSync();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local", held)) {
      VersionRecord a = ledger.submit(newCreate());
      Operation b = newCreate();
      held.armed = true;
      Future<VersionRecord> writer =
          pool.submit(
              () -> {
                VersionRecord r = ledger.submit(b);
                held.trace.add("write acknowledged");
                return r;
              });
      assertTrue(held.syncReached.await(60, TimeUnit.SECONDS), "the write's sync never started");
      // the write is committed in SQLite and its sync is held: a reader must not see it yet
      Future<VersionRecord> reader =
          pool.submit(
              () -> {
                VersionRecord r = ledger.read(b.did());
                held.trace.add("read returned");
                return r;
              });
      assertTrue(held.readerWaiting.await(60, TimeUnit.SECONDS), "the reader did not wait");
      assertFalse(writer.isDone());
      assertFalse(reader.isDone());
      held.release(false);
      VersionRecord written = writer.get(60, TimeUnit.SECONDS);
      assertEquals(written.versionId(), reader.get(60, TimeUnit.SECONDS).versionId());
      List<String> trace = List.copyOf(held.trace);
      assertEquals("sync released", trace.get(0), trace.toString());
      assertEquals(3, trace.size(), trace.toString());
      assertEquals(a.versionId(), ledger.read(a.did()).versionId());
      assertEquals(new IntegrityReport(2, 2, 2), ledger.verifyIntegrity());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFailedSyncAcknowledgesNothingItCoveredShowsItToNoReaderAndStopsTheLedger()
      throws Exception {
    HeldSync held = new HeldSync();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Path disk = dir.resolve("disk-before-the-lost-write");
    VersionRecord a;
    Operation b = newCreate();
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir.resolve("ledger"), "local", held)) {
      a = ledger.submit(newCreate());
      // what a power loss may leave once b's sync fails: the files as of a's acknowledgement
      Files.createDirectories(disk);
      for (String f : List.of("ledger.sqlite", "ledger.sqlite-wal", "ledger-identity")) {
        Path from = dir.resolve("ledger").resolve(f);
        if (Files.isDirectory(from)) {
          copyTree(from, disk.resolve(f));
        } else if (Files.exists(from)) {
          Files.copy(from, disk.resolve(f));
        }
      }
      held.armed = true;
      Future<VersionRecord> writer = pool.submit(() -> ledger.submit(b));
      assertTrue(held.syncReached.await(60, TimeUnit.SECONDS), "the write's sync never started");
      Future<VersionRecord> reader = pool.submit(() -> ledger.read(b.did()));
      assertTrue(held.readerWaiting.await(60, TimeUnit.SECONDS), "the reader did not wait");
      held.release(true);
      ExecutionException notAcknowledged =
          assertThrows(ExecutionException.class, () -> writer.get(60, TimeUnit.SECONDS));
      assertInstanceOf(LedgerCorruptedException.class, notAcknowledged.getCause());
      ExecutionException notShown =
          assertThrows(ExecutionException.class, () -> reader.get(60, TimeUnit.SECONDS));
      assertInstanceOf(LedgerCorruptedException.class, notShown.getCause());
      // nothing is acknowledged or served after a failed sync, until the ledger is reopened
      assertThrows(LedgerCorruptedException.class, () -> ledger.submit(newCreate()));
      assertThrows(LedgerCorruptedException.class, () -> ledger.read(a.did()));
      assertThrows(LedgerCorruptedException.class, () -> ledger.exportLog(a.did()));
    } finally {
      pool.shutdownNow();
    }
    // the power-loss image: the acknowledged write is there, the unacknowledged one is not
    try (EmbeddedLedger ledger = EmbeddedLedger.open(disk, "local")) {
      assertEquals(a.versionId(), ledger.read(a.did()).versionId());
      assertEquals(
          ReasonCode.DID_NOT_FOUND,
          assertThrows(RejectedException.class, () -> ledger.read(b.did())).reason());
      assertEquals(new IntegrityReport(1, 1, 1), ledger.verifyIntegrity());
    }
    // the process-crash image (the page cache survived): the unacknowledged write may be there
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir.resolve("ledger"), "local")) {
      assertEquals(a.versionId(), ledger.read(a.did()).versionId());
      assertTrue(ledger.verifyIntegrity().versions() >= 1);
    }
  }

  @Test
  void childJvmKilledWhileManyThreadsWriteAndReadKeepsEveryAcknowledgedAndEveryReadVersion()
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CrashWriter.class.getName(),
                dir.toString(),
                "concurrent"));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    Map<String, String> acknowledged = new HashMap<>();
    Map<String, String> read = new HashMap<>();
    List<String> lines = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), "UTF-8"))) {
      for (String line; (line = out.readLine()) != null; ) {
        lines.add(line);
        String[] f = line.split(" ");
        if (f[0].equals("acknowledged")) {
          acknowledged.put(f[1] + " " + f[2], f[3]);
        } else if (f[0].equals("read")) {
          read.put(f[1] + " " + f[2], f[3]);
        }
        if (acknowledged.size() >= 200 && read.size() >= 20) {
          child.destroyForcibly(); // SIGKILL, while writers and readers are in flight
          break;
        }
      }
    }
    assertTrue(child.waitFor(60, TimeUnit.SECONDS));
    assertTrue(acknowledged.size() >= 200, lines.toString());
    assertTrue(read.size() >= 20, lines.toString());
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      IntegrityReport report = ledger.verifyIntegrity();
      for (Map<String, String> seen : List.of(acknowledged, read)) {
        for (Map.Entry<String, String> e : seen.entrySet()) {
          String did = e.getKey().split(" ")[0];
          long sequence = Long.parseLong(e.getKey().split(" ")[1]);
          VersionRecord head = ledger.read(did);
          assertTrue(head.sequence() >= sequence, e.toString());
          String log = EmbeddedLedger.utf8(ledger.exportLog(did));
          assertTrue(log.contains(e.getValue()), "version " + e + " survived");
        }
      }
      assertTrue(report.versions() >= acknowledged.size());
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
