package dev.sovereign.bench;

import dev.sovereign.did.CachingDidResolver;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.fabric.FabricDidResolver;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.ledger.EmbeddedLedger;
import dev.sovereign.did.fabric.ledger.LedgerEvents;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * did:fabric resolution on the embedded ledger: N DIDs created, then resolves per second cold (the
 * whole path: log export, endorsed read signed by the ledger key, log verification and endorsement
 * verification) and cached ({@link CachingDidResolver} invalidated by ledger events). Ceilings, in
 * the same run and the same thread: for cold, the raw signature work one resolution cannot avoid
 * (one Ed25519 verification of the create operation, with Bouncy Castle as the log verifier does;
 * one ECDSA P-256 signature by the embedded ledger over its answer and one ECDSA P-256 verification
 * of it, with the JDK's SHA256withECDSA as the ledger and the endorsement verifier do) on inputs of
 * the same sizes; for cached, a plain {@code HashMap} lookup of the same DIDs. Rates come from the
 * CPU time of the measuring thread (single-threaded, like a resolution), so other load does not
 * skew the ratios.
 */
public final class DidBench {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private final int dids;
  private final PrintStream log;

  public DidBench(int dids, PrintStream log) {
    this.dids = dids;
    this.log = log;
  }

  public List<BenchFigure> run() throws Exception {
    Path dir = Files.createTempDirectory("sovereign-bench-dids");
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      log.printf("bench: creating %d did:fabric DIDs on the embedded ledger%n", dids);
      List<String> created = new ArrayList<>(dids);
      for (int i = 0; i < dids; i++) {
        created.add(
            ledger
                .submit(
                    FabricDocuments.create(
                        "local", SoftwareControllerKey.generate(Multikey.Type.ED25519)))
                .did());
      }
      DidResolver cold =
          DidResolvers.builder()
              .method(
                  new FabricDidResolver(ledger, ledger.endorsementVerifier(), Clock.systemUTC()))
              .build();
      // warm-up on a slice, then every DID once, cold
      for (String did : created.subList(0, Math.min(created.size(), 200))) {
        check(cold.resolve(did).error().isEmpty(), did);
      }
      long c0 = CPU.getCurrentThreadCpuTime();
      for (String did : created) {
        check(cold.resolve(did).error().isEmpty(), did);
      }
      double coldRate = created.size() / ((CPU.getCurrentThreadCpuTime() - c0) / 1e9);

      byte[] logBytes = ledger.exportLog(created.get(0));
      byte[] head = ledger.endorsedHead(created.get(0), "bench");
      double coldCeiling =
          signatureCeiling(logBytes.length, head.length, Math.max(200, created.size()));
      List<BenchFigure> out = new ArrayList<>();
      out.add(
          BenchFigure.rate(
              "did.fabric.resolve.cold." + dids,
              coldRate,
              "resolves/s",
              coldCeiling,
              "ceiling: 1 Ed25519 verify (BC) + 1 ECDSA P-256 sign + 1 ECDSA P-256 verify (JDK) per resolution, CPU time, 1 thread"));
      log.printf("bench: did:fabric cold %.1f resolves/s, ceiling %.1f%n", coldRate, coldCeiling);

      CachingDidResolver cached =
          CachingDidResolver.builder(cold)
              .maxEntries(created.size())
              .latestTtl(Duration.ofMinutes(10))
              .build();
      ledger.addListener(LedgerEvents.invalidating(cached));
      for (String did : created) {
        cached.resolve(did);
      }
      int rounds = Math.max(10, 100_000 / created.size());
      long hits0 = cached.stats().hits();
      long k0 = CPU.getCurrentThreadCpuTime();
      for (int r = 0; r < rounds; r++) {
        for (String did : created) {
          cached.resolve(did);
        }
      }
      double cachedRate =
          (double) rounds * created.size() / ((CPU.getCurrentThreadCpuTime() - k0) / 1e9);
      check(cached.stats().hits() - hits0 == (long) rounds * created.size(), "cache hits");
      double mapRate = mapCeiling(created, rounds);
      out.add(
          BenchFigure.rate(
              "did.fabric.resolve.cached." + dids,
              cachedRate,
              "resolves/s",
              mapRate,
              "ceiling: HashMap lookup of the same DIDs, CPU time, 1 thread"));
      log.printf("bench: did:fabric cached %.1f resolves/s, ceiling %.1f%n", cachedRate, mapRate);
      out.addAll(writes(1, 500));
      out.addAll(writes(WRITE_CLIENTS, 20_000));
      out.addAll(writes(MANY_WRITE_CLIENTS, 20_000));
      return out;
    } finally {
      deleteTree(dir);
    }
  }

  /** Concurrent clients of the group-commit write figure. */
  static final int WRITE_CLIENTS = 64;

  /**
   * Concurrent clients of a second write figure: Fabric's published throughput figures come from
   * many clients, and the ledger's groups grow with the writers waiting.
   */
  static final int MANY_WRITE_CLIENTS = 256;

  /**
   * Creates per second on a fresh embedded ledger with {@code clients} threads submitting {@code
   * count} pre-signed creates (wall clock; each write runs the contract with its Ed25519 signature
   * check and is durable, its WAL frames synced, before its submit returns; concurrent writes are
   * group-committed). Ceiling: Ed25519 verifies per second of the same operations' signed bytes
   * with the same threads, the one check every write must make.
   */
  private List<BenchFigure> writes(int clients, int count) throws Exception {
    log.printf("bench: signing %d did:fabric creates for %d client(s)%n", count, clients);
    List<dev.sovereign.did.fabric.core.Operation> ops = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ops.add(
          FabricDocuments.create("local", SoftwareControllerKey.generate(Multikey.Type.ED25519)));
    }
    Path dir = Files.createTempDirectory("sovereign-bench-writes");
    double rate;
    String groups;
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      java.util.concurrent.atomic.AtomicInteger next =
          new java.util.concurrent.atomic.AtomicInteger();
      long t0 = System.nanoTime();
      runThreads(
          clients,
          () -> {
            for (int i; (i = next.getAndIncrement()) < count; ) {
              ledger.submit(ops.get(i));
            }
            return null;
          });
      rate = count / ((System.nanoTime() - t0) / 1e9);
      long wallNanos = System.nanoTime() - t0;
      EmbeddedLedger.GroupStats g = ledger.groupStats();
      groups =
          String.format(
              java.util.Locale.ROOT,
              "%d groups of %.1f writes; the leader applied for %.0f%% and committed for %.0f%% of"
                  + " the wall time (%.3f ms per write, %.2f ms per commit; its CPU time %.3f ms"
                  + " per write); %d writes applied from their submitter's run of the contract;"
                  + " %d WAL syncs outside the write lock, %.1f ms each",
              g.groups(),
              (double) g.writes() / g.groups(),
              100.0 * g.applyNanos() / wallNanos,
              100.0 * g.commitNanos() / wallNanos,
              g.applyNanos() / 1e6 / g.writes(),
              g.commitNanos() / 1e6 / g.groups(),
              g.leaderCpuNanos() / 1e6 / g.writes(),
              g.validatedWrites(),
              g.syncs(),
              g.syncs() == 0 ? 0.0 : g.syncNanos() / 1e6 / g.syncs());
      check(ledger.verifyIntegrity().versions() == count, "every write committed");
    } finally {
      deleteTree(dir);
    }
    byte[] message = ops.get(0).signingInput();
    double ceiling = ed25519Ceiling(clients, count, message, true);
    double bcCeiling = ed25519Ceiling(clients, count, message, false);
    String provider = dev.sovereign.crypto.Crypto.system().backend().id();
    log.printf(
        "bench: embedded ledger %d client(s): %.1f writes/s, Ed25519 verify ceiling %.1f/s (%s),"
            + " %.1f/s (Bouncy Castle); %s%n",
        clients, rate, ceiling, provider, bcCeiling, groups);
    return List.of(
        BenchFigure.rate(
            "did.fabric.embedded.write." + clients + (clients == 1 ? "-client" : "-clients"),
            rate,
            "writes/s",
            ceiling,
            String.format(
                java.util.Locale.ROOT,
                "ceiling: Ed25519 verifies/s on %s (the ledger's provider) with the same threads,"
                    + " wall clock; on Bouncy Castle %.1f/s; %s",
                provider,
                bcCeiling,
                groups)));
  }

  /**
   * Ed25519 verifications per second (wall clock) of a create's signed bytes with {@code clients}
   * threads: on the system's provider as the ledger checks them ({@code system}), or on Bouncy
   * Castle as it checked them before.
   */
  private static double ed25519Ceiling(int clients, int count, byte[] message, boolean system)
      throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    byte[] sig = key.sign(message);
    Multikey pub = key.publicKey();
    dev.sovereign.crypto.Crypto crypto = dev.sovereign.crypto.Crypto.system();
    java.util.concurrent.atomic.AtomicInteger verified =
        new java.util.concurrent.atomic.AtomicInteger();
    long v0 = System.nanoTime();
    runThreads(
        clients,
        () -> {
          while (verified.getAndIncrement() < count) {
            boolean ok =
                system
                    ? crypto.verifyEd25519(crypto.ed25519PublicKey(pub.raw()), message, sig)
                    : pub.verifies(message, sig);
            check(ok, "ceiling Ed25519");
          }
          return null;
        });
    return count / ((System.nanoTime() - v0) / 1e9);
  }

  private static void runThreads(int n, java.util.concurrent.Callable<Void> body) throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(n);
    try {
      List<java.util.concurrent.Future<Void>> fs = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        fs.add(pool.submit(body));
      }
      for (java.util.concurrent.Future<Void> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("bench resolution failed: " + what);
    }
  }

  /** Resolutions per CPU second if a resolution did nothing but its three signature operations. */
  private static double signatureCeiling(int logSize, int headSize, int count) throws Exception {
    SecureRandom random = new SecureRandom();
    org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters edKey =
        new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(random);
    org.bouncycastle.crypto.params.Ed25519PublicKeyParameters edPub = edKey.generatePublicKey();
    KeyPairGenerator ecg = KeyPairGenerator.getInstance("EC");
    ecg.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ec = ecg.generateKeyPair();
    byte[] op = new byte[Math.max(64, logSize / 2)];
    byte[] answer = new byte[headSize];
    random.nextBytes(op);
    random.nextBytes(answer);
    org.bouncycastle.crypto.signers.Ed25519Signer s =
        new org.bouncycastle.crypto.signers.Ed25519Signer();
    s.init(true, edKey);
    s.update(op, 0, op.length);
    byte[] opSig = s.generateSignature();
    long c0 = 0;
    for (int pass = 0; pass < 2; pass++) { // first pass warms up
      c0 = CPU.getCurrentThreadCpuTime();
      for (int i = 0; i < count; i++) {
        org.bouncycastle.crypto.signers.Ed25519Signer v =
            new org.bouncycastle.crypto.signers.Ed25519Signer();
        v.init(false, edPub);
        v.update(op, 0, op.length);
        check(v.verifySignature(opSig), "ceiling Ed25519");
        Signature sign = Signature.getInstance("SHA256withECDSA");
        sign.initSign(ec.getPrivate(), random);
        sign.update(answer);
        byte[] sig = sign.sign();
        Signature verify = Signature.getInstance("SHA256withECDSA");
        verify.initVerify(ec.getPublic());
        verify.update(answer);
        check(verify.verify(sig), "ceiling ECDSA");
      }
    }
    return count / ((CPU.getCurrentThreadCpuTime() - c0) / 1e9);
  }

  private static double mapCeiling(List<String> dids, int rounds) {
    Map<String, Object> map = new HashMap<>();
    for (String did : dids) {
      map.put(new String(did), new Object());
    }
    long sink = 0;
    long c0 = 0;
    for (int pass = 0; pass < 2; pass++) {
      c0 = CPU.getCurrentThreadCpuTime();
      for (int r = 0; r < rounds; r++) {
        for (String did : dids) {
          sink += map.get(did).hashCode() & 1;
        }
      }
    }
    double rate = (double) rounds * dids.size() / ((CPU.getCurrentThreadCpuTime() - c0) / 1e9);
    return sink == Long.MIN_VALUE ? 0 : rate;
  }

  public static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
