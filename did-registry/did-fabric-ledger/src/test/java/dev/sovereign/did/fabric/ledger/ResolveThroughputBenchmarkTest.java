package dev.sovereign.did.fabric.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.CachingDidResolver;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.fabric.FabricDidResolver;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark (opt-in: {@code -Dsovereign.long=true}): 10,000 DIDs on the embedded ledger, then
 * resolves per second cold (every resolution verifies the log and a freshly signed endorsed read)
 * and cached ({@link CachingDidResolver}, invalidated by ledger events). Prints the numbers. {@code
 * -Dsovereign.bench.dids=N} changes the count.
 */
@EnabledIfSystemProperty(named = "sovereign.long", matches = "true")
class ResolveThroughputBenchmarkTest {
  @TempDir Path dir;

  @Test
  void resolvesPerSecondForTenThousandDidsColdAndCached() throws Exception {
    int n = Integer.getInteger("sovereign.bench.dids", 10_000);
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      List<String> dids = new ArrayList<>(n);
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        dids.add(
            ledger
                .submit(
                    FabricDocuments.create(
                        "local", SoftwareControllerKey.generate(Multikey.Type.ED25519)))
                .did());
      }
      double writeSeconds = (System.nanoTime() - t0) / 1e9;

      // Where a cold resolution spends its time (first 500 DIDs).
      long[] phase = new long[4];
      dev.sovereign.did.fabric.core.EndorsementVerifier verifier = ledger.endorsementVerifier();
      for (String did : dids.subList(0, Math.min(500, n))) {
        long a = System.nanoTime();
        byte[] log = ledger.exportLog(did);
        long b = System.nanoTime();
        byte[] head = ledger.endorsedHead(did, "bench");
        long c = System.nanoTime();
        dev.sovereign.did.fabric.core.OperationLogVerifier.verify(did, log);
        long d = System.nanoTime();
        verifier.verify(did, "bench", head, java.time.Instant.now());
        long e = System.nanoTime();
        phase[0] += b - a;
        phase[1] += c - b;
        phase[2] += d - c;
        phase[3] += e - d;
      }
      int sample = Math.min(500, n);
      System.out.printf(
          "per cold resolution (mean of %d): exportLog %.2f ms, endorsedHead %.2f ms, log verify %.2f ms,"
              + " endorsement verify %.2f ms%n",
          sample,
          phase[0] / 1e6 / sample,
          phase[1] / 1e6 / sample,
          phase[2] / 1e6 / sample,
          phase[3] / 1e6 / sample);

      DidResolver cold =
          DidResolvers.builder()
              .method(
                  new FabricDidResolver(ledger, ledger.endorsementVerifier(), Clock.systemUTC()))
              .build();
      long t1 = System.nanoTime();
      for (String did : dids) {
        assertTrue(cold.resolve(did).error().isEmpty());
      }
      double coldSeconds = (System.nanoTime() - t1) / 1e9;

      CachingDidResolver cached =
          CachingDidResolver.builder(cold).maxEntries(n).latestTtl(Duration.ofMinutes(10)).build();
      ledger.addListener(LedgerEvents.invalidating(cached));
      for (String did : dids) {
        cached.resolve(did);
      }
      int rounds = 10;
      long t2 = System.nanoTime();
      for (int r = 0; r < rounds; r++) {
        for (String did : dids) {
          cached.resolve(did);
        }
      }
      double cachedSeconds = (System.nanoTime() - t2) / 1e9;
      assertEquals((long) rounds * n, cached.stats().hits());

      System.out.printf(
          "did:fabric embedded ledger, %d DIDs: writes %.0f/s (%.1f s); cold resolves %.0f/s (%.1f s);"
              + " cached resolves %.0f/s (%d lookups in %.2f s)%n",
          n,
          n / writeSeconds,
          writeSeconds,
          n / coldSeconds,
          coldSeconds,
          rounds * n / cachedSeconds,
          rounds * n,
          cachedSeconds);
    }
  }
}
