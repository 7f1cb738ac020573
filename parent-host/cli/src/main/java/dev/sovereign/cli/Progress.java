package dev.sovereign.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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

  /** Set while a command runs inside another that draws progress (the demo's in-process CLI). */
  private static final ThreadLocal<Boolean> NESTED = ThreadLocal.withInitial(() -> false);

  Progress(PrintWriter err, boolean enabled) {
    this.err = err;
    this.enabled = enabled;
  }

  /**
   * Progress for a command; {@code json} silences it, and so does a non-terminal or a command run
   * inside another's progress ({@link #nested}).
   */
  static Progress on(PrintWriter err, boolean json) {
    return new Progress(err, !json && !NESTED.get() && terminal());
  }

  /** Runs {@code command} (another CLI command, in process) without progress of its own. */
  static <T> T nested(Supplier<T> command) {
    boolean before = NESTED.get();
    NESTED.set(true);
    try {
      return command.get();
    } finally {
      NESTED.set(before);
    }
  }

  /**
   * A stream for narration while progress is drawn: each complete line is printed above the
   * progress line (the line is cleared, the text printed, the progress redrawn under it), so
   * narration and progress never share a line. Without progress it writes straight through.
   */
  PrintStream stream() {
    return new PrintStream(new Lines(), true, StandardCharsets.UTF_8);
  }

  /** {@link #stream()} as a writer. */
  PrintWriter writer() {
    return new PrintWriter(stream(), true, StandardCharsets.UTF_8);
  }

  /** Splits what is written into lines and prints each above the progress line. */
  private final class Lines extends OutputStream {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    @Override
    public void write(int b) {
      synchronized (Progress.this) {
        if (b == '\n') {
          printAbove(line.toString(StandardCharsets.UTF_8));
          line.reset();
        } else {
          line.write(b);
        }
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (Progress.this) {
        for (int i = off; i < off + len; i++) {
          write(b[i]);
        }
      }
    }

    /**
     * Without progress a partial line is written at once (e.g. dots while a host starts); with
     * progress it waits for its end, so it is never drawn over.
     */
    @Override
    public void flush() {
      synchronized (Progress.this) {
        if (!enabled && line.size() > 0) {
          err.print(line.toString(StandardCharsets.UTF_8));
          line.reset();
        }
        err.flush();
      }
    }
  }

  private synchronized void printAbove(String text) {
    if (phase != null) {
      err.print(CLEAR);
    }
    err.println(text);
    if (phase != null) {
      draw();
    } else {
      err.flush();
    }
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
