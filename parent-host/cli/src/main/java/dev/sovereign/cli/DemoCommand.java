package dev.sovereign.cli;

import dev.sovereign.demo.Demo;
import dev.sovereign.demo.DemoFabricNetwork;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
      "With --ledger fabric the producers are registered on a local two-organisation Hyperledger Fabric network"
          + " (scripts/fabric-network.sh) the demo starts from --fabric-home (or FABRIC_HOME) and stops at the end;"
          + " the policy pins both organisations' CAs and the host relays evidence from the network's peers.",
      "Exit 0 only if every step behaved as it must; 1 if one did not; 2 if the build or the Fabric release"
          + " directory is missing."
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

  /** The did:fabric ledger the producers are registered on. */
  enum Ledger {
    embedded,
    fabric
  }

  @Option(
      names = "--ledger",
      paramLabel = "KIND",
      description =
          "where the producers' did:fabric DIDs live: embedded (default: an embedded ledger in the"
              + " working directory) or fabric (a local Fabric network started from --fabric-home)")
  Ledger ledger = Ledger.embedded;

  @Option(
      names = "--fabric-home",
      paramLabel = "DIR",
      description =
          "with --ledger fabric: a Fabric 2.5 release directory with bin/ (peer, orderer,"
              + " configtxgen, osnadmin, cryptogen) and config/ (default: $FABRIC_HOME)")
  Path fabricHome;

  @Mixin JsonOption json = new JsonOption();

  /**
   * The Fabric set-up of {@code --ledger fabric}, or null on the embedded ledger; a problem is one
   * line on {@code err} naming the setting and how to fix it.
   */
  private DemoFabricNetwork.Setup fabricSetup(PrintWriter err) {
    if (ledger != Ledger.fabric) {
      if (fabricHome != null) {
        err.println(
            "sovereign demo: --fabric-home is for --ledger fabric: add --ledger fabric, or drop"
                + " --fabric-home to run on the embedded ledger");
        return INVALID;
      }
      return null;
    }
    Path home = fabricHome;
    if (home == null) {
      String env = System.getenv("FABRIC_HOME");
      if (env == null || env.isBlank()) {
        err.println(
            "sovereign demo: --ledger fabric needs a Fabric release directory: pass --fabric-home"
                + " DIR or set FABRIC_HOME=DIR (DIR holds bin/ and config/ of Fabric 2.5, e.g. an"
                + " extracted fabric-2.5.6-linux-amd64.tar.xz)");
        return INVALID;
      }
      home = Path.of(env);
    }
    Path root = CliPaths.home();
    DemoFabricNetwork.Setup setup =
        new DemoFabricNetwork.Setup(
            home.toAbsolutePath().normalize(),
            root.resolve("scripts/fabric-network.sh"),
            root.resolve("did-registry/did-fabric-chaincode/target/chaincode.jar"));
    java.util.Optional<String> problem = setup.problem();
    if (problem.isPresent()) {
      err.println(
          "sovereign demo: "
              + (fabricHome == null
                  ? problem.get().replaceFirst("^--fabric-home ", "FABRIC_HOME=")
                  : problem.get()));
      return INVALID;
    }
    return setup;
  }

  /** Marks a refused Fabric set-up (exit 2). */
  private static final DemoFabricNetwork.Setup INVALID =
      new DemoFabricNetwork.Setup(Path.of(""), Path.of(""), Path.of(""));

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    DemoFabricNetwork.Setup fabric = fabricSetup(err);
    if (fabric == INVALID) {
      return SovereignCli.USAGE;
    }
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
    Demo.Outcome outcome;
    // on a terminal (and without --json) the current step is drawn under the narration
    try (Progress progress = Progress.on(err, json.on())) {
      outcome =
          Demo.run(
              out,
              work,
              measured,
              app,
              state == null,
              progress.writer(),
              (args, o, e) -> {
                picocli.CommandLine cli = SovereignCli.commandLine();
                cli.setOut(o);
                cli.setErr(e);
                // the commands a step shows draw no progress of their own inside the demo's
                return Progress.nested(() -> cli.execute(args.toArray(new String[0])));
              },
              (i, n, name) -> {
                progress.phase("demo step " + i + "/" + n + ": " + name, null);
                progress.amount(i - 1, n);
              },
              fabric);
    } catch (IOException e) {
      err.println("sovereign demo: cannot write the report: " + e.getMessage());
      return SovereignCli.USAGE;
    }
    if (json.on()) {
      spec.commandLine().getOut().println(new String(outcome.report(), StandardCharsets.UTF_8));
      spec.commandLine().getOut().flush();
    }
    return outcome.allBehaved() ? SovereignCli.OK : SovereignCli.REJECTED;
  }
}
