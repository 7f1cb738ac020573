package dev.sovereign.bench;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.ethr.EthrDidController;
import dev.sovereign.did.ethr.EthrDidResolver;
import dev.sovereign.did.ethr.EthrNetwork;
import dev.sovereign.did.ethr.RegistryChange;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.http.HttpService;

/**
 * did:ethr resolution time for a DID with {@code changes} registry changes on a node the user names
 * (anvil: the first unlocked account funds a fresh key, which then writes the changes). Ceiling,
 * measured in the same run against the same node: the raw JSON-RPC round trips that such a
 * resolution cannot avoid (one {@code eth_call} of {@code changed}, one {@code eth_getLogs} per
 * changed block, one {@code eth_getBlockByNumber} for the {@code updated} time), without decoding
 * or document assembly. Times are wall-clock medians (the node is another process).
 */
public final class EthrBench {
  /**
   * Long enough that no change has expired against the wall clock, whatever the node's chain time.
   */
  private static final Duration VALIDITY = Duration.ofDays(365L * 100);

  private final String rpc;
  private final String registry;
  private final int changes;
  private final int runs;
  private final PrintStream log;

  public EthrBench(String rpc, String registry, int changes, int runs, PrintStream log) {
    this.rpc = rpc;
    this.registry = registry;
    this.changes = changes;
    this.runs = runs;
    this.log = log;
  }

  public List<BenchFigure> run() throws Exception {
    Web3j web3j = Web3j.build(new HttpService(rpc));
    try {
      Credentials owner = Credentials.create(Keys.createEcKeyPair());
      String id = owner.getAddress();
      fund(web3j, id);
      EthrDidController c = EthrDidController.create(web3j, registry, owner);
      log.printf("bench: writing %d did:ethr changes for %s%n", changes, id);
      TreeSet<Long> blocks = new TreeSet<>();
      for (int i = 0; i < changes; i++) {
        RegistryChange change =
            i % 2 == 0
                ? c.setAttribute(
                    id,
                    "did/svc/Bench",
                    ("https://bench.example/" + i).getBytes(StandardCharsets.UTF_8),
                    VALIDITY)
                : c.addDelegate(id, "veriKey", "0x" + String.format("%040x", i), VALIDITY);
        blocks.add(change.blockNumber());
      }
      EthrNetwork network = EthrDidResolver.discover(rpc, registry);
      EthrDidResolver resolver = EthrDidResolver.create(List.of(network));
      Did did = Did.parse("did:ethr:0x" + Long.toHexString(network.chainId()) + ":" + id);
      for (int i = 0; i < 3; i++) {
        resolve(resolver, did);
        rawRoundTrips(web3j, id, blocks);
      }
      long[] resolution = new long[runs];
      long[] raw = new long[runs];
      for (int i = 0; i < runs; i++) { // alternated, so load elsewhere hits both alike
        long t0 = System.nanoTime();
        resolve(resolver, did);
        resolution[i] = System.nanoTime() - t0;
        long t1 = System.nanoTime();
        rawRoundTrips(web3j, id, blocks);
        raw[i] = System.nanoTime() - t1;
      }
      double ms = median(resolution) / 1e6;
      double ceilingMs = median(raw) / 1e6;
      log.printf(
          "bench: did:ethr %d changes: %.2f ms per resolution (median of %d), raw round trips %.2f ms%n",
          changes, ms, runs, ceilingMs);
      return List.of(
          BenchFigure.time(
              "did.ethr.resolve." + changes + "-changes",
              ms,
              ceilingMs,
              "ceiling: 1 eth_call + "
                  + blocks.size()
                  + " eth_getLogs + 1 eth_getBlockByNumber, raw, wall-clock median of "
                  + runs));
    } finally {
      web3j.shutdown();
    }
  }

  private static void resolve(EthrDidResolver resolver, Did did) {
    DidResolutionResult r = resolver.resolve(did, ResolutionOptions.latest());
    if (r.error().isPresent()) {
      throw new IllegalStateException("did:ethr resolution failed: " + r.error().get());
    }
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private void rawRoundTrips(Web3j web3j, String id, TreeSet<Long> blocks) throws IOException {
    String padded = "000000000000000000000000" + id.substring(2).toLowerCase();
    String data = Hash.sha3String("changed(address)").substring(0, 10) + padded;
    web3j
        .ethCall(
            Transaction.createEthCallTransaction(null, registry, data),
            DefaultBlockParameterName.LATEST)
        .send();
    for (long b : blocks.descendingSet()) {
      EthFilter filter =
          new EthFilter(
              DefaultBlockParameter.valueOf(BigInteger.valueOf(b)),
              DefaultBlockParameter.valueOf(BigInteger.valueOf(b)),
              registry);
      filter.addNullTopic();
      filter.addSingleTopic("0x" + padded);
      if (web3j.ethGetLogs(filter).send().getLogs().isEmpty()) {
        throw new IllegalStateException("no registry logs in block " + b);
      }
    }
    web3j
        .ethGetBlockByNumber(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(blocks.last())), false)
        .send();
  }

  private static void fund(Web3j web3j, String address) throws Exception {
    List<String> accounts = new ArrayList<>(web3j.ethAccounts().send().getAccounts());
    if (accounts.isEmpty()) {
      throw new IllegalStateException(
          "the node has no unlocked account to fund the benchmark key (use anvil)");
    }
    EthSendTransaction tx =
        web3j
            .ethSendTransaction(
                Transaction.createEtherTransaction(
                    accounts.get(0),
                    null,
                    null,
                    BigInteger.valueOf(100_000),
                    address,
                    BigInteger.TEN.pow(19)))
            .send();
    if (tx.hasError()) {
      throw new IllegalStateException(
          "funding the benchmark key failed: " + tx.getError().getMessage());
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (web3j
        .ethGetTransactionReceipt(tx.getTransactionHash())
        .send()
        .getTransactionReceipt()
        .isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("funding transaction not mined");
      }
      Thread.sleep(20);
    }
  }
}
