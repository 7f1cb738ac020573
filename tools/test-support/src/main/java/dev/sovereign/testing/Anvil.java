package dev.sovereign.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Foundry's anvil (npm {@code @foundry-rs/anvil}, its native binary) as the Ethereum node on
 * 127.0.0.1 for tests, one per JVM. (ganache, used before, is archived by its maintainers.)
 *
 * <p>{@link #shared()} reuses a node already answering {@code eth_chainId} at {@code
 * -Dsovereign.anvil.url} or, failing that, at {@code http://127.0.0.1:8545} (where {@code .ci/run}
 * or a developer may have started one). Otherwise it starts anvil from {@code
 * tools/js/node_modules} on a free port with its deterministic development accounts (unlocked),
 * chain id 1337 and a genesis block at {@link #CHAIN_START} (later blocks follow the wall clock
 * from there), and stops it when the JVM exits. A node we did not start is never stopped.
 *
 * <p>{@link #registry()} deploys the ERC-1056 {@code EthereumDIDRegistry} once per JVM from the
 * compiled artifact of the {@code ethr-did-registry} npm package (the bytecode is read at test time
 * and never committed), sent from the node's first unlocked account.
 */
public final class Anvil {
  /**
   * Where the chain clock of an anvil started here begins: far behind the wall clock, so expiry is
   * deterministic.
   */
  public static final String CHAIN_START = "2021-01-01T00:00:00Z";

  /** Anvil's native binary inside the npm package for this platform. */
  private static final String BINARY = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";

  /** The port a shared node is looked for on. */
  public static final int WELL_KNOWN_PORT = 8545;

  private static final String ARTIFACT =
      "node_modules/ethr-did-registry/artifacts/contracts/EthereumDIDRegistry.sol/EthereumDIDRegistry.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Anvil shared;

  private final String url;
  private final boolean startedHere;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final AtomicLong ids = new AtomicLong();
  private String registry;

  private Anvil(String url, boolean startedHere) {
    this.url = url;
    this.startedHere = startedHere;
  }

  /**
   * The node for this JVM: reused when one is listening, else started (once) and stopped at exit.
   */
  public static synchronized Anvil shared() {
    if (shared == null) {
      shared = locateOrStart();
    }
    return shared;
  }

  /** The JSON-RPC URL. */
  public String url() {
    return url;
  }

  /** Whether this JVM started the node (and will stop it at exit). */
  public boolean startedHere() {
    return startedHere;
  }

  /** The chain id the node reports. */
  public long chainId() {
    return new BigInteger(call("eth_chainId").asText().substring(2), 16).longValueExact();
  }

  /** The address of the EthereumDIDRegistry this JVM deployed (deployed on first call). */
  public synchronized String registry() {
    if (registry == null) {
      registry = deployRegistry();
    }
    return registry;
  }

  /** The node's unlocked accounts. */
  public List<String> accounts() {
    List<String> out = new ArrayList<>();
    call("eth_accounts").forEach(n -> out.add(n.asText()));
    return out;
  }

  /**
   * Sends {@code wei} from the first unlocked account to {@code address} and waits for the receipt.
   */
  public JsonNode fund(String address, BigInteger wei) {
    ObjectNode tx =
        JSON.createObjectNode()
            .put("from", accounts().get(0))
            .put("to", address)
            .put("value", "0x" + wei.toString(16));
    return receipt(call("eth_sendTransaction", tx).asText());
  }

  /** The receipt of a transaction, waiting briefly for it to be mined. */
  public JsonNode receipt(String txHash) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode r = call("eth_getTransactionReceipt", txHash);
      if (r != null && !r.isNull()) {
        if (!"0x1".equals(r.path("status").asText())) {
          throw new IllegalStateException("transaction " + txHash + " failed: " + r);
        }
        return r;
      }
      sleep(20);
    }
    throw new IllegalStateException("no receipt for " + txHash);
  }

  /** The timestamp (seconds) of the latest block. */
  public long latestBlockTimestamp() {
    JsonNode block = call("eth_getBlockByNumber", "latest", false);
    return new BigInteger(block.get("timestamp").asText().substring(2), 16).longValueExact();
  }

  /** Calls a JSON-RPC method; returns {@code result} or throws with the node's error. */
  public JsonNode call(String method, Object... params) {
    ObjectNode req =
        JSON.createObjectNode()
            .put("jsonrpc", "2.0")
            .put("id", ids.incrementAndGet())
            .put("method", method);
    ArrayNode arr = req.putArray("params");
    for (Object p : params) {
      arr.add(JSON.valueToTree(p));
    }
    try {
      HttpResponse<String> resp =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .timeout(Duration.ofSeconds(30))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body = JSON.readTree(resp.body());
      if (body.has("error")) {
        throw new IllegalStateException(method + " failed: " + body.get("error"));
      }
      return body.get("result");
    } catch (IOException e) {
      throw new UncheckedIOException(method + " at " + url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String deployRegistry() {
    Path artifact = NodeTools.ensureInstalled().resolve(ARTIFACT);
    String bytecode;
    try {
      bytecode = JSON.readTree(Files.readString(artifact)).get("bytecode").asText();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + artifact, e);
    }
    ObjectNode tx =
        JSON.createObjectNode()
            .put("from", accounts().get(0))
            .put("data", bytecode)
            .put("gas", "0x" + Long.toHexString(3_000_000));
    JsonNode receipt = receipt(call("eth_sendTransaction", tx).asText());
    return receipt.get("contractAddress").asText();
  }

  private static Anvil locateOrStart() {
    String configured = System.getProperty("sovereign.anvil.url");
    if (configured != null && !configured.isBlank()) {
      Anvil g = new Anvil(configured, false);
      if (!g.answers()) {
        throw new IllegalStateException(
            "no Ethereum node answers at -Dsovereign.anvil.url=" + configured);
      }
      return g;
    }
    Anvil wellKnown = new Anvil("http://127.0.0.1:" + WELL_KNOWN_PORT, false);
    if (wellKnown.answers()) {
      return wellKnown;
    }
    return start();
  }

  private static Anvil start() {
    Path js = NodeTools.ensureInstalled();
    int port = freePort();
    String binary = Files.isExecutable(js.resolve(BINARY)) ? BINARY : "node_modules/.bin/anvil";
    List<String> cmd =
        List.of(
            js.resolve(binary).toString(),
            "--chain-id",
            "1337",
            "--timestamp",
            Long.toString(java.time.Instant.parse(CHAIN_START).getEpochSecond()),
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--silent");
    Process process;
    Path log;
    try {
      log = Files.createTempFile("sovereign-anvil", ".log");
      process =
          new ProcessBuilder(cmd)
              .directory(js.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start anvil in " + js, e);
    }
    Process started = process;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  started.descendants().forEach(ProcessHandle::destroy);
                  started.destroy();
                  try {
                    if (!started.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                      started.destroyForcibly();
                    }
                  } catch (InterruptedException e) {
                    started.destroyForcibly();
                  }
                },
                "anvil-stop"));
    Anvil g = new Anvil("http://127.0.0.1:" + port, true);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "anvil exited " + process.exitValue() + ": " + readQuietly(log));
      }
      if (g.answers()) {
        return g;
      }
      sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "anvil did not answer eth_chainId within 60 s: " + readQuietly(log));
  }

  /**
   * Stops mining ({@code false}: transactions wait in the pool) or resumes it with every pending
   * transaction mined into one block ({@code true}).
   */
  public void automine(boolean on) {
    if (on) {
      call("evm_mine");
    }
    call("evm_setAutomine", on);
  }

  private boolean answers() {
    try {
      return call("eth_chainId").asText().startsWith("0x");
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
