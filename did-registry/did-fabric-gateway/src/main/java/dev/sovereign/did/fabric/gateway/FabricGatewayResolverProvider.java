package dev.sovereign.did.fabric.gateway;

import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidMethodResolverProvider;
import dev.sovereign.did.fabric.FabricDidResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * did:fabric over a Fabric network for {@link dev.sovereign.did.DidResolvers#discover}: enabled by
 * {@value FabricGatewayConnection#GATEWAY}; the other settings are those of {@link
 * FabricGatewayConnection}. When enabled, the embedded ledger steps aside.
 */
public final class FabricGatewayResolverProvider implements DidMethodResolverProvider {
  /** Setting that selects the Fabric Gateway instead of the embedded ledger. */
  public static final String GATEWAY = FabricGatewayConnection.GATEWAY;

  @Override
  public String method() {
    return "fabric";
  }

  @Override
  public Optional<DidMethodResolver> create(Map<String, String> settings) {
    if (settings.get(GATEWAY) == null) {
      return Optional.empty();
    }
    try {
      FabricGatewayConnection connection = FabricGatewayConnection.connect(settings);
      return Optional.of(
          new FabricDidResolver(connection.ledger(), connection.verifier(), Clock.systemUTC()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
