package dev.sovereign.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign demo}: the most complete flow that exists today, end to end on embedded defaults,
 * as a sequence of named steps ({@link DemoSteps#all()}). Narration goes to stderr, evidence to
 * {@code --out}; exit 0 only if every step behaved.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the main flow on embedded defaults and narrates it on stderr.",
      "A simulated enclave attests to a producer's nonce; the producer verifies the document against the simulation root"
          + " and the expected measurements; tampered, stale, replayed and unknown-image documents are rejected with their codes.",
      "Writes the evidence to --out. Exit 0 only if every step behaved as it must."
    })
final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--out", paramLabel = "DIR", description = "evidence directory (default: ./demo-out)")
  Path out = Path.of("demo-out");

  @Option(names = "--state", paramLabel = "DIR", description = "state directory (default: $SOVEREIGN_HOME/.sovereign)")
  Path state;

  @Option(names = "--enclave-jar", paramLabel = "FILE", description = "enclave jar to measure (default: enclave-app/target/sovereign-enclave.jar)")
  Path enclaveJar;

  @Option(names = "--json", description = "print the step report as JSON on stdout")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Path jar = enclaveJar != null ? enclaveJar : CliPaths.defaultEnclaveJar();
    if (!Files.isRegularFile(jar)) {
      err.println("sovereign demo: enclave jar " + jar + " not found: build it (./mvnw -B -q install -DskipTests) or pass --enclave-jar");
      return SovereignCli.USAGE;
    }
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      err.println("sovereign demo: cannot create " + out + ": " + e.getMessage());
      return SovereignCli.USAGE;
    }
    DemoContext ctx = new DemoContext(out.toAbsolutePath(), state != null ? state : CliPaths.defaultState(), jar, err);
    List<DemoStep> steps = DemoSteps.all();
    ObjectNode report = ctx.mapper.createObjectNode();
    ArrayNode results = report.putArray("steps");
    int behaved = 0;
    try {
      for (int i = 0; i < steps.size(); i++) {
        DemoStep step = steps.get(i);
        err.printf("[%d/%d] %s: %s%n", i + 1, steps.size(), step.name(), step.title());
        err.flush();
        ObjectNode r = results.addObject();
        r.put("name", step.name());
        r.put("title", step.title());
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
        } catch (Exception e) {
          err.println("      ERROR: " + e.getClass().getSimpleName() + ": " + e.getMessage());
          r.put("outcome", "error");
          r.put("detail", e.getClass().getSimpleName() + ": " + e.getMessage());
          break;
        }
        err.flush();
      }
    } finally {
      if (ctx.nsm != null) {
        ctx.nsm.close();
      }
    }
    report.put("behaved", behaved);
    report.put("total", steps.size());
    report.set("evidence", ctx.evidence);
    try {
      byte[] bytes = ctx.mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(report);
      ctx.write("report.json", bytes);
      if (json) {
        spec.commandLine().getOut().println(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        spec.commandLine().getOut().flush();
      }
    } catch (IOException e) {
      err.println("sovereign demo: cannot write the report: " + e.getMessage());
      return SovereignCli.USAGE;
    }
    boolean all = behaved == steps.size();
    err.println(all
        ? "demo: all " + steps.size() + " steps behaved; evidence in " + ctx.out
        : "demo: " + (steps.size() - behaved) + " of " + steps.size() + " steps did not behave; see " + ctx.out.resolve("report.json"));
    err.flush();
    return all ? SovereignCli.OK : SovereignCli.REJECTED;
  }
}
