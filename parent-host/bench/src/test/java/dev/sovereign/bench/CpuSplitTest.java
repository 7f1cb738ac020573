package dev.sovereign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class CpuSplitTest {

  @Test
  void twoCoresGiveTheEnclaveTheSecondAndTheHostTheFirst() {
    assertEquals(new CpuSplit("1", "0", 1), CpuSplit.lastCoreForTheEnclave(2));
  }

  @Test
  void moreCoresGiveTheHostEveryCoreButTheLast() {
    assertEquals(new CpuSplit("7", "0-6", 1), CpuSplit.lastCoreForTheEnclave(8));
  }

  @Test
  void oneCoreCannotBeSplit() {
    assertThrows(IllegalArgumentException.class, () -> CpuSplit.lastCoreForTheEnclave(1));
  }

  /**
   * {@code taskset -a} fails when one of the threads it listed ends before it is pinned; the bench
   * lost two runs to that on a loaded machine. Pinning a process whose threads come and go all the
   * time (this JVM, to every core it already has) must succeed.
   */
  @Test
  @EnabledOnOs(OS.LINUX)
  void aProcessWhoseThreadsComeAndGoIsPinnedAllTheSame() throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    String all = cores == 1 ? "0" : "0-" + (cores - 1);
    CpuSplit everyCore = new CpuSplit(all, all, cores);
    AtomicBoolean churning = new AtomicBoolean(true);
    Thread churn =
        new Thread(
            () -> {
              while (churning.get()) {
                Thread t = new Thread(() -> {});
                t.start();
              }
            });
    churn.start();
    try {
      for (int i = 0; i < 30; i++) {
        everyCore.pinToHostSide(ProcessHandle.current().pid());
      }
    } finally {
      churning.set(false);
      churn.join();
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aProcessThatIsGoneIsNotPinned() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    assertThrows(IOException.class, () -> new CpuSplit("0", "0", 1).pinToHostSide(gone.pid()));
  }
}
