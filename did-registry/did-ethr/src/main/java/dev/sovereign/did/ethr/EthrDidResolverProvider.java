package dev.sovereign.did.ethr;

import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidMethodResolverProvider;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Plugs {@link EthrDidResolver} into did-core's resolver through {@link java.util.ServiceLoader}.
 *
 * <p>Settings: {@value #RPC} (JSON-RPC URL) and {@value #REGISTRY} (the EthereumDIDRegistry
 * address), both or neither; optional {@value #CHAIN_ID} (decimal) skips asking the node for its
 * chain id, and {@value #NETWORK} adds a name DIDs may use besides the hex chain id.
 */
public final class EthrDidResolverProvider implements DidMethodResolverProvider {
  /** Setting: the JSON-RPC URL. */
  public static final String RPC = "ethr.rpc";

  /** Setting: the registry contract address. */
  public static final String REGISTRY = "ethr.registry";

  /** Setting: the chain id (decimal); asked from the node when absent. */
  public static final String CHAIN_ID = "ethr.chainId";

  /** Setting: a network name (e.g. {@code mainnet}); the known name of the chain id when absent. */
  public static final String NETWORK = "ethr.network";

  @Override
  public String method() {
    return EthrDid.METHOD;
  }

  @Override
  public Optional<DidMethodResolver> create(Map<String, String> settings) {
    String rpc = settings.get(RPC);
    String registry = settings.get(REGISTRY);
    if (rpc == null && registry == null) {
      return Optional.empty();
    }
    if (rpc == null || registry == null) {
      throw new IllegalArgumentException("did:ethr needs both " + RPC + " and " + REGISTRY);
    }
    if (!registry.matches("0x[0-9a-fA-F]{40}")) {
      throw new IllegalArgumentException(REGISTRY + " is not an address: " + registry);
    }
    try {
      java.net.URI uri = java.net.URI.create(rpc);
      if (uri.getScheme() == null || !uri.getScheme().matches("https?")) {
        throw new IllegalArgumentException(RPC + " must be an http(s) URL: " + rpc);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(RPC + " must be an http(s) URL: " + rpc, e);
    }
    EthrNetwork network;
    String chainId = settings.get(CHAIN_ID);
    if (chainId != null) {
      long id;
      try {
        id = Long.parseLong(chainId);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(CHAIN_ID + " is not a number: " + chainId, e);
      }
      network = new EthrNetwork(id, EthrNetwork.knownName(id), rpc, registry);
    } else {
      network = EthrDidResolver.discover(rpc, registry);
    }
    String name = settings.get(NETWORK);
    if (name != null) {
      network = new EthrNetwork(network.chainId(), name, rpc, registry);
    }
    return Optional.of(EthrDidResolver.create(List.of(network)));
  }
}
