package dev.sovereign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ThreadGroupCpuTest {
  private static String stat(String name, long utime, long stime) {
    return "4242 ("
        + name
        + ") S 1 1 1 0 -1 4194368 100 0 0 0 "
        + utime
        + " "
        + stime
        + " 0 0 20 0 40 0 123 456 789";
  }

  @Test
  void threadsAreGroupedByWhatTheirNamesSayTheHostDoes() {
    assertEquals("submit", ThreadGroupCpu.group(stat("executor-thread", 1, 1)));
    assertEquals("event-loop", ThreadGroupCpu.group(stat("vert.x-eventloo", 1, 1)));
    assertEquals("forwarder", ThreadGroupCpu.group(stat("sovereign-forwa", 1, 1)));
    assertEquals("jit", ThreadGroupCpu.group(stat("C2 CompilerThre", 1, 1)));
    assertEquals("gc", ThreadGroupCpu.group(stat("GC Thread#0", 1, 1)));
    assertEquals("other", ThreadGroupCpu.group(stat("a (strange) name", 1, 1)));
    assertEquals(7 + 5, ThreadGroupCpu.ticks(stat("a (strange) name", 7, 5)));
  }

  @Test
  void aStretchIsTheDifferenceThreadByThreadAndANewThreadCountsWhole() {
    ThreadGroupCpu.Snapshot before =
        new ThreadGroupCpu.Snapshot(
            Map.of("1", 10L, "2", 5L), Map.of("1", "submit", "2", "forwarder"));
    ThreadGroupCpu.Snapshot after =
        new ThreadGroupCpu.Snapshot(
            Map.of("1", 13L, "2", 5L, "3", 2L),
            Map.of("1", "submit", "2", "forwarder", "3", "submit"));
    Map<String, Long> d = after.since(before);
    assertEquals(5 * CompilerCpu.TICK_NANOS, d.get("submit"));
    assertEquals(0L, d.get("forwarder"));
    assertEquals(ThreadGroupCpu.GROUPS.length, d.size());
  }

  @Test
  void thisProcessCanBeReadWhereProcExists() {
    if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task"))) {
      return; // not Linux
    }
    assertTrue(ThreadGroupCpu.read(ProcessHandle.current().pid()).isPresent());
  }
}
