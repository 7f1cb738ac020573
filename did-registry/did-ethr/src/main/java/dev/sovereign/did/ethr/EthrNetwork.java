package dev.sovereign.did.ethr;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One Ethereum network a did:ethr resolver reads: a JSON-RPC node and the ERC-1056 registry on it.
 *
 * <p>As in ethr-did-resolver's {@code configureNetwork}, a network answers to its hex chain id
 * ({@code 0x539} for 1337) and, when given, to its name ({@code mainnet}, {@code sepolia}, ...); a
 * DID without a network part ({@code did:ethr:0x...}) is on {@code mainnet}.
 *
 * @param chainId the chain id
 * @param name an optional name the DIDs of this network may use, or null
 * @param rpcUrl the JSON-RPC endpoint
 * @param registry the EthereumDIDRegistry contract address
 */
public record EthrNetwork(long chainId, String name, String rpcUrl, String registry) {
  /** Validates the fields. */
  public EthrNetwork {
    if (chainId <= 0) {
      throw new IllegalArgumentException("chain id must be positive");
    }
    Objects.requireNonNull(rpcUrl, "rpcUrl");
    Erc1056Abi.address20(Objects.requireNonNull(registry, "registry"));
    if (name != null && name.isEmpty()) {
      name = null;
    }
  }

  /** The known name of a public chain id, as ethr-did-resolver's deployments list names them. */
  public static String knownName(long chainId) {
    if (chainId == 1) {
      return "mainnet";
    }
    if (chainId == 11155111) {
      return "sepolia";
    }
    if (chainId == 100) {
      return "gno";
    }
    if (chainId == 17000) {
      return "holesky";
    }
    return null;
  }

  /** The network ids DIDs may use for this network: the hex chain id and the name. */
  public Set<String> ids() {
    Set<String> ids = new TreeSet<>();
    ids.add("0x" + Long.toHexString(chainId).toLowerCase(Locale.ROOT));
    if (name != null) {
      ids.add(name);
    }
    return ids;
  }
}
