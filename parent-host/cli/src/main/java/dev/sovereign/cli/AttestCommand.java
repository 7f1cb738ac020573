package dev.sovereign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.nsm.Nsm;
import dev.sovereign.attestation.nsm.NsmException;
import dev.sovereign.attestation.nsm.Nsms;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign attest}: ask the NSM ({@code /dev/nsm}, or the simulated NSM with {@code
 * --simulate-nsm}) for an attestation document.
 */
@Command(
    name = "attest",
    mixinStandardHelpOptions = true,
    description = {
      "Asks the NSM for an attestation document and writes its COSE_Sign1 bytes (untagged, as the NSM writes them) to --out.",
      "Uses the NSM device /dev/nsm (inside a Nitro Enclave); with --simulate-nsm the simulated NSM instead: its PKI lives in --state, its PCR0 and PCR2 measure --enclave-jar (docs/nsm.md).",
      "With --print-root: prints the simulation root certificate (PEM) to stdout."
    })
final class AttestCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--nonce",
      paramLabel = "HEX",
      description = "nonce to include (hex, at most 1024 bytes)")
  String nonce;

  @Option(
      names = "--user-data",
      paramLabel = "FILE",
      description = "user data to include (raw bytes, at most 1024)")
  Path userData;

  @Option(
      names = "--public-key",
      paramLabel = "FILE",
      description = "public key to include (PEM PUBLIC KEY or DER, at most 1024 bytes)")
  Path publicKey;

  @Option(
      names = "--state",
      paramLabel = "DIR",
      description = "state directory of the simulated NSM (default: $SOVEREIGN_HOME/.sovereign)")
  Path state;

  @Option(
      names = "--enclave-jar",
      paramLabel = "FILE",
      description =
          "enclave jar the simulated NSM measures (default: enclave-app/target/sovereign-enclave.jar)")
  Path enclaveJar;

  @Option(
      names = "--parent-role",
      paramLabel = "ARN",
      description = "simulated parent IAM role ARN, measured into PCR3")
  String parentRole;

  @Option(
      names = "--parent-instance",
      paramLabel = "ID",
      description = "simulated parent instance id (i-...), measured into PCR4")
  String parentInstance;

  @Option(
      names = "--simulate-nsm",
      description =
          "development: the simulated NSM (its root is public); without it /dev/nsm is required")
  boolean simulateNsm;

  @Option(names = "--out", paramLabel = "FILE", description = "where to write the document")
  Path out;

  @Option(
      names = "--print-root",
      description = "print the simulation root certificate (PEM) and exit")
  boolean printRoot;

  @Mixin JsonOption json = new JsonOption();

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      Path stateDir = state != null ? state : CliPaths.defaultState();
      if (printRoot) {
        spec.commandLine().getOut().print(SimulatedNsm.pem(SimulatedNsm.rootCertificate(stateDir)));
        spec.commandLine().getOut().flush();
        err.println(
            "sovereign attest: simulation root of "
                + stateDir
                + " (never an AWS root; pin it only for development)");
        return SovereignCli.OK;
      }
      if (out == null) {
        throw new CliInput.UsageException("--out FILE is required (or --print-root)");
      }
      byte[] nonceBytes = nonce == null ? null : CliInput.hex("--nonce", nonce);
      byte[] userBytes = userData == null ? null : CliInput.readFile("--user-data", userData);
      byte[] keyBytes = publicKey == null ? null : CliInput.publicKey(publicKey);
      byte[] document;
      String kind;
      try (Nsm nsm = open(stateDir)) {
        kind = nsm.kind();
        document = nsm.attestation(userBytes, nonceBytes, keyBytes);
      }
      Files.write(out, document);
      AttestationDocument doc = AttestationDocuments.parse(document).unverifiedDocument();
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(document));
      err.println(
          "sovereign attest: "
              + kind
              + " NSM "
              + doc.moduleId()
              + " wrote "
              + document.length
              + " bytes to "
              + out
              + " (timestamp "
              + Instant.ofEpochMilli(doc.timestampMillis())
              + ", sha256 "
              + sha
              + ")");
      for (int i : new int[] {0, 1, 2, 3, 4}) {
        byte[] v = doc.pcr(i);
        if (v != null) {
          err.println("  PCR" + i + " " + HexFormat.of().formatHex(v));
        }
      }
      if (json.on()) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode();
        node.put("nsm", kind);
        node.put("moduleId", doc.moduleId());
        node.put("out", out.toString());
        node.put("bytes", document.length);
        node.put("sha256", sha);
        node.put("timestamp", Instant.ofEpochMilli(doc.timestampMillis()).toString());
        ObjectNode pcrs = node.putObject("pcrs");
        doc.pcrs().forEach((k, v) -> pcrs.put(Integer.toString(k), HexFormat.of().formatHex(v)));
        spec.commandLine()
            .getOut()
            .println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        spec.commandLine().getOut().flush();
      }
      return SovereignCli.OK;
    } catch (CliInput.UsageException e) {
      err.println("sovereign attest: " + e.getMessage());
      return SovereignCli.USAGE;
    } catch (Nsms.UnavailableException e) {
      err.println(
          "sovereign attest: "
              + e.getMessage()
              + (simulateNsm ? "" : "; for development give --simulate-nsm"));
      return SovereignCli.USAGE;
    } catch (NsmException e) {
      err.println("sovereign attest: the NSM refused the request: " + e.code().wireName());
      return SovereignCli.USAGE;
    } catch (IOException
        | AttestationRejectedException
        | java.security.GeneralSecurityException
        | RuntimeException e) {
      err.println("sovereign attest: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return SovereignCli.USAGE;
    }
  }

  private Nsm open(Path stateDir) throws IOException, CliInput.UsageException {
    if (!simulateNsm) {
      if (parentRole != null || parentInstance != null) {
        throw new CliInput.UsageException(
            "--parent-role and --parent-instance are simulation settings: give --simulate-nsm");
      }
      return Nsms.device();
    }
    Path jar = enclaveJar != null ? enclaveJar : CliPaths.defaultEnclaveJar();
    if (!Files.isRegularFile(jar)) {
      throw new CliInput.UsageException(
          "enclave jar "
              + jar
              + " not found: build it (./mvnw -B -q install -DskipTests"
              + " -pl enclave-app -am) or pass --enclave-jar FILE");
    }
    SimulationConfig config;
    try {
      config =
          SimulationConfig.of(stateDir, jar)
              .withParentRoleArn(parentRole)
              .withParentInstanceId(parentInstance);
    } catch (IllegalArgumentException e) {
      throw new CliInput.UsageException(e.getMessage());
    }
    return SimulatedNsm.open(config);
  }
}
