package dev.sovereign.cli;

import dev.sovereign.enclave.EnclaveMain;
import dev.sovereign.enclave.EnclaveOptions;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.server.ListenAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign enclave}: runs the enclave application (the same code as the enclave jar's
 * main).
 */
@Command(
    name = "enclave",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the enclave: loads the sovereignty policy, makes its keys and did:key, gets its attestation",
      "document (real /dev/nsm when present, else the simulated NSM measuring --measure), checks its own",
      "PCR0 against the policy, and serves the framed protocol (docs/enclave-protocol.md) until killed.",
      "The enclave jar runs the same code alone: java -jar enclave-app/target/sovereign-enclave.jar --listen ..."
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
      names = "--measure",
      paramLabel = "JAR",
      description =
          "artifact the simulated NSM measures (default enclave-app/target/sovereign-enclave.jar)")
  Path measure;

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
  public Integer call() {
    ListenAddress address;
    try {
      address =
          ListenAddress.parse(
              listen != null ? listen : "unix:" + CliPaths.defaultState().resolve("enclave.sock"));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--listen: " + e.getMessage());
    }
    if (maxFrame < 64 || threads < 1) {
      throw new ParameterException(
          spec.commandLine(), "--max-frame must be >= 64 and --threads >= 1");
    }
    Optional<dev.sovereign.enclave.KeyBrokerOptions> broker;
    try {
      broker =
          dev.sovereign.enclave.KeyBrokerOptions.fromFlags(
              Optional.ofNullable(keyBroker),
              Optional.ofNullable(keyId),
              Optional.ofNullable(region),
              Optional.ofNullable(kmsRegion),
              Optional.ofNullable(kmsProxy)
                  .map(dev.sovereign.attestation.forward.ForwardAddress::parse),
              System.getenv());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    EnclaveOptions options =
        new EnclaveOptions(
            address,
            policy,
            state != null ? state : CliPaths.defaultState(),
            Optional.of(measure != null ? measure : CliPaths.defaultEnclaveJar()),
            maxFrame,
            threads,
            broker,
            Optional.empty(),
            Optional.empty());
    return EnclaveMain.run(options);
  }
}
