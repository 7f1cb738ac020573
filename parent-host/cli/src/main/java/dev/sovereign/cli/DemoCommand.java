package dev.sovereign.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign demo}: the main flow end to end on embedded defaults, as a sequence of named
 * steps ({@link DemoSteps#all()}) against a real host process and its enclave child. Narration goes
 * to stderr, evidence to {@code --out}; exit 0 only if every step behaved (a step this build cannot
 * run is reported as unavailable, never faked).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the whole flow on embedded defaults and narrates it on stderr.",
      "Creates a dev world (a root authority per zone EU/US/APAC, accredited regional authorities, did:fabric producers"
          + " on an embedded ledger with credentials and status lists, one producer revoked), writes the sovereignty policy"
          + " (pinning the ledger's org CA, askHost), starts the host (which starts the enclave and relays did:fabric"
          + " evidence when the enclave asks), and lets producers verify the attestation and submit.",
      "A revoked producer, a forged payload, a replay and a wrong-region payload are rejected with their reason codes;"
          + " the round is closed and the regulator verifies the signed result.",
      "The host's audit log is exported and verified offline (as sovereign audit verify does) against the enclave DIDs"
          + " the attestation showed; it must hold the run's events.",
      "Writes the evidence (result credential, attestation, credential chains, policy, audit log, reports) to --out.",
      "Exit 0 only if every step behaved as it must; 1 if one did not; 2 if the build is missing."
    })
final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "evidence directory (default: ./demo-out)")
  Path out = Path.of("demo-out");

  @Option(
      names = "--state",
      paramLabel = "DIR",
      description =
          "working directory for the host, its enclave and the producers (default: a fresh temporary directory, deleted afterwards)")
  Path state;

  @Option(
      names = "--enclave-jar",
      paramLabel = "FILE",
      description = "the enclave jar (default: enclave-app/target/sovereign-enclave.jar)")
  Path enclaveJar;

  @Option(
      names = "--host-app",
      paramLabel = "FILE",
      description =
          "the host's quarkus-run.jar (default: parent-host/host/target/quarkus-app/quarkus-run.jar)")
  Path hostApp;

  @Option(names = "--json", description = "print the step report as JSON on stdout")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Path jar = enclaveJar != null ? enclaveJar : CliPaths.defaultEnclaveJar();
    Path app =
        hostApp != null
            ? hostApp
            : CliPaths.home().resolve("parent-host/host/target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      err.println(
          "sovereign demo: enclave jar "
              + jar
              + " not found: build it (./mvnw -B -q install -DskipTests) or pass --enclave-jar");
      return SovereignCli.USAGE;
    }
    if (!Files.isRegularFile(app)) {
      err.println(
          "sovereign demo: host application "
              + app
              + " not found: build it (./mvnw -B -q install -DskipTests) or pass --host-app");
      return SovereignCli.USAGE;
    }
    Path work;
    try {
      Files.createDirectories(out);
      work =
          state != null
              ? Files.createDirectories(state).toAbsolutePath()
              : Files.createTempDirectory("sovereign-demo");
    } catch (IOException e) {
      err.println(
          "sovereign demo: cannot create " + out + " or the working directory: " + e.getMessage());
      return SovereignCli.USAGE;
    }
    Path measured;
    try {
      // The run measures, attests and (after the crash) restarts one fixed copy of the enclave jar,
      // so a
      // rebuild of the build directory during the run cannot change what the enclave is.
      measured =
          Files.copy(
              jar,
              Files.createDirectories(work.resolve("enclave")).resolve("sovereign-enclave.jar"),
              StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      err.println(
          "sovereign demo: cannot copy the enclave jar into " + work + ": " + e.getMessage());
      return SovereignCli.USAGE;
    }
    DemoContext ctx =
        new DemoContext(
            out.toAbsolutePath(), work, measured.toAbsolutePath(), app.toAbsolutePath(), err);
    List<DemoStep> steps = DemoSteps.all();
    ObjectNode report = ctx.mapper.createObjectNode();
    ArrayNode results = report.putArray("steps");
    int behaved = 0;
    int unavailable = 0;
    long start = System.nanoTime();
    try {
      for (int i = 0; i < steps.size(); i++) {
        DemoStep step = steps.get(i);
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
      if (ctx.host != null) {
        ctx.host.close();
        err.println("host and enclave stopped");
      }
      copyLogs(ctx);
      if (state == null) {
        deleteTree(work);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    report.put("behaved", behaved);
    report.put("unavailable", unavailable);
    report.put("total", steps.size());
    report.put("seconds", Math.round(seconds * 10) / 10.0);
    report.set("evidence", ctx.evidence);
    try {
      byte[] bytes = ctx.mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(report);
      ctx.write("report.json", bytes);
      if (json) {
        spec.commandLine().getOut().println(new String(bytes, StandardCharsets.UTF_8));
        spec.commandLine().getOut().flush();
      }
    } catch (IOException e) {
      err.println("sovereign demo: cannot write the report: " + e.getMessage());
      return SovereignCli.USAGE;
    }
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
    return all ? SovereignCli.OK : SovereignCli.REJECTED;
  }

  private static void copyLogs(DemoContext ctx) {
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
