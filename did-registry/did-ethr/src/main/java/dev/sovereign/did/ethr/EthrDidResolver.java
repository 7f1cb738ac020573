package dev.sovereign.did.ethr;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidDocument;
import dev.sovereign.did.DidDocumentMetadata;
import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidResolutionMetadata;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.InvalidDidDocumentException;
import dev.sovereign.did.InvalidDidException;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * Resolves {@code did:ethr} from the ERC-1056 event log, producing what ethr-did-resolver 11.1.3
 * produces (document, {@code versionId} = block number, {@code updated}, {@code nextVersionId},
 * {@code nextUpdate}, {@code deactivated}).
 *
 * <p>Options: {@code versionId} is a block number, and the document is the state after that block
 * with expiry judged at that block's timestamp, as ethr-did-resolver does. {@code versionTime} is a
 * Sovereign extension (ethr-did-resolver has none): the state after the last change whose block
 * timestamp is at or before that time, with expiry judged at that time. {@code accept} {@code
 * application/did+json} drops {@code @context}.
 *
 * <p>Where we differ from ethr-did-resolver on purpose (errors only, see docs/did-ethr.md): a
 * malformed versionId is {@code invalidOptions} (ethr-did-resolver silently answers "latest"), an
 * unconfigured network is {@code methodNotSupported} ({@code unknownNetwork} there), a public-key
 * DID that is not a secp256k1 point is {@code invalidDid}, an unreachable node is {@code
 * internalError} (never cached), and key material that does not decode as the key type the
 * attribute names makes the answer {@code invalidDidDocument}.
 */
public final class EthrDidResolver implements DidMethodResolver {
  /** The JSON-LD contexts ethr-did-resolver puts on a {@code application/did+ld+json} document. */
  public static final List<String> CONTEXT =
      List.of(
          "https://www.w3.org/ns/did/v1",
          "https://w3id.org/security/suites/secp256k1recovery-2020/v2",
          "https://w3id.org/security/v3-unstable");

  private static final Pattern BLOCK_NUMBER = Pattern.compile("0|[1-9][0-9]{0,18}");

  private final Map<String, Connected> networks;
  private final Clock clock;

  private record Connected(EthrNetwork network, Erc1056Reader reader) {}

  private EthrDidResolver(Map<String, Connected> networks, Clock clock) {
    this.networks = networks;
    this.clock = clock;
  }

  /** A resolver over these networks (each reached through its own web3j HTTP client). */
  public static EthrDidResolver create(List<EthrNetwork> networks) {
    return create(networks, Clock.systemUTC());
  }

  /** As {@link #create(List)}, judging expiry of the latest version against {@code clock}. */
  public static EthrDidResolver create(List<EthrNetwork> networks, Clock clock) {
    if (networks.isEmpty()) {
      throw new IllegalArgumentException("at least one network is needed");
    }
    Map<String, Connected> byId = new LinkedHashMap<>();
    for (EthrNetwork n : networks) {
      Connected c =
          new Connected(
              n, new Erc1056Reader(Web3j.build(new HttpService(n.rpcUrl())), n.registry()));
      for (String id : n.ids()) {
        byId.put(id, c);
      }
    }
    return new EthrDidResolver(Map.copyOf(byId), clock);
  }

  /**
   * The network a node serves: asks it for its chain id ({@code eth_chainId}) and names it as
   * ethr-did-resolver's deployments do ({@code mainnet} for 1, ...).
   */
  public static EthrNetwork discover(String rpcUrl, String registry) {
    Web3j web3j = Web3j.build(new HttpService(rpcUrl));
    try {
      long chainId = new Erc1056Reader(web3j, registry).chainId();
      return new EthrNetwork(chainId, EthrNetwork.knownName(chainId), rpcUrl, registry);
    } finally {
      web3j.shutdown();
    }
  }

  @Override
  public String method() {
    return EthrDid.METHOD;
  }

  @Override
  public DidResolutionResult resolve(Did did, ResolutionOptions options) {
    boolean ld;
    String accept = options.accept().orElse(DidResolutionMetadata.DID_LD_JSON);
    if (accept.equals(DidResolutionMetadata.DID_JSON)) {
      ld = false;
    } else if (accept.equals(DidResolutionMetadata.DID_LD_JSON)) {
      ld = true;
    } else {
      return DidResolutionResult.error(
          ResolutionError.REPRESENTATION_NOT_SUPPORTED,
          "The DID resolver does not support the requested 'accept' format: " + accept);
    }
    EthrDid ethr;
    try {
      ethr = EthrDid.parse(did.toString());
    } catch (InvalidDidException e) {
      return DidResolutionResult.error(ResolutionError.INVALID_DID, e.getMessage());
    }
    OptionalLong versionBlock = OptionalLong.empty();
    if (options.versionId().isPresent()) {
      String v = options.versionId().get();
      if (!BLOCK_NUMBER.matcher(v).matches()) {
        return DidResolutionResult.error(
            ResolutionError.INVALID_OPTIONS,
            "did:ethr versionId is a block number, got '" + v + "'");
      }
      versionBlock = OptionalLong.of(Long.parseLong(v));
    }
    Connected net = networks.get(ethr.network());
    if (net == null) {
      return DidResolutionResult.error(
          ResolutionError.METHOD_NOT_SUPPORTED,
          "unknownNetwork: The DID resolver does not have a configuration for network: "
              + ethr.network());
    }
    try {
      return resolve(ethr, net, versionBlock, options.versionTime(), ld);
    } catch (VersionNotFound e) {
      return DidResolutionResult.error(ResolutionError.NOT_FOUND, e.getMessage());
    } catch (InvalidDidDocumentException e) {
      return DidResolutionResult.error(ResolutionError.INVALID_DID_DOCUMENT, e.getMessage());
    } catch (RuntimeException e) {
      return DidResolutionResult.error(
          ResolutionError.INTERNAL_ERROR,
          "Ethereum node " + net.network().rpcUrl() + ": " + e.getMessage());
    }
  }

  private DidResolutionResult resolve(
      EthrDid ethr,
      Connected net,
      OptionalLong versionBlock,
      Optional<Instant> versionTime,
      boolean ld) {
    Erc1056Reader reader = net.reader();
    BigInteger now = BigInteger.valueOf(clock.instant().getEpochSecond());
    OptionalLong height = versionBlock;
    if (versionBlock.isPresent()) {
      long block = versionBlock.getAsLong();
      now =
          BigInteger.valueOf(
              reader
                  .blockTimestamp(block)
                  .orElseThrow(
                      () -> new VersionNotFound("Block at height " + block + " not found")));
    }
    List<Erc1056Event> history = reader.history(ethr.address());
    if (versionTime.isPresent()) {
      long t = versionTime.get().getEpochSecond();
      now = BigInteger.valueOf(t);
      long last = 0;
      Map<Long, Long> timestamps = new LinkedHashMap<>();
      for (Erc1056Event e : history) {
        long ts =
            timestamps.computeIfAbsent(
                e.blockNumber(),
                b ->
                    reader
                        .blockTimestamp(b)
                        .orElseThrow(() -> new IllegalStateException("block " + b + " vanished")));
        if (ts <= t) {
          last = Math.max(last, e.blockNumber());
        }
      }
      height = OptionalLong.of(last);
    }
    EthrDocumentAssembler.Version v =
        EthrDocumentAssembler.assemble(ethr, history, net.network().chainId(), height, now);

    DidDocumentMetadata.Builder meta = DidDocumentMetadata.builder();
    if (v.deactivated()) {
      meta.deactivated(true);
    }
    if (v.versionId() != 0) {
      meta.versionId(Long.toString(v.versionId()));
      meta.updated(Instant.ofEpochSecond(timestamp(reader, v.versionId())));
    }
    if (v.nextVersionId().isPresent()) {
      meta.nextVersionId(Long.toString(v.nextVersionId().getAsLong()));
      meta.nextUpdate(Instant.ofEpochSecond(timestamp(reader, v.nextVersionId().getAsLong())));
    }
    Map<String, Object> doc = v.document();
    if (ld) {
      doc.put("@context", new ArrayList<>(CONTEXT));
    }
    return DidResolutionResult.of(DidDocument.fromJson(doc), meta.build());
  }

  private static long timestamp(Erc1056Reader reader, long block) {
    return reader
        .blockTimestamp(block)
        .orElseThrow(() -> new IllegalStateException("Block at height " + block + " not found"));
  }

  /** The requested version does not exist (a block beyond the chain head). */
  private static final class VersionNotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    VersionNotFound(String message) {
      super(message);
    }
  }
}
