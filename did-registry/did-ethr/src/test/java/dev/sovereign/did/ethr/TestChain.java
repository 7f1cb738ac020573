package dev.sovereign.did.ethr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.testing.Anvil;
import dev.sovereign.testing.NodeTools;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * The test chain: one anvil node and one freshly deployed registry per JVM, and funded test keys.
 */
final class TestChain {
  private static TestChain instance;
  private static final ObjectMapper JSON = new ObjectMapper();

  final Anvil node;
  final String registry;
  final long chainId;
  final Web3j web3j;
  private int nextKey;

  private TestChain() {
    node = Anvil.shared();
    registry = node.registry();
    chainId = node.chainId();
    web3j = Web3j.build(new HttpService(node.url()));
  }

  static synchronized TestChain get() {
    if (instance == null) {
      instance = new TestChain();
    }
    return instance;
  }

  /** The network name DIDs on this chain use: the hex chain id. */
  String network() {
    return "0x" + Long.toHexString(chainId);
  }

  /**
   * A fresh funded key, derived from a label and a per-JVM counter (so reruns against a reused
   * anvil get new identities) and from the registry address (unique per JVM).
   */
  synchronized Credentials newKey(String label) {
    byte[] seed =
        Hash.sha3((label + "/" + registry + "/" + (nextKey++)).getBytes(StandardCharsets.UTF_8));
    Credentials c = Credentials.create(ECKeyPair.create(new BigInteger(1, seed)));
    node.fund(c.getAddress(), BigInteger.TEN.pow(19));
    return c;
  }

  EthrDidController controller(Credentials sender) {
    return EthrDidController.create(web3j, registry, sender);
  }

  EthrNetwork networkConfig() {
    return new EthrNetwork(chainId, null, node.url(), registry);
  }

  /**
   * Waits until the wall clock is past {@code epochSecond} (expiry is judged against the wall
   * clock).
   */
  static void awaitWallClockPast(long epochSecond) throws InterruptedException {
    while (System.currentTimeMillis() / 1000 <= epochSecond) {
      Thread.sleep(100);
    }
  }

  /**
   * A validity that lasts {@code d} past the wall clock: the chain clock of an anvil started here
   * runs years behind it, and the resolver judges expiry of the latest version by the wall clock.
   */
  Duration validFor(Duration d) {
    long behind = System.currentTimeMillis() / 1000 - node.latestBlockTimestamp();
    return d.plusSeconds(Math.max(0, behind));
  }

  /**
   * Sends registry calls (ABI-encoded {@code data}) from {@code sender} in one block: mining is
   * paused while they are submitted, then one block is mined. Returns that block's number.
   */
  long sendInOneBlock(Credentials sender, List<String> data) throws Exception {
    BigInteger nonce =
        web3j
            .ethGetTransactionCount(
                sender.getAddress(), org.web3j.protocol.core.DefaultBlockParameterName.LATEST)
            .send()
            .getTransactionCount();
    BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice();
    List<String> hashes = new ArrayList<>();
    node.automine(false);
    try {
      for (String d : data) {
        org.web3j.crypto.RawTransaction tx =
            org.web3j.crypto.RawTransaction.createTransaction(
                nonce, gasPrice, BigInteger.valueOf(300_000), registry, BigInteger.ZERO, d);
        nonce = nonce.add(BigInteger.ONE);
        String signed =
            org.web3j.utils.Numeric.toHexString(
                org.web3j.crypto.TransactionEncoder.signMessage(tx, chainId, sender));
        hashes.add(node.call("eth_sendRawTransaction", signed).asText());
      }
    } finally {
      node.automine(true);
    }
    long block = -1;
    for (String h : hashes) {
      long b = Long.decode(node.receipt(h).get("blockNumber").asText());
      if (block >= 0 && b != block) {
        throw new IllegalStateException("transactions landed in blocks " + block + " and " + b);
      }
      block = b;
    }
    return block;
  }

  /** The timestamp (seconds) of a block. */
  long blockTimestamp(long block) {
    JsonNode b = node.call("eth_getBlockByNumber", "0x" + Long.toHexString(block), false);
    return Long.decode(b.get("timestamp").asText());
  }

  /** ethr-did-resolver's answers for the DID URLs, keyed by DID URL. */
  JsonNode oracle(List<String> didUrls) throws Exception {
    return JSON.readTree(oracleRun(didUrls).stdout());
  }

  /**
   * Runs tools/js/ethr-resolve.mjs; stderr holds one {@code timing <ms> <url>} line per resolution.
   */
  NodeTools.Result oracleRun(List<String> didUrls) {
    List<String> args = new ArrayList<>(List.of(node.url(), registry, Long.toString(chainId)));
    args.addAll(didUrls);
    return NodeTools.node("ethr-resolve.mjs", args, null, Duration.ofMinutes(2)).requireSuccess();
  }
}
