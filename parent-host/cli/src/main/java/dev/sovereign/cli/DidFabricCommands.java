package dev.sovereign.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.fabric.FabricDidResolver;
import dev.sovereign.did.fabric.core.ControllerSigner;
import dev.sovereign.did.fabric.core.DidFabricLedger;
import dev.sovereign.did.fabric.core.Encoding;
import dev.sovereign.did.fabric.core.EndorsementVerifier;
import dev.sovereign.did.fabric.core.FabricDidEvidence;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.OperationLogVerifier;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VerifiedDidLog;
import dev.sovereign.did.fabric.core.VersionRecord;
import dev.sovereign.did.fabric.gateway.FabricGatewayConnection;
import dev.sovereign.did.fabric.ledger.EmbeddedFabricResolverProvider;
import dev.sovereign.did.fabric.ledger.EmbeddedLedger;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign did create|update|deactivate|log}: did:fabric writes and log export, on the
 * embedded ledger under {@code --data-dir} (default {@code $SOVEREIGN_HOME/.sovereign}), or on a
 * Fabric network given by {@code --ledger-setting fabric.gateway=...} and the other {@code
 * fabric.*} settings of {@link FabricGatewayConnection}. Controller keys are local key files (JSON,
 * mode 0600). Exit codes: 0 done or valid, 1 rejected (the reason code is printed), 2 usage or
 * environment error.
 */
final class DidFabricCommands {
  private DidFabricCommands() {}

  /** Options every did:fabric command shares. */
  static final class LedgerOptions {
    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description =
            "state directory (default: $SOVEREIGN_HOME/.sovereign); the ledger is DIR/did-fabric/NETWORK")
    Path dataDir;

    @Option(
        names = "--network",
        paramLabel = "NAME",
        defaultValue = EmbeddedFabricResolverProvider.DEFAULT_NETWORK,
        description = "did:fabric network of the embedded ledger (default: ${DEFAULT-VALUE})")
    String network;

    @Mixin JsonOption json = new JsonOption();

    @Option(
        names = "--ledger-setting",
        paramLabel = "KEY=VALUE",
        description = {
          "use a Fabric network instead of the embedded ledger (repeatable): fabric.gateway=host:port,",
          "fabric.tlsCa, fabric.mspId, fabric.cert, fabric.key, fabric.pinnedCa=MSP=ca.pem, fabric.channel, ..."
        })
    Map<String, String> settings = new java.util.LinkedHashMap<>();

    Path dataDir() {
      return dataDir != null ? dataDir : CliPaths.defaultState();
    }

    /** The embedded ledger, or the Fabric network when {@code fabric.gateway} is set. */
    Session open() throws IOException {
      if (settings.containsKey(FabricGatewayConnection.GATEWAY)) {
        FabricGatewayConnection c = FabricGatewayConnection.connect(settings);
        return new Session(c.ledger(), c.verifier(), c::close);
      }
      EmbeddedLedger l = EmbeddedFabricResolverProvider.openLedger(dataDir(), network);
      return new Session(l, l.endorsementVerifier(), l::close);
    }
  }

  /** A ledger to write to, and the endorsement check for its answers. */
  record Session(DidFabricLedger ledger, EndorsementVerifier verifier, Runnable closer)
      implements AutoCloseable {
    @Override
    public void close() {
      closer.run();
    }
  }

  /** A failure of the environment (files, ledger), reported with exit code 2. */
  static final class EnvironmentException extends Exception {
    private static final long serialVersionUID = 1L;

    EnvironmentException(String message) {
      super(message);
    }
  }

  abstract static class Base implements Callable<Integer> {
    @Spec CommandSpec spec;

    abstract int run(PrintWriter out, PrintWriter err)
        throws RejectedException, EnvironmentException, IOException;

    @Override
    public final Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String name = "sovereign did " + spec.name();
      try {
        return run(out, err);
      } catch (RejectedException e) {
        err.println(e.getMessage()); // starts with the reason code
        return SovereignCli.REJECTED;
      } catch (EnvironmentException
          | IOException
          | UncheckedIOException
          | IllegalArgumentException e) {
        err.println(name + ": " + e.getMessage());
        return SovereignCli.USAGE;
      } catch (RuntimeException e) {
        // Our own failure (e.g. an unreadable ledger file): reported without a stack trace.
        err.println(name + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        return SovereignCli.USAGE;
      } finally {
        out.flush();
        err.flush();
      }
    }
  }

  static void printRecord(VersionRecord record, boolean json, PrintWriter out, PrintWriter err) {
    if (json) {
      ObjectNode n = Jcs.mapper().createObjectNode();
      n.put("did", record.did());
      n.put("op", record.operation().type().wire());
      n.put("sequence", record.sequence());
      n.put("versionId", record.versionId());
      n.put("versionTime", record.versionTime().toString());
      n.put("txId", record.txId());
      out.println(n.toPrettyString());
    }
    err.println(
        record.did()
            + "  "
            + record.operation().type().wire()
            + "  version "
            + record.sequence()
            + "  versionId "
            + record.versionId()
            + "  at "
            + record.versionTime());
  }

  /**
   * Key file: {@code {"type": "Ed25519"|"P-256", "publicKeyMultibase", "secretKey": base64url}}.
   */
  static SoftwareControllerKey readKey(Path file) throws EnvironmentException {
    try {
      ObjectNode n = Jcs.parseObject(Files.readAllBytes(file));
      Multikey.Type type =
          "P-256".equals(n.path("type").asText()) ? Multikey.Type.P256 : Multikey.Type.ED25519;
      SoftwareControllerKey key =
          SoftwareControllerKey.fromSecret(type, Encoding.fromB64url(n.path("secretKey").asText()));
      if (!key.publicKey().multibase().equals(n.path("publicKeyMultibase").asText())) {
        throw new EnvironmentException("key file " + file + " is inconsistent");
      }
      return key;
    } catch (IOException | IllegalArgumentException e) {
      throw new EnvironmentException("cannot read key file " + file);
    }
  }

  static void writeKey(Path file, SoftwareControllerKey key) throws IOException {
    ObjectNode n = Jcs.mapper().createObjectNode();
    n.put("type", key.type() == Multikey.Type.P256 ? "P-256" : "Ed25519");
    n.put("publicKeyMultibase", key.publicKey().multibase());
    n.put("secretKey", Encoding.b64url(key.exportSecretForKeyFile()));
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.write(file, new byte[0], StandardOpenOption.CREATE_NEW);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // non-POSIX file system
    }
    Files.write(file, Jcs.canonicalize(n), StandardOpenOption.TRUNCATE_EXISTING);
  }

  static Multikey.Type keyType(String s) {
    switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "ed25519":
        return Multikey.Type.ED25519;
      case "p-256":
      case "p256":
        return Multikey.Type.P256;
      default:
        throw new IllegalArgumentException("--key-type must be ed25519 or p-256");
    }
  }

  /** The current version, verified (log + endorsed read) before anything is signed on top of it. */
  static VerifiedDidLog current(Session session, String did) throws RejectedException {
    return new FabricDidResolver(session.ledger(), session.verifier(), Clock.systemUTC())
        .verifiedCurrentLog(did);
  }

  /**
   * The id of the capabilityInvocation method whose key is {@code signer}'s, in the current
   * version.
   */
  static String signerMethod(VerifiedDidLog log, ControllerSigner signer) throws RejectedException {
    if (log.deactivated()) {
      throw new RejectedException(
          dev.sovereign.did.fabric.core.ReasonCode.DEACTIVATED,
          log.did(),
          "deactivated at version " + log.current().sequence());
    }
    for (Map.Entry<String, Multikey> e : log.controllerKeys(log.current()).entrySet()) {
      if (e.getValue().equals(signer.publicKey())) {
        return e.getKey();
      }
    }
    throw new RejectedException(
        dev.sovereign.did.fabric.core.ReasonCode.SIGNER_NOT_CONTROLLER,
        log.did(),
        "the key "
            + signer.publicKey()
            + " is not a capabilityInvocation key of the current version");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Creates a did:fabric DID on the embedded ledger, controlled by a new (or given) key.",
        "The new key is written to --key-out (default DATA-DIR/did-fabric/keys/<id>.json, mode 0600)."
      })
  static final class Create extends Base {
    @picocli.CommandLine.Mixin LedgerOptions ledger;

    @Option(
        names = "--key",
        paramLabel = "FILE",
        description = "use this existing key file instead of a new key")
    Path keyFile;

    @Option(
        names = "--key-type",
        paramLabel = "TYPE",
        defaultValue = "ed25519",
        description = "type of a new key: ed25519 or p-256 (default: ${DEFAULT-VALUE})")
    String keyType;

    @Option(names = "--key-out", paramLabel = "FILE", description = "where to write a new key")
    Path keyOut;

    @Override
    int run(PrintWriter out, PrintWriter err)
        throws RejectedException, EnvironmentException, IOException {
      SoftwareControllerKey key =
          keyFile != null ? readKey(keyFile) : SoftwareControllerKey.generate(keyType(keyType));
      try (Session session = ledger.open()) {
        Operation create = FabricDocuments.create(session.ledger().network(), key);
        if (keyFile == null) {
          String id = create.did().substring(create.did().lastIndexOf(':') + 1);
          Path target =
              keyOut != null
                  ? keyOut
                  : ledger.dataDir().resolve("did-fabric").resolve("keys").resolve(id + ".json");
          writeKey(target, key);
          err.println("controller key written to " + target);
        }
        printRecord(session.ledger().submit(create), ledger.json.on(), out, err);
      }
      return SovereignCli.OK;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = {
        "Updates a did:fabric DID: replaces its document (--document) or rotates its controller",
        "key (--rotate-to). Signed with --key, which must be a capabilityInvocation key of the current version."
      })
  static final class Update extends Base {
    @picocli.CommandLine.Mixin LedgerOptions ledger;

    @Parameters(index = "0", paramLabel = "DID")
    String did;

    @Option(
        names = "--key",
        paramLabel = "FILE",
        required = true,
        description = "controller key file that signs")
    Path keyFile;

    @Option(names = "--document", paramLabel = "FILE", description = "the new DID document (JSON)")
    Path document;

    @Option(
        names = "--rotate-to",
        paramLabel = "FILE",
        description =
            "rotate to this key file (created with a new Ed25519 key if absent): the new document has it as #key-1")
    Path rotateTo;

    @Override
    int run(PrintWriter out, PrintWriter err)
        throws RejectedException, EnvironmentException, IOException {
      if ((document == null) == (rotateTo == null)) {
        throw new EnvironmentException("give exactly one of --document or --rotate-to");
      }
      SoftwareControllerKey signer = readKey(keyFile);
      try (Session l = ledger.open()) {
        VerifiedDidLog log = current(l, did);
        String method = signerMethod(log, signer);
        ObjectNode doc;
        if (document != null) {
          try {
            doc = Jcs.parseObject(Files.readAllBytes(document));
          } catch (IllegalArgumentException e) {
            throw new EnvironmentException(document + " is not a strict JSON object");
          }
        } else {
          SoftwareControllerKey next;
          if (Files.exists(rotateTo)) {
            next = readKey(rotateTo);
          } else {
            next = SoftwareControllerKey.generate(Multikey.Type.ED25519);
            writeKey(rotateTo, next);
            err.println("new controller key written to " + rotateTo);
          }
          doc = FabricDocuments.document(did, List.of(next.publicKey()), 1);
        }
        Operation op = FabricDocuments.update(did, log.current().versionId(), doc, method, signer);
        printRecord(l.ledger().submit(op), ledger.json.on(), out, err);
      }
      return SovereignCli.OK;
    }
  }

  @Command(
      name = "deactivate",
      mixinStandardHelpOptions = true,
      description = "Deactivates a did:fabric DID for good (terminal). Signed with --key.")
  static final class Deactivate extends Base {
    @picocli.CommandLine.Mixin LedgerOptions ledger;

    @Parameters(index = "0", paramLabel = "DID")
    String did;

    @Option(
        names = "--key",
        paramLabel = "FILE",
        required = true,
        description = "controller key file that signs")
    Path keyFile;

    @Override
    int run(PrintWriter out, PrintWriter err)
        throws RejectedException, EnvironmentException, IOException {
      SoftwareControllerKey signer = readKey(keyFile);
      try (Session l = ledger.open()) {
        VerifiedDidLog log = current(l, did);
        Operation op =
            FabricDocuments.deactivate(
                did, log.current().versionId(), signerMethod(log, signer), signer);
        printRecord(l.ledger().submit(op), ledger.json.on(), out, err);
      }
      return SovereignCli.OK;
    }
  }

  @Command(
      name = "log",
      mixinStandardHelpOptions = true,
      description = {
        "Exports the self-verifying operation log of a did:fabric DID (did-fabric-log/1, JCS) to",
        "stdout or --out, after verifying it; with --verify FILE, checks a log file offline instead",
        "(exit 1 with the reason code if it does not verify)."
      })
  static final class Log extends Base {
    @picocli.CommandLine.Mixin LedgerOptions ledger;

    @Parameters(index = "0", paramLabel = "DID")
    String did;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description = "write the log here instead of stdout")
    Path outFile;

    @Option(
        names = "--verify",
        paramLabel = "FILE",
        description = "verify this log file for DID; no ledger needed")
    Path verify;

    @Option(
        names = "--evidence",
        paramLabel = "NONCE",
        description =
            "export instead the evidence object {did, log, endorsedRead} for this verifier nonce (method spec 11.1)")
    String evidenceNonce;

    @Override
    int run(PrintWriter out, PrintWriter err)
        throws RejectedException, EnvironmentException, IOException {
      if (verify != null) {
        VerifiedDidLog log = OperationLogVerifier.verify(did, Files.readAllBytes(verify));
        if (ledger.json.on()) {
          ObjectNode n = Jcs.mapper().createObjectNode();
          n.put("did", did);
          n.put("verified", true);
          n.put("versions", log.records().size());
          n.put("versionId", log.current().versionId());
          n.put("deactivated", log.deactivated());
          out.println(n.toPrettyString());
        }
        err.println(
            "valid: "
                + log.records().size()
                + " versions, current "
                + log.current().versionId()
                + (log.deactivated() ? " (DEACTIVATED)" : ""));
        return SovereignCli.OK;
      }
      try (Session l = ledger.open()) {
        byte[] bytes =
            evidenceNonce == null
                ? l.ledger().exportLog(did)
                : FabricDidEvidence.bundle(l.ledger(), did, evidenceNonce);
        VerifiedDidLog log =
            evidenceNonce == null
                ? OperationLogVerifier.verify(did, bytes)
                : FabricDidEvidence.verify(
                    did, evidenceNonce, bytes, l.verifier(), java.time.Instant.now());
        if (outFile != null) {
          Files.write(outFile, bytes);
          err.println("log of " + log.records().size() + " versions written to " + outFile);
        } else {
          out.println(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      return SovereignCli.OK;
    }
  }
}
