package dev.sovereign.cli;

import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.ListenAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign enclave}: runs the enclave jar (the measured artifact itself) as a child process
 * with these options, and ends with its exit code. The command line compiles against the
 * host<->enclave contract only ({@code enclave-protocol}), never against the enclave's code.
 */
@Command(
    name = "enclave",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the enclave jar as a child process: it loads the sovereignty policy, makes its keys and did:key, gets its attestation",
      "document (the NSM device /dev/nsm, or with --simulate-nsm the simulated NSM measuring --measure), checks its own",
      "PCR0 against the policy, and serves the framed protocol (docs/enclave-protocol.md) until killed.",
      "It is the same as: java -jar enclave-app/target/sovereign-enclave.jar --listen ... (exit code: the enclave's)"
    })
final class EnclaveCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "unix:PATH|vsock:CID:PORT",
      description =
          "where to accept the host (default unix:$SOVEREIGN_HOME/.sovereign/enclave.sock)")
  String listen;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = {
        "sovereignty policy YAML (docs/sovereignty-policy.md);",
        "without it the enclave waits for the host's LoadPolicy (sovereign.host.enclave.load-policy), as on Nitro"
      })
  Path policy;

  @Option(
      names = "--state",
      paramLabel = "DIR",
      description = "simulated NSM state (default $SOVEREIGN_HOME/.sovereign)")
  Path state;

  @Option(
      names = "--simulate-nsm",
      description =
          "development: the simulated NSM (its root is public); without it the enclave needs the"
              + " NSM device /dev/nsm and refuses to start where there is none")
  boolean simulateNsm;

  @Option(
      names = "--measure",
      paramLabel = "JAR",
      description =
          "artifact the simulated NSM measures (default enclave-app/target/sovereign-enclave.jar)")
  Path measure;

  @Option(
      names = "--enclave-jar",
      paramLabel = "JAR",
      description = "the enclave jar to run (default enclave-app/target/sovereign-enclave.jar)")
  Path enclaveJar;

  @Option(
      names = "--max-frame",
      paramLabel = "BYTES",
      description = "largest frame accepted (default ${DEFAULT-VALUE})")
  int maxFrame = Frames.DEFAULT_MAX_FRAME;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "verification threads (default: all cores)")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--key-broker",
      paramLabel = "URL",
      description =
          "KMS endpoint for Seal/Restore (docs/sealing.md); credentials from AWS_* environment variables, placeholders on loopback")
  java.net.URI keyBroker;

  @Option(
      names = "--key-id",
      paramLabel = "ID|ARN",
      description = "KMS key for sealed state (with --key-broker)")
  String keyId;

  @Option(
      names = "--kms-region",
      paramLabel = "REGION",
      description =
          "AWS KMS in REGION (endpoint https://kms.REGION.amazonaws.com; --key-id must be a full key ARN there)")
  String kmsRegion;

  @Option(
      names = "--kms-proxy",
      paramLabel = "vsock:CID:PORT|unix:PATH",
      description =
          "carry KMS traffic through the host's proxy (docs/deploy-nitro.md); the KMS name must resolve to loopback")
  String kmsProxy;

  @Option(
      names = "--region",
      paramLabel = "ZONE",
      description =
          "region bound into snapshots (default: the policy's enclave.region in upper case)")
  String region;

  @Override
  public Integer call() throws IOException, InterruptedException {
    String address =
        listen != null ? listen : "unix:" + CliPaths.defaultState().resolve("enclave.sock");
    try {
      ListenAddress.parse(address);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--listen: " + e.getMessage());
    }
    if (maxFrame < 64 || threads < 1) {
      throw new ParameterException(
          spec.commandLine(), "--max-frame must be >= 64 and --threads >= 1");
    }
    Path jar = enclaveJar != null ? enclaveJar : CliPaths.defaultEnclaveJar();
    if (!Files.isRegularFile(jar)) {
      spec.commandLine()
          .getErr()
          .println("enclave: no enclave jar at " + jar + " (./mvnw -B -q install -DskipTests)");
      return SovereignCli.USAGE;
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-jar", jar.toString()));
    if (simulateNsm) {
      command.add("--simulate-nsm");
    }
    command.addAll(List.of("--listen", address));
    if (policy != null) {
      command.addAll(List.of("--policy", policy.toString()));
    }
    command.addAll(
        List.of(
            "--state",
            (state != null ? state : CliPaths.defaultState()).toString(),
            "--measure",
            (measure != null ? measure : jar).toString(),
            "--max-frame",
            Integer.toString(maxFrame),
            "--threads",
            Integer.toString(threads)));
    if (keyBroker != null) {
      command.addAll(List.of("--key-broker", keyBroker.toString()));
    }
    addIfSet(command, "--key-id", keyId);
    addIfSet(command, "--kms-region", kmsRegion);
    addIfSet(command, "--kms-proxy", kmsProxy);
    addIfSet(command, "--region", region);
    // key broker credentials reach the child through the inherited AWS_* environment, never argv
    Process child =
        new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
    Thread stop = new Thread(child::destroy, "enclave-child-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    Thread out = copy(child.getInputStream(), spec.commandLine().getOut(), "enclave-stdout");
    Thread err = copy(child.getErrorStream(), spec.commandLine().getErr(), "enclave-stderr");
    try {
      int exit = child.waitFor();
      out.join();
      err.join();
      return exit;
    } finally {
      child.destroy();
      try {
        Runtime.getRuntime().removeShutdownHook(stop);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run: the child is being stopped
      }
    }
  }

  private static void addIfSet(List<String> command, String flag, String value) {
    if (value != null) {
      command.addAll(List.of(flag, value));
    }
  }

  /** Copies the child's output, line by line as it comes, to this command's writer. */
  private static Thread copy(InputStream from, PrintWriter to, String name) {
    Thread t =
        new Thread(
            () -> {
              try (Reader r = new InputStreamReader(from, StandardCharsets.UTF_8)) {
                char[] buf = new char[4096];
                for (int n; (n = r.read(buf)) >= 0; ) {
                  to.write(buf, 0, n);
                  to.flush();
                }
              } catch (IOException e) {
                // the child ended; nothing more to copy
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
