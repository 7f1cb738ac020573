package dev.sovereign.did.fabric.ledger;

import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidMethodResolverProvider;
import dev.sovereign.did.fabric.FabricDidResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    if (dataDir == null) {
      return Optional.empty();
    }
    EmbeddedLedger ledger = openLedger(Path.of(dataDir), settings.getOrDefault(NETWORK, DEFAULT_NETWORK));
    return Optional.of(new FabricDidResolver(ledger, ledger.endorsementVerifier(), Clock.systemUTC()));
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
