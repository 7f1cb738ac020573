package dev.sovereign.cli;

import dev.sovereign.bench.BenchFigure;
import dev.sovereign.bench.CpuSplit;
import dev.sovereign.bench.DidBench;
import dev.sovereign.bench.EnclaveBench;
import dev.sovereign.bench.EthrBench;
import dev.sovereign.bench.HttpBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign bench}: throughput figures, each next to its ceiling measured in the same run.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Throughput figures, each next to a ceiling measured in the same run (docs/benchmarks.md):",
      " - enclave.payloads.*: payloads per second through the enclave pipeline for payloads of 1, 10 and 100",
      "   records (--records); ceiling: one ECDH-ES unwrap + one AES-256-GCM decryption + one Ed25519 verification per payload.",
      " - did.fabric.resolve.cold/cached.N: did:fabric resolves per second on the embedded ledger for N DIDs;",
      "   ceilings: the signature operations of one resolution, and a HashMap lookup.",
      " - did.ethr.resolve.50-changes (with --ethr-rpc and --ethr-registry, e.g. anvil): ms per resolution;",
      "   ceiling: the raw JSON-RPC round trips of that resolution.",
      " - http.* (with --http): end to end through the packaged host and its dev enclave; ceiling: the same",
      "   enclave process fed the same payloads straight on its socket in this run (http.*.enclave-direct, against",
      "   the did:key in-process pipeline); the host's CPU per payload against the enclave's, and by thread group;",
      "   how the producers submitted (http.submit.batch, --http-batch); latency percentiles of a request's answer.",
      "CPU-bound rates come from the CPU time of the measuring threads, so other load does not skew the ratio.",
      "--json prints {\"results\":[{name,value,unit,ceiling,ratio,note}]}; ceiling and ratio are null where none",
      "was measured. For times (unit ms) the ratio is ceiling / value."
    })
final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin JsonOption json = new JsonOption();

  @Option(
      names = "--seconds",
      paramLabel = "N",
      description =
          "enclave bench: measuring time per figure and per ceiling (default ${DEFAULT-VALUE})")
  int seconds = 2;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "enclave bench: threads (default: all cores)")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--records",
      split = ",",
      paramLabel = "N,...",
      description =
          "enclave bench: records per payload, one figure each (default ${DEFAULT-VALUE})")
  List<Integer> records = new ArrayList<>(List.of(1, 10, 100));

  @Option(
      names = "--dids",
      paramLabel = "N",
      description =
          "did:fabric DIDs on the embedded ledger (default ${DEFAULT-VALUE}; the issue's figure: 10000)")
  int dids = 500;

  @Option(
      names = "--ethr-rpc",
      paramLabel = "URL",
      description = "did:ethr: a JSON-RPC node with an unlocked funded account (anvil)")
  String ethrRpc;

  @Option(
      names = "--ethr-registry",
      paramLabel = "ADDRESS",
      description = "did:ethr: the ERC-1056 registry contract on that node")
  String ethrRegistry;

  @Option(
      names = "--ethr-changes",
      paramLabel = "N",
      description = "did:ethr: registry changes of the benchmark DID (default ${DEFAULT-VALUE})")
  int ethrChanges = 50;

  @Option(
      names = "--ethr-runs",
      paramLabel = "N",
      description = "did:ethr: measured resolutions (default ${DEFAULT-VALUE})")
  int ethrRuns = 20;

  @Option(
      names = "--http",
      description =
          "also run end to end through HTTP (starts the packaged host and its dev enclave)")
  boolean http;

  @Option(
      names = "--producers",
      paramLabel = "N",
      description = "http: concurrent producers (default ${DEFAULT-VALUE})")
  int producers = 4;

  @Option(
      names = "--http-payloads",
      paramLabel = "N",
      description = "http: measured payloads (default ${DEFAULT-VALUE})")
  int httpPayloads = 1000;

  @Option(
      names = "--http-warmup",
      paramLabel = "N",
      description =
          "http: payloads submitted and settled before the clock starts (default: as many as measured, at least 200)")
  Integer httpWarmup;

  @Option(
      names = "--http-batch",
      paramLabel = "N",
      description =
          "http: payloads per HTTP request: 1 sends one POST /v1/rounds/{round}/payloads per payload, more"
              + " sends POST /v1/rounds/{round}/payloads/batch of up to N (default ${DEFAULT-VALUE})")
  int httpBatch = HttpBench.DEFAULT_BATCH;

  @Option(
      names = "--http-records",
      paramLabel = "N",
      description = "http: records per payload, 1, 10 or 100 (default ${DEFAULT-VALUE})")
  int httpRecords = 10;

  @Option(
      names = "--pin-cores",
      description = {
        "http: Nitro's CPU topology on one machine (Linux taskset): the enclave-only ceiling (1 thread) and then the"
            + " enclave process get the last core alone, the host and the producers the other cores"
      })
  boolean pinCores;

  @Option(
      names = "--host-app",
      paramLabel = "JAR",
      description = "http: the host's quarkus-run.jar (default: the build's)")
  Path hostApp;

  @Option(
      names = "--enclave-jar",
      paramLabel = "JAR",
      description = "http: the enclave jar (default: the build's)")
  Path enclaveJar;

  @Option(
      names = "--fabric-network",
      paramLabel = "FILE",
      description =
          "did:fabric through a real Fabric network: the network.properties of"
              + " scripts/fabric-network.sh; creates/s and verified resolves/s with 1 and"
              + " --fabric-clients clients")
  Path fabricNetwork;

  @Option(
      names = "--fabric-clients",
      paramLabel = "N",
      defaultValue = "32",
      description = "with --fabric-network: concurrent clients (default: ${DEFAULT-VALUE})")
  int fabricClients;

  @Option(
      names = "--skip-enclave",
      hidden = true,
      description = "tests: leave out the enclave figures (not with --http)")
  boolean skipEnclave;

  private static String phaseName(int phase, int phases, String what) {
    return "bench " + phase + "/" + phases + ": " + what;
  }

  @Override
  public Integer call() throws Exception {
    if (seconds < 1
        || threads < 1
        || dids < 1
        || ethrChanges < 1
        || ethrRuns < 1
        || producers < 1
        || httpPayloads < 1
        || httpBatch < 1
        || httpWarmup != null && httpWarmup < 1) {
      System.err.println(
          "bench: --seconds, --threads, --dids, --ethr-changes, --ethr-runs, --producers,"
              + " --http-payloads, --http-batch and --http-warmup must be at least 1");
      return SovereignCli.USAGE;
    }
    if (records.isEmpty() || records.stream().anyMatch(n -> n < 1 || n > 1000)) {
      System.err.println("bench: --records takes sizes from 1 to 1000 records per payload");
      return SovereignCli.USAGE;
    }
    if ((ethrRpc == null) != (ethrRegistry == null)) {
      System.err.println("bench: --ethr-rpc and --ethr-registry go together");
      return SovereignCli.USAGE;
    }
    if (http && !List.of(1, 10, 100).contains(httpRecords)) {
      System.err.println("bench: --http-records must be 1, 10 or 100");
      return SovereignCli.USAGE;
    }
    if (http && skipEnclave) {
      System.err.println("bench: --http needs the enclave-only figures as its ceiling");
      return SovereignCli.USAGE;
    }
    Path app =
        hostApp != null
            ? hostApp
            : CliPaths.home().resolve("parent-host/host/target/quarkus-app/quarkus-run.jar");
    Path jar = enclaveJar != null ? enclaveJar : CliPaths.defaultEnclaveJar();
    if (http && (!Files.isRegularFile(app) || !Files.isRegularFile(jar))) {
      System.err.println(
          "bench: --http needs the packaged host "
              + app
              + " and the enclave jar "
              + jar
              + " (./mvnw -B -q install -DskipTests)");
      return SovereignCli.USAGE;
    }
    if (pinCores && !http) {
      System.err.println("bench: --pin-cores goes with --http");
      return SovereignCli.USAGE;
    }
    CpuSplit split = null;
    long self = ProcessHandle.current().pid();
    if (pinCores) {
      try {
        split = CpuSplit.lastCoreForTheEnclave(Runtime.getRuntime().availableProcessors());
        split.pinToEnclaveSide(self); // the ceiling runs where the enclave process will run, alone
      } catch (IllegalArgumentException | java.io.IOException e) {
        System.err.println("bench: " + e.getMessage());
        return SovereignCli.USAGE;
      }
      threads = split.enclaveCores();
    }
    List<BenchFigure> results = new ArrayList<>();
    Double ceilingForHttp = null;
    int phases =
        (skipEnclave ? 0 : 1)
            + 1
            + (fabricNetwork != null ? 1 : 0)
            + (ethrRpc != null ? 1 : 0)
            + (http ? 1 : 0);
    int phase = 0;
    // on a terminal (and without --json) the running phase is drawn under the engines' narration
    try (Progress progress = Progress.on(spec.commandLine().getErr(), json.on())) {
      java.io.PrintStream log = progress.stream();
      if (!skipEnclave) {
        progress.phase(phaseName(++phase, phases, "enclave pipeline, per record size"), null);
        progress.amount(phase - 1, phases);
        List<Integer> sizes = new ArrayList<>(records);
        if (http && !sizes.contains(httpRecords)) {
          sizes.add(httpRecords); // the ceiling of the HTTP figures
        }
        for (EnclaveBench.Result r :
            new EnclaveBench(threads, Duration.ofSeconds(seconds), log).run(sizes)) {
          results.add(BenchFigure.of(r));
          if (r.name().startsWith("enclave.payloads." + httpRecords + "-")) {
            ceilingForHttp = r.value();
          }
        }
      }
      progress.phase(phaseName(++phase, phases, "DID resolution and the embedded ledger"), null);
      progress.amount(phase - 1, phases);
      results.addAll(new DidBench(dids, log).run());
      if (fabricNetwork != null) {
        progress.phase(phaseName(++phase, phases, "did:fabric through the Fabric network"), null);
        progress.amount(phase - 1, phases);
        results.addAll(
            new dev.sovereign.bench.FabricBench(fabricNetwork, fabricClients, 10, log).run());
      }
      if (ethrRpc != null) {
        progress.phase(phaseName(++phase, phases, "did:ethr"), null);
        progress.amount(phase - 1, phases);
        try {
          results.addAll(new EthrBench(ethrRpc, ethrRegistry, ethrChanges, ethrRuns, log).run());
        } catch (Exception e) {
          log.println("bench: did:ethr on " + ethrRpc + " failed: " + e);
          return SovereignCli.USAGE;
        }
      }
      if (http) {
        progress.phase(phaseName(++phase, phases, "end to end through HTTP"), null);
        progress.amount(phase - 1, phases);
        try {
          if (split != null) {
            split.pinToHostSide(self); // the producers share the host's cores
          }
          results.addAll(
              new HttpBench(
                      app,
                      jar,
                      producers,
                      httpPayloads,
                      httpRecords,
                      httpWarmup != null ? httpWarmup : HttpBench.defaultWarmup(httpPayloads),
                      log,
                      split,
                      httpBatch)
                  .run(ceilingForHttp));
        } catch (Exception e) {
          log.println("bench: end to end through HTTP failed: " + e);
          return SovereignCli.USAGE;
        }
      }
    }
    if (json.on()) {
      spec.commandLine().getOut().println(BenchFigure.json(results));
      spec.commandLine().getOut().flush();
    } else {
      for (BenchFigure r : results) {
        spec.commandLine().getErr().println(r.human());
      }
      spec.commandLine().getErr().flush();
    }
    return SovereignCli.OK;
  }
}
