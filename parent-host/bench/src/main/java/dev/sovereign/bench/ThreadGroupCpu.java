package dev.sovereign.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * CPU time of the host process's threads by what they do, read from Linux's {@code
 * /proc/PID/task/TID/stat} (as {@link CompilerCpu}): the submit threads ({@code executor-thread*},
 * where RESTEasy runs the resource), the Vert.x event loops, the forwarder, the JIT compilers, the
 * garbage collector and the rest. A snapshot per thread, so that a stretch's time is the difference
 * thread by thread; a thread that ended inside the stretch takes its time with it (a stretch can
 * read low, never high). Empty where {@code /proc} has no such process.
 */
final class ThreadGroupCpu {
  private ThreadGroupCpu() {}

  /** The groups, in report order. */
  static final String[] GROUPS = {"submit", "event-loop", "forwarder", "jit", "gc", "other"};

  /** One reading: ticks so far by thread id, and each thread's group. */
  record Snapshot(Map<String, Long> ticks, Map<String, String> groups) {
    /** Nanoseconds by group from {@code before} to this snapshot. */
    Map<String, Long> since(Snapshot before) {
      Map<String, Long> out = new LinkedHashMap<>();
      for (String g : GROUPS) {
        out.put(g, 0L);
      }
      ticks.forEach(
          (tid, t) -> {
            long d = t - before.ticks().getOrDefault(tid, 0L);
            if (d > 0) {
              out.merge(groups.get(tid), d * CompilerCpu.TICK_NANOS, Long::sum);
            }
          });
      return out;
    }
  }

  /** The threads of process {@code pid} now. */
  static Optional<Snapshot> read(long pid) {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    if (!Files.isDirectory(tasks)) {
      return Optional.empty();
    }
    Map<String, Long> ticks = new HashMap<>();
    Map<String, String> groups = new HashMap<>();
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path t : threads) {
        try {
          String stat = Files.readString(t.resolve("stat"), StandardCharsets.UTF_8);
          String tid = t.getFileName().toString();
          ticks.put(tid, ticks(stat));
          groups.put(tid, group(stat));
        } catch (NoSuchFileException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.of(new Snapshot(ticks, groups));
  }

  /**
   * {@code utime + stime} of one task {@code stat} line (the 12th and 13th fields after the name).
   */
  static long ticks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 1).trim().split("\\s+");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** The group of the thread a task {@code stat} line is about (by its name, 15 characters). */
  static String group(String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    String name = open < 0 || close < open ? "" : stat.substring(open + 1, close);
    if (name.startsWith("executor-thread")) {
      return "submit";
    }
    if (name.startsWith("vert.x-eventloo")) {
      return "event-loop";
    }
    if (name.startsWith("sovereign-forwa")) {
      return "forwarder";
    }
    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
      return "jit";
    }
    if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
      return "gc";
    }
    return "other";
  }
}
