package dev.sovereign.cli;

import dev.sovereign.enclave.EnclaveBench;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sovereign bench}: throughput figures, each next to its ceiling measured in the same run. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measures payloads per second through the enclave pipeline (JWE, JWS, credential chain and status,",
      "policy, replay, aggregation) for payloads of 1, 10 and 100 records, on all cores, next to the ceiling",
      "measured in the same run on the same payloads: one ECDH-ES unwrap + one AES-256-GCM decryption +",
      "one Ed25519 verification per payload. Rates come from the CPU time of the benchmark threads",
      "(payloads per CPU second x threads), so other load on the machine does not skew the ratio.",
      "--json prints {\"results\":[{name,value,unit,ceiling,ratio}]}."
    })
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--json", description = "machine output on stdout")
  boolean json;

  @Option(names = "--seconds", paramLabel = "N", description = "measuring time per figure and per ceiling (default ${DEFAULT-VALUE})")
  int seconds = 3;

  @Option(names = "--threads", paramLabel = "N", description = "threads (default: all cores)")
  int threads = Runtime.getRuntime().availableProcessors();

  @Override
  public Integer call() throws Exception {
    if (seconds < 1 || threads < 1) {
      System.err.println("bench: --seconds and --threads must be at least 1");
      return SovereignCli.USAGE;
    }
    List<EnclaveBench.Result> results = new EnclaveBench(threads, Duration.ofSeconds(seconds), System.err).run();
    if (json) {
      System.out.println(EnclaveBench.json(results));
    } else {
      for (EnclaveBench.Result r : results) {
        System.err.printf("%-32s %10.1f %s   ceiling %10.1f   ratio %.3f%n", r.name(), r.value(), r.unit(),
            r.ceiling(), r.ratio());
      }
    }
    return SovereignCli.OK;
  }
}
