package dev.sovereign.did.fabric.ledger;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidMethodResolverProvider;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.fabric.FabricDidResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * did:fabric on the embedded ledger for {@link dev.sovereign.did.DidResolvers#discover}: settings
 * {@code data.dir} (required; the ledger lives in {@code <data.dir>/did-fabric/<network>}) and
 * {@code fabric.network} (default {@value #DEFAULT_NETWORK}). Endorsed reads are checked against
 * the ledger's own organisation CA.
 */
public final class EmbeddedFabricResolverProvider implements DidMethodResolverProvider {
  /** Setting: the DID network the embedded ledger serves. */
  public static final String NETWORK = "fabric.network";

  /** The embedded ledger's network when none is configured. */
  public static final String DEFAULT_NETWORK = "local";

  @Override
  public String method() {
    return "fabric";
  }

  @Override
  public Optional<DidMethodResolver> create(Map<String, String> settings) {
    String dataDir = settings.get("data.dir");
    if (dataDir == null || settings.containsKey("fabric.gateway")) {
      // No state directory, or a Fabric network is configured instead (fabric-gateway module).
      return Optional.empty();
    }
    String network = settings.getOrDefault(NETWORK, DEFAULT_NETWORK);
    new dev.sovereign.did.fabric.core.DidFabricContract(network); // validates the name now
    return Optional.of(new Lazy(Path.of(dataDir), network));
  }

  /**
   * Opens the ledger on the first did:fabric resolution, and only if it exists (resolving never
   * creates one).
   */
  private static final class Lazy implements DidMethodResolver {
    private final Path dataDir;
    private final String network;
    private FabricDidResolver resolver;

    Lazy(Path dataDir, String network) {
      this.dataDir = dataDir;
      this.network = network;
    }

    @Override
    public String method() {
      return "fabric";
    }

    @Override
    public DidResolutionResult resolve(Did did, ResolutionOptions options) {
      FabricDidResolver r;
      synchronized (this) {
        if (resolver == null) {
          if (!Files.exists(
              dataDir.resolve("did-fabric").resolve(network).resolve("ledger.sqlite"))) {
            return DidResolutionResult.error(
                ResolutionError.NOT_FOUND,
                "no embedded did:fabric ledger for network " + network + " under " + dataDir);
          }
          EmbeddedLedger ledger = openLedger(dataDir, network);
          resolver = new FabricDidResolver(ledger, ledger.endorsementVerifier(), Clock.systemUTC());
        }
        r = resolver;
      }
      return r.resolve(did, options);
    }
  }

  /** The embedded ledger of {@code network} under {@code dataDir}. */
  public static EmbeddedLedger openLedger(Path dataDir, String network) {
    try {
      return EmbeddedLedger.open(dataDir.resolve("did-fabric").resolve(network), network);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NETWORK + ": " + e.getMessage(), e);
    }
  }
}
