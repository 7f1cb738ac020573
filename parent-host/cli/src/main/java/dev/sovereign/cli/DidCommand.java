package dev.sovereign.cli;

import dev.sovereign.did.DidJson;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.Relationship;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.VerificationMethod;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign did ...}: DIDs. Sub-commands register in {@code subcommands}; method resolvers
 * come from did-core ({@code did:key}) and from {@link dev.sovereign.did.DidMethodResolverProvider}
 * implementations on the class path, configured by {@link ResolverSettings}.
 */
@Command(
    name = "did",
    mixinStandardHelpOptions = true,
    description = "Create, update and resolve DIDs.",
    subcommands = {
      DidCommand.Resolve.class,
      DidFabricCommands.Create.class,
      DidFabricCommands.Update.class,
      DidFabricCommands.Deactivate.class,
      DidFabricCommands.Log.class
    })
final class DidCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /**
   * Settings handed to every method resolver provider (e.g. {@code ethr.rpc}, {@code
   * ethr.registry}, {@code data.dir}). Method-specific flags add their own options here and put
   * them into {@link #settings()}.
   */
  static final class ResolverSettings {
    @Option(
        names = "--resolver-setting",
        paramLabel = "KEY=VALUE",
        description =
            "a setting for the method resolvers (repeatable), e.g. ethr.rpc=http://127.0.0.1:8545")
    Map<String, String> extra = new LinkedHashMap<>();

    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description =
            "state directory for embedded registries (default: $SOVEREIGN_HOME/.sovereign)")
    Path dataDir;

    @Option(
        names = "--ethr-rpc",
        paramLabel = "URL",
        description =
            "did:ethr: the Ethereum JSON-RPC node (with --ethr-registry); DIDs use its chain id, e.g. did:ethr:0x539:...")
    String ethrRpc;

    @Option(
        names = "--ethr-registry",
        paramLabel = "ADDRESS",
        description = "did:ethr: the ERC-1056 EthereumDIDRegistry contract address on that node")
    String ethrRegistry;

    /** The settings map passed to {@link DidResolvers#standard(Map)}. */
    Map<String, String> settings() {
      Map<String, String> s = new LinkedHashMap<>();
      String home = System.getenv("SOVEREIGN_HOME");
      Path dir =
          dataDir != null
              ? dataDir
              : Path.of(home == null || home.isBlank() ? "." : home).resolve(".sovereign");
      s.put("data.dir", dir.toAbsolutePath().normalize().toString());
      if (ethrRpc != null) {
        s.put("ethr.rpc", ethrRpc);
      }
      if (ethrRegistry != null) {
        s.put("ethr.registry", ethrRegistry);
      }
      s.putAll(extra);
      return s;
    }

    DidResolver resolver() {
      return DidResolvers.standard(settings());
    }
  }

  /** {@code sovereign did resolve DID [--version-id ID | --version-time ISO-8601] [--json]}. */
  @Command(
      name = "resolve",
      mixinStandardHelpOptions = true,
      description = {
        "Resolves a DID and prints the W3C DID Resolution result.",
        "did:key is built in; other methods resolve when their module is on the class path and configured.",
        "Exit codes: 0 resolved (also when deactivated), 1 rejected (invalidDid, notFound, ...; the code is printed),",
        "2 usage or environment error (e.g. internalError: a registry that cannot be reached)."
      })
  static final class Resolve implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DID", description = "the DID to resolve")
    String did;

    static final class Version {
      @Option(names = "--version-id", paramLabel = "ID", description = "resolve this version")
      String versionId;

      @Option(
          names = "--version-time",
          paramLabel = "ISO-8601",
          description = "resolve the version current at this instant, e.g. 2026-01-01T00:00:00Z")
      String versionTime;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Version version;

    @Option(
        names = "--accept",
        paramLabel = "MEDIA-TYPE",
        description = "representation: application/did+ld+json (default) or application/did+json")
    String accept;

    @Option(
        names = "--option",
        paramLabel = "NAME=VALUE",
        description =
            "a method-specific resolution option (repeatable), e.g. publicKeyFormat=JsonWebKey2020")
    Map<String, String> options = new LinkedHashMap<>();

    @Mixin ResolverSettings resolverSettings;

    @Mixin JsonOption json = new JsonOption();

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      PrintWriter out = spec.commandLine().getOut();
      ResolutionOptions opts;
      try {
        opts = options();
      } catch (IllegalArgumentException e) {
        err.println("sovereign did resolve: " + e.getMessage());
        err.flush();
        return SovereignCli.USAGE;
      }
      DidResolver resolver;
      try {
        resolver = resolverSettings.resolver();
      } catch (RuntimeException e) {
        err.println(
            "sovereign did resolve: cannot configure the method resolvers: " + e.getMessage());
        err.flush();
        return SovereignCli.USAGE;
      }
      DidResolutionResult result = resolver.resolve(did, opts);
      if (json.on()) {
        out.println(DidJson.writePretty(result));
        out.flush();
      }
      Optional<ResolutionError> error = result.error();
      if (error.isPresent()) {
        err.println(
            error.get().code()
                + ": "
                + result.didResolutionMetadata().errorMessage().orElse("resolution failed"));
        err.flush();
        return error.get() == ResolutionError.INTERNAL_ERROR
            ? SovereignCli.USAGE
            : SovereignCli.REJECTED;
      }
      if (!json.on()) {
        describe(result, err);
      }
      err.flush();
      return SovereignCli.OK;
    }

    private ResolutionOptions options() {
      Optional<String> versionId = Optional.empty();
      Optional<Instant> versionTime = Optional.empty();
      if (version != null && version.versionId != null) {
        versionId = Optional.of(version.versionId);
      }
      if (version != null && version.versionTime != null) {
        versionTime = Optional.of(parseInstant(version.versionTime));
      }
      return new ResolutionOptions(versionId, versionTime, Optional.ofNullable(accept), options);
    }

    private static Instant parseInstant(String s) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e) {
        try {
          return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e2) {
          throw new IllegalArgumentException("--version-time is not an ISO-8601 instant: " + s);
        }
      }
    }

    private static void describe(DidResolutionResult result, PrintWriter err) {
      var doc = result.didDocument().orElseThrow();
      var meta = result.didDocumentMetadata();
      err.println(doc.id() + (meta.deactivated() ? "  (DEACTIVATED)" : ""));
      meta.versionId().ifPresent(v -> err.println("  versionId   " + v));
      meta.updated().ifPresent(v -> err.println("  updated     " + v));
      for (VerificationMethod vm : doc.verificationMethods()) {
        List<String> rels = new ArrayList<>();
        for (Relationship r : Relationship.values()) {
          if (doc.isAuthorized(vm.id(), r)) {
            rels.add(r.property());
          }
        }
        err.println(
            "  "
                + vm.id()
                + "  "
                + vm.type()
                + vm.keyType().map(k -> " (" + k.jwkCrv() + ")").orElse("")
                + "  "
                + String.join(", ", rels));
      }
      err.println("(use --json for the full DID Resolution result)");
    }
  }
}
