package dev.sovereign.did.ethr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;

/**
 * Reads an ERC-1056 registry over JSON-RPC: {@code changed}, {@code nonce}, {@code identityOwner}
 * and the change history, walked backwards through the {@code previousChange} links exactly as
 * ethr-did-resolver's {@code changeLog} does (one {@code eth_getLogs} per block that changed the
 * identity).
 */
final class Erc1056Reader {
  private final Web3j web3j;
  private final String registry;

  Erc1056Reader(Web3j web3j, String registry) {
    this.web3j = web3j;
    this.registry = registry;
  }

  String registry() {
    return registry;
  }

  long chainId() {
    return send(web3j.ethChainId()).getChainId().longValueExact();
  }

  long latestBlock() {
    return send(web3j.ethBlockNumber()).getBlockNumber().longValueExact();
  }

  BigInteger changed(String identity) {
    return Erc1056Abi.decodeUint(ethCall(Erc1056Abi.call("changed", identity)));
  }

  BigInteger nonce(String address) {
    return Erc1056Abi.decodeUint(ethCall(Erc1056Abi.call("nonce", address)));
  }

  String identityOwner(String identity) {
    return Erc1056Abi.decodeAddress(ethCall(Erc1056Abi.call("identityOwner", identity)));
  }

  /** The block's timestamp in seconds, or empty when the node has no such block. */
  Optional<Long> blockTimestamp(long blockNumber) {
    EthBlock.Block block =
        send(web3j.ethGetBlockByNumber(
                DefaultBlockParameter.valueOf(BigInteger.valueOf(blockNumber)), false))
            .getBlock();
    return block == null ? Optional.empty() : Optional.of(block.getTimestamp().longValueExact());
  }

  /** Every DID event of {@code identity}, oldest first (within a block, in log order). */
  List<Erc1056Event> history(String identity) {
    List<Erc1056Event> history = new ArrayList<>();
    BigInteger previousChange = changed(identity);
    while (previousChange.signum() > 0) {
      BigInteger blockNumber = previousChange;
      EthFilter filter =
          new EthFilter(
              DefaultBlockParameter.valueOf(blockNumber),
              DefaultBlockParameter.valueOf(blockNumber),
              registry);
      filter.addNullTopic();
      filter.addSingleTopic(Erc1056Abi.identityTopic(identity));
      @SuppressWarnings("rawtypes")
      List<EthLog.LogResult> logs = send(web3j.ethGetLogs(filter)).getLogs();
      if (logs.isEmpty()) {
        throw new IllegalStateException(
            "No logs found for block "
                + blockNumber
                + " but previousChange points here. The RPC node may not have historical log data."
                + " Use an archive node for complete DID resolution.");
      }
      BigInteger next = BigInteger.ZERO;
      List<Erc1056Event> events = new ArrayList<>();
      for (@SuppressWarnings("rawtypes") EthLog.LogResult r : logs) {
        Log log = (Log) r.get();
        Optional<BigInteger> pc = Erc1056Abi.previousChange(log);
        if (pc.isEmpty()) {
          continue;
        }
        BigInteger p = pc.get();
        // The earliest link below this block, over all logs (also those not decoded as DID events).
        if (p.signum() > 0
            && p.compareTo(blockNumber) < 0
            && (next.signum() == 0 || p.compareTo(next) < 0)) {
          next = p;
        }
        Erc1056Abi.decode(log).ifPresent(events::add);
      }
      history.addAll(0, events);
      previousChange = next;
    }
    return history;
  }

  private String ethCall(String data) {
    return send(web3j.ethCall(
            Transaction.createEthCallTransaction(null, registry, data),
            DefaultBlockParameterName.LATEST))
        .getValue();
  }

  static <T extends Response<?>> T send(org.web3j.protocol.core.Request<?, T> request) {
    T response;
    try {
      response = request.send();
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    if (response.hasError()) {
      throw new IllegalStateException(response.getError().getMessage());
    }
    return response;
  }
}
