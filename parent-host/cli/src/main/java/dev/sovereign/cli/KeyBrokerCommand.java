package dev.sovereign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.keybroker.AuditLog;
import dev.sovereign.keybroker.KmsError;
import dev.sovereign.keybroker.KmsHttpServer;
import dev.sovereign.keybroker.LocalKeyBroker;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign key-broker}: the local key broker (KMS JSON protocol on loopback) and its
 * administration.
 */
@Command(
    name = "key-broker",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the local key broker: AWS KMS's JSON 1.1 protocol (CreateKey, DescribeKey, GenerateDataKey, "
          + "Decrypt, GenerateRandom) on a loopback address, so any KMS client with an endpoint override works.",
      "Keys are released only to a Recipient whose attestation document verifies against the pinned roots "
          + "(default: the simulated NSM's root) and satisfies the key's KMS policy (docs/key-broker.md). "
          + "Runs until interrupted."
    },
    subcommands = {KeyBrokerCommand.AllowRollback.class, KeyBrokerCommand.VerifyAudit.class})
final class KeyBrokerCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "127.0.0.1:PORT",
      description = "loopback address and port (default 127.0.0.1:9440; port 0 picks one)")
  String listen = "127.0.0.1:9440";

  @Option(
      names = "--state",
      paramLabel = "DIR",
      description =
          "broker state: master key, keys, audit log, rollback marks (default: $SOVEREIGN_HOME/.sovereign/key-broker)")
  Path state;

  @Option(
      names = "--nsm-state",
      paramLabel = "DIR",
      description =
          "state directory of the simulated NSM whose root is trusted when no --root is given (default: $SOVEREIGN_HOME/.sovereign)")
  Path nsmState;

  @Option(
      names = "--root",
      paramLabel = "PEM",
      description =
          "pinned attestation root certificate (repeatable); replaces the simulation root")
  List<Path> roots = new ArrayList<>();

  @Option(
      names = "--max-age",
      paramLabel = "DURATION",
      description = "maximum attestation document age, ISO-8601 (default PT5M)")
  String maxAge = "PT5M";

  @Mixin JsonOption json = new JsonOption();

  static Path home() {
    String home = System.getenv("SOVEREIGN_HOME");
    return Path.of(home == null || home.isBlank() ? "." : home).toAbsolutePath().normalize();
  }

  static Path defaultState() {
    return home().resolve(".sovereign/key-broker");
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    InetSocketAddress address;
    Duration age;
    try {
      address = loopback(listen);
      age = Duration.parse(maxAge);
      if (age.isNegative() || age.isZero()) {
        throw new IllegalArgumentException("--max-age must be positive");
      }
    } catch (IllegalArgumentException | DateTimeParseException e) {
      err.println("sovereign key-broker: " + e.getMessage());
      return SovereignCli.USAGE;
    }
    try {
      AttestationPolicy.Builder policy = AttestationPolicy.builder().maxAge(age);
      if (roots.isEmpty()) {
        Path nsm = nsmState != null ? nsmState : home().resolve(".sovereign");
        policy.pinnedRoot(SimulatedNsm.rootCertificate(nsm));
        err.println(
            "sovereign key-broker: trusting the simulation root of " + nsm + " (development only)");
      } else {
        for (Path p : roots) {
          policy.pinnedRoot(readCertificate(p));
        }
      }
      Path stateDir = state != null ? state : defaultState();
      LocalKeyBroker broker =
          LocalKeyBroker.open(
              stateDir, AttestationVerifier.create(policy.build()), Clock.systemUTC());
      KmsHttpServer server = KmsHttpServer.start(broker, address);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    server.close();
                    stopped.countDown();
                  },
                  "key-broker-shutdown"));
      err.println(
          "sovereign key-broker: listening on "
              + server.endpoint()
              + " (state "
              + stateDir
              + ", audit head "
              + broker.audit().head()
              + ")");
      if (json.on()) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode n = mapper.createObjectNode();
        n.put("endpoint", server.endpoint().toString());
        n.put("state", stateDir.toString());
        n.put("auditHead", broker.audit().head());
        spec.commandLine().getOut().println(mapper.writeValueAsString(n));
        spec.commandLine().getOut().flush();
      }
      err.flush();
      stopped.await();
      return SovereignCli.OK;
    } catch (IOException | CertificateException | RuntimeException e) {
      err.println("sovereign key-broker: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return SovereignCli.USAGE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return SovereignCli.OK;
    }
  }

  static InetSocketAddress loopback(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "--listen must be HOST:PORT on loopback, e.g. 127.0.0.1:9440");
    }
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--listen port is not a number");
    }
    InetAddress a;
    try {
      a = InetAddress.getByName(host);
    } catch (IOException e) {
      throw new IllegalArgumentException("--listen host is not an address: " + host);
    }
    if (!a.isLoopbackAddress() || port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "--listen must be a loopback address and a port 0..65535, got " + hostPort);
    }
    return new InetSocketAddress(a, port);
  }

  private static X509Certificate readCertificate(Path pem)
      throws IOException, CertificateException {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  /**
   * {@code sovereign key-broker allow-rollback}: the audited administrator override of rollback
   * protection.
   */
  @Command(
      name = "allow-rollback",
      mixinStandardHelpOptions = true,
      description = {
        "Lowers the highest sealed sequence of one enclave identity (key, PCR0, region) so that an older "
            + "snapshot can be restored. Appends ROLLBACK_OVERRIDE with your reason to the audit log."
      })
  static final class AllowRollback implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--state",
        paramLabel = "DIR",
        description = "broker state directory (default: $SOVEREIGN_HOME/.sovereign/key-broker)")
    Path state;

    @Option(names = "--key-id", required = true, paramLabel = "ID|ARN", description = "the KMS key")
    String keyId;

    @Option(
        names = "--measurement",
        required = true,
        paramLabel = "HEX",
        description = "PCR0 of the enclave identity (96 hex digits)")
    String measurement;

    @Option(
        names = "--region",
        required = true,
        paramLabel = "REGION",
        description = "region of the enclave identity, e.g. EU")
    String region;

    @Option(
        names = "--to-sequence",
        required = true,
        paramLabel = "N",
        description = "the sequence of the snapshot to allow")
    long toSequence;

    @Option(
        names = "--reason",
        required = true,
        paramLabel = "TEXT",
        description = "why (recorded in the audit log)")
    String reason;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      try {
        Path stateDir = state != null ? state : defaultState();
        LocalKeyBroker.openForAdministration(stateDir, Clock.systemUTC())
            .overrideRollback(keyId, measurement, region, toSequence, reason);
        err.println(
            "sovereign key-broker allow-rollback: "
                + region
                + " snapshots from sequence "
                + toSequence
                + " may be restored; recorded in "
                + stateDir.resolve("audit.log"));
        return SovereignCli.OK;
      } catch (KmsError e) {
        err.println("sovereign key-broker allow-rollback: " + e.reason() + " - " + e.wireMessage());
        return SovereignCli.REJECTED;
      } catch (IOException | RuntimeException e) {
        err.println(
            "sovereign key-broker allow-rollback: "
                + e.getClass().getSimpleName()
                + ": "
                + e.getMessage());
        return SovereignCli.USAGE;
      }
    }
  }

  /** {@code sovereign key-broker verify-audit}: checks the audit log's hash chain. */
  @Command(
      name = "verify-audit",
      mixinStandardHelpOptions = true,
      description = {
        "Checks the hash chain of the broker's audit log. Exit 0 with the entry count and head hash; "
            + "exit 1 with AUDIT_CHAIN_BROKEN and the first bad line."
      })
  static final class VerifyAudit implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--state",
        paramLabel = "DIR",
        description = "broker state directory (default: $SOVEREIGN_HOME/.sovereign/key-broker)")
    Path state;

    @Mixin JsonOption json = new JsonOption();

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      Path file = (state != null ? state : defaultState()).resolve("audit.log");
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode n = mapper.createObjectNode();
      int exit;
      try {
        AuditLog.Verified v = AuditLog.verify(file);
        n.put("valid", true);
        n.put("entries", v.entries());
        n.put("head", v.head());
        err.println(
            "sovereign key-broker verify-audit: " + v.entries() + " entries, head " + v.head());
        exit = SovereignCli.OK;
      } catch (AuditLog.BrokenChainException e) {
        n.put("valid", false);
        n.put("reason", "AUDIT_CHAIN_BROKEN");
        n.put("line", e.line());
        err.println("sovereign key-broker verify-audit: AUDIT_CHAIN_BROKEN at line " + e.line());
        exit = SovereignCli.REJECTED;
      } catch (IOException e) {
        err.println(
            "sovereign key-broker verify-audit: cannot read " + file + ": " + e.getMessage());
        return SovereignCli.USAGE;
      }
      if (json.on()) {
        try {
          spec.commandLine().getOut().println(mapper.writeValueAsString(n));
          spec.commandLine().getOut().flush();
        } catch (IOException e) {
          return SovereignCli.USAGE;
        }
      }
      return exit;
    }
  }
}
