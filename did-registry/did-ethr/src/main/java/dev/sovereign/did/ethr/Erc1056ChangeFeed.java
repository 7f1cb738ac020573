package dev.sovereign.did.ethr;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidChangeListener;
import java.math.BigInteger;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * Turns new ERC-1056 registry events into cache invalidations: each {@link #poll()} reads the
 * registry's logs from the block after the last one seen up to the chain head and tells the
 * listener (e.g. did-core's {@code CachingDidResolver}) which DIDs changed, with the block number
 * as the new {@code versionId}.
 *
 * <p>A DID is a string, and one identity has several spellings; the feed notifies the address
 * spellings (EIP-55 and lower case, under each id of the network, and without a network part on
 * mainnet). A public-key DID ({@code did:ethr:0x02...}) cannot be derived from the address in the
 * event, so its cached answers age out by the cache's TTL only. Expiry of a delegate or attribute
 * changes a document without any event, which again only the TTL bounds. When the block the feed
 * last read is no longer on the chain (a reorganisation), {@code onReorg} runs (drop everything).
 */
public final class Erc1056ChangeFeed {
  private static final long MAX_RANGE = 10_000;
  private final Web3j web3j;
  private final EthrNetwork network;
  private final DidChangeListener listener;
  private final Runnable onReorg;
  private long lastBlock;
  private String lastHash;

  private Erc1056ChangeFeed(
      Web3j web3j, EthrNetwork network, DidChangeListener listener, Runnable onReorg) {
    this.web3j = web3j;
    this.network = network;
    this.listener = listener;
    this.onReorg = onReorg;
  }

  /** A feed that reports changes made after the current chain head. */
  public static Erc1056ChangeFeed startingAtHead(
      EthrNetwork network, DidChangeListener listener, Runnable onReorg) {
    Erc1056ChangeFeed feed =
        new Erc1056ChangeFeed(
            Web3j.build(new HttpService(network.rpcUrl())), network, listener, onReorg);
    feed.lastBlock =
        Erc1056Reader.send(feed.web3j.ethBlockNumber()).getBlockNumber().longValueExact();
    feed.lastHash = feed.hashOf(feed.lastBlock);
    return feed;
  }

  /** Reads new registry events and notifies the listener; returns the number of events seen. */
  public synchronized int poll() {
    if (!lastHash.equals(hashOf(lastBlock))) {
      onReorg.run();
    }
    long head = Erc1056Reader.send(web3j.ethBlockNumber()).getBlockNumber().longValueExact();
    int seen = 0;
    while (lastBlock < head) {
      long from = lastBlock + 1;
      long to = Math.min(head, lastBlock + MAX_RANGE);
      EthFilter filter =
          new EthFilter(
              DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
              DefaultBlockParameter.valueOf(BigInteger.valueOf(to)),
              network.registry());
      filter.addOptionalTopics(
          Erc1056Abi.OWNER_CHANGED_TOPIC,
          Erc1056Abi.DELEGATE_CHANGED_TOPIC,
          Erc1056Abi.ATTRIBUTE_CHANGED_TOPIC);
      @SuppressWarnings("rawtypes")
      List<EthLog.LogResult> logs = Erc1056Reader.send(web3j.ethGetLogs(filter)).getLogs();
      for (@SuppressWarnings("rawtypes") EthLog.LogResult r : logs) {
        Log log = (Log) r.get();
        if (log.getTopics().size() < 2) {
          continue;
        }
        String identity =
            Keys.toChecksumAddress(
                Numeric.toHexStringWithPrefixZeroPadded(
                    Numeric.toBigInt(log.getTopics().get(1)), 40));
        Optional<String> version = Optional.of(log.getBlockNumber().toString());
        for (String did : spellings(identity)) {
          listener.didChanged(Did.parse(did), version);
        }
        seen++;
      }
      lastBlock = to;
    }
    lastHash = hashOf(lastBlock);
    return seen;
  }

  /** The DID strings an identity address is written as on this network. */
  Set<String> spellings(String checksummed) {
    Set<String> out = new LinkedHashSet<>();
    String lower = checksummed.toLowerCase(Locale.ROOT);
    for (String id : network.ids()) {
      out.add("did:ethr:" + id + ":" + checksummed);
      out.add("did:ethr:" + id + ":" + lower);
    }
    if (network.ids().contains("mainnet")) {
      out.add("did:ethr:" + checksummed);
      out.add("did:ethr:" + lower);
    }
    return out;
  }

  private String hashOf(long block) {
    EthBlock.Block b =
        Erc1056Reader.send(
                web3j.ethGetBlockByNumber(
                    DefaultBlockParameter.valueOf(BigInteger.valueOf(block)), false))
            .getBlock();
    return b == null ? "" : b.getHash();
  }
}
