package dev.sovereign.bench;

import dev.sovereign.did.fabric.FabricDidResolver;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.gateway.FabricGatewayConnection;
import dev.sovereign.fabric.localnet.FabricNetworkDescription;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * did:fabric through a real Fabric network's Gateway (a network started by {@code
 * scripts/fabric-network.sh}, read from its {@code network.properties}): creates per second (each
 * endorsed, ordered and committed before it returns) and verified resolutions per second (the log
 * and an endorsed read of both organisations, verified against both pinned CAs), with 1 and {@code
 * clients} concurrent clients through Org1's peer, wall clock. Ceilings: for writes, what the
 * orderer's batch settings allow ({@code min(clients, MaxMessageCount)} transactions per {@code
 * BatchTimeout}: a lone write waits for the batch timer); for resolutions, plain single-peer
 * evaluations ({@code read}) per second with the same threads (a resolution makes two round trips
 * and one of them endorsed by both organisations).
 */
public final class FabricBench {
  private final FabricNetworkDescription network;
  private final int clients;
  private final int writesPerClient;
  private final PrintStream log;

  public FabricBench(Path networkProperties, int clients, int writesPerClient, PrintStream log)
      throws IOException {
    this.network = FabricNetworkDescription.read(networkProperties);
    this.clients = clients;
    this.writesPerClient = writesPerClient;
    this.log = log;
  }

  private String get(String key) {
    return network.get(key);
  }

  public List<BenchFigure> run() throws Exception {
    double batchSeconds = seconds(get("batchTimeout"));
    int batchSize = Integer.parseInt(get("batchSize"));
    String batch = "BatchTimeout " + get("batchTimeout") + ", MaxMessageCount " + batchSize;
    List<BenchFigure> out = new ArrayList<>();
    try (FabricGatewayConnection c =
        FabricGatewayConnection.connect(network.settingsEndorsedByAll())) {
      FabricDidResolver resolver =
          new FabricDidResolver(c.ledger(), c.verifier(), Clock.systemUTC());
      List<String> dids = Collections.synchronizedList(new ArrayList<>());
      for (int n : List.of(1, clients)) {
        int count = n * writesPerClient;
        List<Operation> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          ops.add(
              FabricDocuments.create(
                  get("channel"), SoftwareControllerKey.generate(Multikey.Type.ED25519)));
        }
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        run(
            n,
            () -> {
              for (int i; (i = next.getAndIncrement()) < count; ) {
                dids.add(c.ledger().submit(ops.get(i)).did());
              }
              return null;
            });
        double rate = count / ((System.nanoTime() - t0) / 1e9);
        double ceiling = Math.min(n, batchSize) / batchSeconds;
        log.printf("bench: fabric %d client(s): %.1f creates/s (%s)%n", n, rate, batch);
        out.add(
            BenchFigure.rate(
                "did.fabric.network.write." + n + (n == 1 ? "-client" : "-clients"),
                rate,
                "writes/s",
                ceiling,
                "ceiling: computed from the orderer's batch settings ("
                    + batch
                    + "): min(clients, MaxMessageCount) per BatchTimeout"));
      }
      for (int n : List.of(1, clients)) {
        int count = Math.min(dids.size(), Math.max(20, n * 5));
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        run(
            n,
            () -> {
              for (int i; (i = next.getAndIncrement()) < count; ) {
                if (resolver
                    .resolve(
                        dev.sovereign.did.Did.parse(dids.get(i)),
                        dev.sovereign.did.ResolutionOptions.latest())
                    .error()
                    .isPresent()) {
                  throw new IllegalStateException("resolution failed: " + dids.get(i));
                }
              }
              return null;
            });
        double rate = count / ((System.nanoTime() - t0) / 1e9);
        AtomicInteger reads = new AtomicInteger();
        long r0 = System.nanoTime();
        run(
            n,
            () -> {
              for (int i; (i = reads.getAndIncrement()) < count; ) {
                c.ledger().read(dids.get(i));
              }
              return null;
            });
        double ceiling = count / ((System.nanoTime() - r0) / 1e9);
        log.printf(
            "bench: fabric %d client(s): %.1f verified resolves/s, single-peer reads %.1f/s%n",
            n, rate, ceiling);
        out.add(
            BenchFigure.rate(
                "did.fabric.network.resolve." + n + (n == 1 ? "-client" : "-clients"),
                rate,
                "resolves/s",
                ceiling,
                "ceiling: single-peer evaluate(read) calls/s with the same threads, same run"));
      }
    }
    return out;
  }

  /** A Go duration of the orderer configuration ({@code 100ms}, {@code 2s}) in seconds. */
  static double seconds(String goDuration) {
    if (goDuration.endsWith("ms")) {
      return Double.parseDouble(goDuration.substring(0, goDuration.length() - 2)) / 1000;
    }
    if (goDuration.endsWith("s")) {
      return Double.parseDouble(goDuration.substring(0, goDuration.length() - 1));
    }
    throw new IllegalArgumentException("BatchTimeout " + goDuration + ": expected ms or s");
  }

  private static void run(int n, Callable<Void> body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Void>> fs = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        fs.add(pool.submit(body));
      }
      for (Future<Void> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
