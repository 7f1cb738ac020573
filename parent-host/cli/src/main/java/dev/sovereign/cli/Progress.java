package dev.sovereign.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress of long command-line work on a terminal: one line on stderr, redrawn in place (the
 * phase, its elapsed time against an estimate, a bar when the amount of work is known). Silent when
 * {@code --json} is given or the output is not a terminal ({@link System#console()} is null when
 * stdin or stdout is redirected), so logs and pipes never see it; {@code SOVEREIGN_PROGRESS=never}
 * silences it too. Never prints secrets: callers pass phase names and counts.
 */
final class Progress implements AutoCloseable {
  private static final String CLEAR = "\r\033[2K";
  private static final char[] SPIN = {'|', '/', '-', '\\'};

  private final PrintWriter err;
  private final boolean enabled;
  private ScheduledExecutorService ticker;
  private String phase;
  private Duration estimate;
  private long started;
  private long done = -1;
  private long total = -1;
  private int tick;

  private Progress(PrintWriter err, boolean enabled) {
    this.err = err;
    this.enabled = enabled;
  }

  /** Progress for a command; {@code json} silences it, and so does a non-terminal. */
  static Progress on(PrintWriter err, boolean json) {
    return new Progress(err, !json && terminal());
  }

  /** Whether stdout and stdin are a terminal and progress is not turned off. */
  static boolean terminal() {
    String env = System.getenv("SOVEREIGN_PROGRESS");
    if ("never".equals(env)) {
      return false;
    }
    return System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }

  boolean enabled() {
    return enabled;
  }

  /** Starts a phase; {@code estimate} (nullable) is how long it usually takes. */
  synchronized void phase(String name, Duration estimate) {
    if (!enabled) {
      return;
    }
    this.phase = name;
    this.estimate = estimate;
    this.started = System.nanoTime();
    this.done = -1;
    this.total = -1;
    if (ticker == null) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "sovereign-progress");
                t.setDaemon(true);
                return t;
              });
      ticker.scheduleAtFixedRate(this::draw, 0, 200, TimeUnit.MILLISECONDS);
    } else {
      draw();
    }
  }

  /** How much of the current phase's work is done (e.g. bytes, payloads). */
  synchronized void amount(long done, long total) {
    this.done = done;
    this.total = total;
  }

  private synchronized void draw() {
    if (phase == null) {
      return;
    }
    double secs = (System.nanoTime() - started) / 1e9;
    StringBuilder b = new StringBuilder(CLEAR).append(SPIN[tick++ % SPIN.length]).append(' ');
    b.append(phase);
    if (total > 0 && done >= 0) {
      int width = 24;
      int filled = (int) Math.min(width, width * done / total);
      b.append(" [")
          .append("#".repeat(filled))
          .append(".".repeat(width - filled))
          .append("] ")
          .append(done)
          .append('/')
          .append(total);
    }
    b.append(String.format(Locale.ROOT, "  %.0f s", secs));
    if (estimate != null) {
      b.append(String.format(Locale.ROOT, " of ~%d s", estimate.toSeconds()));
    }
    err.print(b);
    err.flush();
  }

  /** Ends the progress line (the line is cleared; what follows prints normally). */
  @Override
  public synchronized void close() {
    if (!enabled) {
      return;
    }
    if (ticker != null) {
      ticker.shutdownNow();
      ticker = null;
    }
    if (phase != null) {
      err.print(CLEAR);
      err.flush();
    }
    phase = null;
  }
}
