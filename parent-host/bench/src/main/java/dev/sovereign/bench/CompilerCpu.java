package dev.sovereign.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * CPU time of another JVM process's JIT compiler threads ({@code C1 CompilerThread*}, {@code C2
 * CompilerThread*}), read from Linux's {@code /proc/PID/task/TID/stat}: how much of a process's CPU
 * in a stretch of the benchmark went to compiling rather than to the work measured. Empty where
 * {@code /proc} has no such process (another OS). A compiler thread the JVM stops (dynamic compiler
 * threads, only with more than one thread per compiler) takes its time with it, so a stretch can
 * read low, never high.
 */
final class CompilerCpu {
  private CompilerCpu() {}

  /** {@code USER_HZ}: the unit of {@code /proc} CPU times, 100 on every Linux architecture. */
  static final long TICK_NANOS = 10_000_000L;

  /** Nanoseconds of CPU the compiler threads of process {@code pid} have used so far. */
  static OptionalLong nanos(long pid) {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    if (!Files.isDirectory(tasks)) {
      return OptionalLong.empty();
    }
    long ticks = 0;
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path t : threads) {
        try {
          ticks += compilerTicks(Files.readString(t.resolve("stat"), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(ticks * TICK_NANOS);
  }

  /**
   * {@code utime + stime} (ticks) of one {@code /proc} task {@code stat} line if its thread is a
   * JIT compiler thread, else 0. The thread name is between the first {@code (} and the last {@code
   * )} (a name may hold either); the times are the 12th and 13th fields after it.
   */
  static long compilerTicks(String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    if (open < 0 || close < open) {
      return 0;
    }
    String name = stat.substring(open + 1, close);
    if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
      return 0;
    }
    String[] f = stat.substring(close + 1).trim().split("\\s+");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
