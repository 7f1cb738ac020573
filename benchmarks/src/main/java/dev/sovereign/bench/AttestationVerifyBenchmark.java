package dev.sovereign.bench;

import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.ParsedAttestation;
import dev.sovereign.attestation.TestNitroPki;
import dev.sovereign.attestation.VerifiedAttestation;
import dev.sovereign.attestation.internal.Es384;
import dev.sovereign.crypto.Crypto;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Attestation documents verified per second, next to the ceiling measured in the same run: raw
 * Bouncy Castle ES384 verifications per second. A full verification contains five ES384 checks
 * (four certificates below the root, one COSE signature), so the figure of merit is {@code ratio =
 * time(full verify) / (5 x time(raw verify))}; the goal is at most 1.25.
 *
 * <ul>
 *   <li>{@code verifyCold}: a verifier without the intermediate cache (every check runs);
 *   <li>{@code verifyCached}: the default verifier verifying a document whose chain and leaf it has
 *       seen before: the regional, zonal, instance and leaf certificates come from the cache (still
 *       checked for validity every time; the COSE signature is always verified);
 *   <li>{@code verifyNewLeaf}: the default verifier, documents from the same intermediates but each
 *       with a leaf it has not cached (512 leaves cycled through a 256-entry cache);
 *   <li>{@code es384FreshKey}: one raw verification with a key object decoded for the call (as the
 *       verifier does for each certificate it parses);
 *   <li>{@code es384SameKey}: one raw verification reusing a key object (Bouncy Castle keeps the
 *       point's precomputation on it: an optimistic ceiling);
 *   <li>{@code es384Jdk}: the same check through the JDK's SunEC provider, to show why the verifier
 *       uses Bouncy Castle.
 * </ul>
 *
 * <p>The document comes from a Nitro-shaped test PKI (P-384, root -> regional -> zonal -> instance
 * -> leaf), the same shape and algorithms as AWS's chain. Run {@code java -cp
 * benchmarks/target/benchmarks.jar dev.sovereign.bench.AttestationVerifyBenchmark [JMH options]} to
 * get the ratios printed, or {@code java -jar benchmarks/target/benchmarks.jar AttestationVerify}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AttestationVerifyBenchmark {
  private byte[] cose;
  private AttestationVerifier cold;
  private AttestationVerifier cached;
  private byte[] toBeSigned;
  private byte[] signature;
  private byte[] leafPoint;
  private PublicKey leafKey;
  private java.security.PublicKey leafJcaKey;
  private byte[][] newLeafDocuments;
  private int nextNewLeaf;

  @Setup
  public void setUp() throws Exception {
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    TestNitroPki pki = TestNitroPki.create(now);
    AttestationDocument doc = pki.document().nonce(new byte[32]).userData(new byte[64]).build();
    cose = pki.sign(doc);
    AttestationPolicy policy = pki.policy().expectedNonce(new byte[32]).build();
    cold = AttestationVerifier.create(policy, 0);
    cached = AttestationVerifier.create(policy);
    ParsedAttestation parsed = AttestationDocuments.parse(cose);
    toBeSigned = parsed.toBeSigned();
    signature = parsed.signature();
    leafPoint = pki.leaf().keys().getPublic().getEncoded(); // SubjectPublicKeyInfo
    leafKey = Es384.jcaPublicKey(Crypto.system(), leafPoint);
    leafJcaKey = pki.leaf().keys().getPublic();
    if (!es384Jdk()) {
      throw new IllegalStateException("JDK verification disagrees");
    }
    if (!Es384.verifyP1363(leafKey, toBeSigned, signature)) {
      throw new IllegalStateException("benchmark document does not verify");
    }
    cold.verify(cose);
    cached.verify(cose);
    // More distinct leaves than cache entries, cycled: every leaf misses, the intermediates hit.
    newLeafDocuments = new byte[AttestationVerifier.DEFAULT_CACHE_ENTRIES * 2][];
    for (int i = 0; i < newLeafDocuments.length; i++) {
      TestNitroPki.Issued leaf =
          TestNitroPki.issue(
              pki.instance(),
              pki.leaf().subject(),
              now.minusSeconds(60),
              now.plusSeconds(3 * 3600),
              TestNitroPki.END_ENTITY,
              TestNitroPki.LEAF_KEY_USAGE);
      newLeafDocuments[i] =
          AttestationDocuments.sign(
              doc.toBuilder().certificate(leaf.der()).build(), leaf.keys().getPrivate());
    }
    for (byte[] d : newLeafDocuments) {
      cached.verify(d);
    }
  }

  @Benchmark
  public VerifiedAttestation verifyNewLeaf() throws AttestationRejectedException {
    byte[] d = newLeafDocuments[nextNewLeaf];
    nextNewLeaf = (nextNewLeaf + 1) % newLeafDocuments.length;
    return cached.verify(d);
  }

  @Benchmark
  public VerifiedAttestation verifyCold() throws AttestationRejectedException {
    return cold.verify(cose);
  }

  @Benchmark
  public VerifiedAttestation verifyCached() throws AttestationRejectedException {
    return cached.verify(cose);
  }

  @Benchmark
  public boolean es384FreshKey() {
    try {
      return Es384.verifyP1363(
          Es384.jcaPublicKey(Crypto.system(), leafPoint), toBeSigned, signature);
    } catch (java.security.InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The same check with the JDK's own provider (SunEC), for comparison only; the verifier never
   * uses it.
   */
  @Benchmark
  public boolean es384Jdk() throws java.security.GeneralSecurityException {
    java.security.Signature s =
        java.security.Signature.getInstance("SHA384withECDSAinP1363Format", "SunEC");
    s.initVerify(leafJcaKey);
    s.update(toBeSigned);
    return s.verify(signature);
  }

  @Benchmark
  public boolean es384SameKey() {
    return Es384.verifyP1363(leafKey, toBeSigned, signature);
  }

  /**
   * Runs this benchmark (JMH options accepted, e.g. {@code -f 1 -wi 2 -i 3}) and prints the ratios.
   * With {@code --cpu-time} first, measures instead per-operation thread CPU time of the same
   * operations, interleaved round by round, which holds up on a machine shared with other work.
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--cpu-time")) {
      cpuTime(args.length > 1 ? Integer.parseInt(args[1]) : 30);
      return;
    }
    CommandLineOptions cli = new CommandLineOptions(args);
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .parent(cli)
                    .include(AttestationVerifyBenchmark.class.getSimpleName())
                    .build())
            .run();
    Map<String, Double> opsPerSecond = new TreeMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      opsPerSecond.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
    }
    System.out.println();
    opsPerSecond.forEach((k, v) -> System.out.printf("%-14s %10.1f ops/s%n", k, v));
    printRatios(opsPerSecond);
  }

  private static void printRatios(Map<String, Double> opsPerSecond) {
    for (String raw : new String[] {"es384FreshKey", "es384SameKey"}) {
      for (String full : new String[] {"verifyCold", "verifyNewLeaf", "verifyCached"}) {
        if (opsPerSecond.containsKey(raw) && opsPerSecond.containsKey(full)) {
          double ratio = (1 / opsPerSecond.get(full)) / (5 / opsPerSecond.get(raw));
          System.out.printf("ratio %-12s / 5 x %-13s = %.3f%n", full, raw, ratio);
        }
      }
    }
  }

  /**
   * Thread CPU time per operation, the operations interleaved in {@code rounds} rounds of 200 each.
   */
  static void cpuTime(int rounds) throws Exception {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    AttestationVerifyBenchmark b = new AttestationVerifyBenchmark();
    b.setUp();
    String[] names = {
      "verifyCold", "verifyCached", "verifyNewLeaf", "es384FreshKey", "es384SameKey", "es384Jdk"
    };
    long[] nanos = new long[names.length];
    int per = 200;
    int warmupRounds = Math.max(3, rounds / 5);
    for (int round = 0; round < warmupRounds + rounds; round++) {
      for (int op = 0; op < names.length; op++) {
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < per; i++) {
          switch (op) {
            case 0:
              b.verifyCold();
              break;
            case 1:
              b.verifyCached();
              break;
            case 2:
              b.verifyNewLeaf();
              break;
            case 3:
              b.es384FreshKey();
              break;
            case 4:
              b.es384SameKey();
              break;
            default:
              b.es384Jdk();
          }
        }
        long t = mx.getCurrentThreadCpuTime() - t0;
        if (round >= warmupRounds) {
          nanos[op] += t;
        }
      }
    }
    Map<String, Double> opsPerCpuSecond = new TreeMap<>();
    for (int op = 0; op < names.length; op++) {
      double perOp = nanos[op] / (double) (rounds * per);
      opsPerCpuSecond.put(names[op], 1e9 / perOp);
      System.out.printf(
          "%-14s %8.1f us CPU/op  %8.1f ops per CPU-second%n",
          names[op], perOp / 1000, 1e9 / perOp);
    }
    printRatios(opsPerCpuSecond);
  }
}
