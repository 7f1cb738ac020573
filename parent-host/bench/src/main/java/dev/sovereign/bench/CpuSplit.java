package dev.sovereign.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Nitro's CPU topology on one machine, for {@code bench --pin-cores}: a Nitro Enclave runs on vCPUs
 * taken away from the parent instance, so the enclave and the host never compete for a core. Here
 * the enclave side (the enclave-only ceiling, then the enclave process) gets the last core alone
 * and the host (with the benchmark's producers) the others, through Linux {@code taskset} on every
 * thread of a process ({@code -a}; threads started later inherit it).
 *
 * @param enclaveCpus the enclave side's CPU list, e.g. {@code 1}
 * @param hostCpus the host side's CPU list, e.g. {@code 0}
 * @param enclaveCores how many cores the enclave side has
 */
public record CpuSplit(String enclaveCpus, String hostCpus, int enclaveCores) {

  /** The last of {@code cores} for the enclave, the rest for the host; needs at least two. */
  public static CpuSplit lastCoreForTheEnclave(int cores) {
    if (cores < 2) {
      throw new IllegalArgumentException(
          "--pin-cores needs at least two cores (found " + cores + ")");
    }
    return new CpuSplit(Integer.toString(cores - 1), cores == 2 ? "0" : "0-" + (cores - 2), 1);
  }

  /** Pins every thread of process {@code pid} to the enclave side's cores. */
  public void pinToEnclaveSide(long pid) throws IOException {
    taskset(enclaveCpus, pid);
  }

  /** Pins every thread of process {@code pid} to the host side's cores. */
  public void pinToHostSide(long pid) throws IOException {
    taskset(hostCpus, pid);
  }

  /** How often a pin is tried while the process lives: its threads come and go meanwhile. */
  private static final int ATTEMPTS = 10;

  /**
   * {@code taskset -a} lists the process's threads, then sets each one's affinity: a thread that
   * ends in between makes it fail ("No such process") though every living thread was pinned or can
   * be. So a failure is tried again while the process itself lives (a thread started after the
   * listing inherits the affinity of the thread that started it, pinned or about to be).
   */
  private static void taskset(String cpus, long pid) throws IOException {
    String out = "";
    if (!Files.isDirectory(Path.of("/proc", Long.toString(pid)))) {
      // taskset -a on a pid with no threads to list pins nothing and still exits 0
      throw new IOException("cannot pin process " + pid + ": it is not running");
    }
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Process p =
          new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      try {
        out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return;
        }
        p.destroyForcibly();
        if (!Files.isDirectory(Path.of("/proc", Long.toString(pid)))) {
          break; // the process itself is gone: nothing to try again
        }
        Thread.sleep(20L * attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while pinning process " + pid, e);
      }
    }
    throw new IOException("taskset -a -p -c " + cpus + " " + pid + " failed: " + out);
  }
}
