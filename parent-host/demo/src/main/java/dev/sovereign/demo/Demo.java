package dev.sovereign.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The demo's engine: runs the named steps ({@link DemoSteps#all()}) in order against a real host
 * process and its enclave child, narrates on {@code narration}, writes the evidence and {@code
 * report.json} into {@code out}, and stops the host at the end. A step this build cannot run is
 * reported as unavailable, never faked.
 */
public final class Demo {
  private Demo() {}

  /**
   * What a run did.
   *
   * @param allBehaved every step behaved (or was unavailable in this build)
   * @param report the step report as written to {@code report.json}
   */
  public record Outcome(boolean allBehaved, byte[] report) {}

  /** Told when each step starts (the CLI draws it as progress on a terminal). */
  @FunctionalInterface
  public interface StepStarted {
    /** Step {@code index} (1-based) of {@code total}, named {@code name}, starts. */
    void starting(int index, int total, String name);
  }

  /**
   * Runs every step.
   *
   * @param out the evidence directory (exists)
   * @param work the working directory for the host, its enclave and the producers (exists)
   * @param measured the enclave jar the run measures and starts (a fixed copy)
   * @param hostApp the host's {@code quarkus-run.jar}
   * @param deleteWork delete {@code work} afterwards
   * @param cli runs a {@code sovereign} command in process, for the steps that show one
   * @throws IOException the report could not be written
   */
  public static Outcome run(
      Path out,
      Path work,
      Path measured,
      Path hostApp,
      boolean deleteWork,
      PrintWriter err,
      DemoContext.CommandLine cli)
      throws IOException {
    return run(out, work, measured, hostApp, deleteWork, err, cli, (i, n, name) -> {});
  }

  /** As above, telling {@code started} when each step starts. */
  public static Outcome run(
      Path out,
      Path work,
      Path measured,
      Path hostApp,
      boolean deleteWork,
      PrintWriter err,
      DemoContext.CommandLine cli,
      StepStarted started)
      throws IOException {
    return run(out, work, measured, hostApp, deleteWork, err, cli, started, null);
  }

  /**
   * As above; with {@code fabric} the producers are registered on a local Fabric network started
   * from it (and stopped at the end, whatever happened), else on the embedded ledger.
   */
  public static Outcome run(
      Path out,
      Path work,
      Path measured,
      Path hostApp,
      boolean deleteWork,
      PrintWriter err,
      DemoContext.CommandLine cli,
      StepStarted started,
      DemoFabricNetwork.Setup fabric)
      throws IOException {
    DemoContext ctx =
        new DemoContext(
            out.toAbsolutePath(),
            work,
            measured.toAbsolutePath(),
            hostApp.toAbsolutePath(),
            err,
            cli);
    if (fabric != null) {
      ctx.fabric(fabric);
    }
    List<DemoStep> steps = DemoSteps.all();
    ObjectNode report = ctx.mapper.createObjectNode();
    ArrayNode results = report.putArray("steps");
    int behaved = 0;
    int unavailable = 0;
    long start = System.nanoTime();
    try {
      for (int i = 0; i < steps.size(); i++) {
        DemoStep step = steps.get(i);
        started.starting(i + 1, steps.size(), step.name());
        err.printf("[%d/%d] %s: %s%n", i + 1, steps.size(), step.name(), step.title());
        err.flush();
        ObjectNode r = results.addObject();
        r.put("name", step.name());
        r.put("title", step.title());
        long t0 = System.nanoTime();
        try {
          String outcome = step.run(ctx);
          err.println("      ok: " + outcome);
          r.put("outcome", "behaved");
          r.put("detail", outcome);
          behaved++;
        } catch (DemoStep.Misbehaved e) {
          err.println("      MISBEHAVED: " + e.getMessage());
          r.put("outcome", "misbehaved");
          r.put("detail", e.getMessage());
          if (DemoSteps.PREREQUISITES.contains(step.name())) {
            err.println("      (the remaining steps build on this one: stopping)");
            break;
          }
        } catch (DemoStep.Unavailable e) {
          err.println("      NOT AVAILABLE: " + e.getMessage());
          r.put("outcome", "unavailable");
          r.put("detail", e.getMessage());
          unavailable++;
        } catch (Exception e) {
          err.println("      ERROR: " + e.getClass().getSimpleName() + ": " + e.getMessage());
          r.put("outcome", "error");
          r.put("detail", e.getClass().getSimpleName() + ": " + e.getMessage());
          break;
        } finally {
          r.put("millis", (System.nanoTime() - t0) / 1_000_000);
        }
        err.flush();
      }
    } finally {
      if (ctx.host() != null) {
        ctx.host().close();
        err.println("host and enclave stopped");
      }
      if (ctx.fabricNetwork() != null) {
        ctx.fabricNetwork().close();
        err.println("Fabric network stopped (its recorded PIDs)");
      }
      copyLogs(ctx);
      if (deleteWork) {
        deleteTree(work);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    report.put("behaved", behaved);
    report.put("unavailable", unavailable);
    report.put("total", steps.size());
    report.put("seconds", Math.round(seconds * 10) / 10.0);
    report.set("evidence", ctx.evidence);
    byte[] bytes = ctx.mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(report);
    ctx.write("report.json", bytes);
    boolean all = behaved + unavailable == steps.size();
    String time = String.format(" in %.1f s", seconds);
    if (all) {
      err.println(
          "demo: "
              + behaved
              + " of "
              + steps.size()
              + " steps behaved"
              + (unavailable > 0
                  ? ", " + unavailable + " not available in this build (see above)"
                  : "")
              + time
              + "; evidence in "
              + ctx.out);
    } else {
      err.println(
          "demo: "
              + (steps.size() - behaved - unavailable)
              + " of "
              + steps.size()
              + " steps did not behave"
              + time
              + "; see "
              + ctx.out.resolve("report.json"));
    }
    err.flush();
    return new Outcome(all, bytes);
  }

  private static void copyLogs(DemoContext ctx) {
    // the network's logs, also of an up that failed (its state directory goes with the work's)
    Path fabricLogs = DemoSteps.fabricState(ctx).resolve("logs");
    if (Files.isDirectory(fabricLogs)) {
      try (Stream<Path> s = Files.list(fabricLogs)) {
        Path logs = Files.createDirectories(ctx.out.resolve("logs").resolve("fabric-network"));
        for (Path f : (Iterable<Path>) s::iterator) {
          if (Files.isRegularFile(f)) {
            Files.copy(f, logs.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      } catch (IOException e) {
        ctx.narration.println(
            "sovereign demo: could not copy the Fabric network's logs: " + e.getMessage());
      }
    }
    if (!Files.isDirectory(ctx.work.resolve("host"))) {
      return;
    }
    try {
      Path logs = Files.createDirectories(ctx.out.resolve("logs"));
      for (String name : new String[] {"host.log", "enclave.log"}) {
        Path f = ctx.work.resolve("host").resolve(name);
        if (Files.isRegularFile(f)) {
          Files.copy(f, logs.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      ctx.narration.println("sovereign demo: could not copy the host logs: " + e.getMessage());
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
