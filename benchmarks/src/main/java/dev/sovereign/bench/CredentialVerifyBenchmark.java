package dev.sovereign.bench;

import dev.sovereign.crypto.Crypto;
import dev.sovereign.did.CachingDidResolver;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.vc.CredentialIssuer;
import dev.sovereign.vc.CredentialRejectedException;
import dev.sovereign.vc.CredentialSigner;
import dev.sovereign.vc.CredentialVerifier;
import dev.sovereign.vc.LocalSigners;
import dev.sovereign.vc.StatusListIssuer;
import dev.sovereign.vc.StatusListSource;
import dev.sovereign.vc.StatusPurpose;
import dev.sovereign.vc.VerificationKey;
import dev.sovereign.vc.VerifiedCredential;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Credentials verified per second with a warm DID cache, next to the raw signature verifications
 * per second for the same algorithm and key in the same run. Goal: {@code credential / raw >= 0.8}
 * for EdDSA and ES256 (parsing, profile rules, key authorization and the status check must not
 * dominate).
 *
 * <ul>
 *   <li>{@code credential}: {@link CredentialVerifier#verify} of a VCDM 2.0 credential (did:key
 *       issuer, {@link CachingDidResolver} warm, one revocation entry checked against a cached
 *       status list; no signature-result cache);
 *   <li>{@code rawNative}: the verification the credential path makes ({@link Crypto#system()}:
 *       AWS-LC where it loads), over the same signing input and signature, key decoded once (the
 *       ceiling);
 *   <li>{@code rawBouncyCastle}: the same check on Bouncy Castle (the path's provider before issue
 *       13), for reference;
 *   <li>{@code rawJca}: the JDK's own provider (SunEC) for the same check, for reference: why BC is
 *       used.
 * </ul>
 *
 * Run {@code java -cp benchmarks/target/benchmarks.jar
 * dev.sovereign.bench.CredentialVerifyBenchmark [JMH options]} to get the ratios printed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CredentialVerifyBenchmark {
  private static final String LIST = "https://authority.example/status/1";

  @Param({"EdDSA", "ES256"})
  public String alg;

  private CredentialVerifier verifier;
  private String jwt;
  private byte[] signingInput;
  private byte[] signature;
  private Ed25519PublicKeyParameters edKey;
  private ECPublicKeyParameters ecKey;
  private PublicKey jcaKey;
  private PublicKey nativeKey;
  private Instant now;

  @Setup
  public void setUp() throws Exception {
    now = Instant.now();
    KeyType type = alg.equals("EdDSA") ? KeyType.ED25519 : KeyType.P256;
    SecureRandom random = new SecureRandom();
    byte[] sk = LocalSigners.generatePrivateKey(type, random);
    VerificationKey pk = LocalSigners.publicKeyOf(type, sk);
    PublicKeyMaterial material =
        PublicKeyMaterial.of(
            type, type == KeyType.ED25519 ? pk.rawPublicKey() : compress(pk.rawPublicKey()));
    Did did = DidKey.fromKey(material);
    String kid = did + "#" + did.methodSpecificId();
    CredentialSigner signer =
        type == KeyType.ED25519 ? LocalSigners.ed25519(sk, kid) : LocalSigners.es256(sk, kid);
    CredentialIssuer issuer = CredentialIssuer.of(signer);
    StatusListIssuer list = StatusListIssuer.create(issuer, LIST, StatusPurpose.REVOCATION);
    String listJwt = list.publish(now, Duration.ofDays(1), Duration.ofHours(1));
    jwt =
        issuer
            .credential("ProducerAuthorization")
            .id("urn:uuid:bench")
            .subject("did:example:producer")
            .claim("region", "EU")
            .claim("datasets", List.of("loyalty-points", "purchase-orders"))
            .validFrom(now.minusSeconds(3600))
            .validUntil(now.plusSeconds(86_400))
            .status(StatusPurpose.REVOCATION, LIST, 4242)
            .sign();
    DidResolver resolver =
        CachingDidResolver.builder(DidResolvers.builder().withDidKey().build()).build();
    verifier =
        CredentialVerifier.builder(resolver)
            .statusLists(StatusListSource.of(Map.of(LIST, listJwt)))
            .build();
    verifier.verify(jwt); // warms the DID cache, the decoded key and the status list cache

    int dot = jwt.lastIndexOf('.');
    signingInput = jwt.substring(0, dot).getBytes(StandardCharsets.US_ASCII);
    signature = Base64.getUrlDecoder().decode(jwt.substring(dot + 1));
    jcaKey = material.toPublicKey();
    if (type == KeyType.ED25519) {
      edKey = new Ed25519PublicKeyParameters(pk.rawPublicKey(), 0);
      jcaKey =
          KeyFactory.getInstance("Ed25519")
              .generatePublic(new X509EncodedKeySpec(jcaKey.getEncoded()));
    } else {
      X9ECParameters x9 = CustomNamedCurves.getByName("secp256r1");
      ECDomainParameters d = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH());
      ecKey = new ECPublicKeyParameters(d.getCurve().decodePoint(pk.rawPublicKey()), d);
      jcaKey =
          KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(jcaKey.getEncoded()));
    }
    nativeKey = Crypto.system().own(jcaKey);
    if (!rawBouncyCastle() || !rawJca() || !rawNative()) {
      throw new IllegalStateException("benchmark signature does not verify");
    }
  }

  @Benchmark
  public VerifiedCredential credential() throws CredentialRejectedException {
    return verifier.verify(jwt, now);
  }

  @Benchmark
  public boolean rawBouncyCastle() {
    if (edKey != null) {
      Ed25519Signer v = new Ed25519Signer();
      v.init(false, edKey);
      v.update(signingInput, 0, signingInput.length);
      return v.verifySignature(signature);
    }
    SHA256Digest d = new SHA256Digest();
    d.update(signingInput, 0, signingInput.length);
    byte[] h = new byte[32];
    d.doFinal(h, 0);
    ECDSASigner v = new ECDSASigner();
    v.init(false, ecKey);
    return v.verifySignature(
        h,
        new BigInteger(1, java.util.Arrays.copyOfRange(signature, 0, 32)),
        new BigInteger(1, java.util.Arrays.copyOfRange(signature, 32, 64)));
  }

  /**
   * The check the credential path makes ({@code JwsSignatures}: {@link Crypto#system()}, AWS-LC
   * where it loads) on the same bytes, key decoded once: the ceiling the goal is stated against.
   */
  @Benchmark
  public boolean rawNative() {
    return edKey != null
        ? Crypto.system().verifyEd25519(nativeKey, signingInput, signature)
        : Crypto.system().verifyEcdsaP1363("SHA256", nativeKey, signingInput, signature);
  }

  @Benchmark
  public boolean rawJca() throws Exception {
    Signature s = Signature.getInstance(edKey != null ? "Ed25519" : "SHA256withECDSAinP1363Format");
    s.initVerify(jcaKey);
    s.update(signingInput);
    return s.verify(signature);
  }

  private static byte[] compress(byte[] uncompressed) {
    byte[] out = new byte[33];
    out[0] = (byte) ((uncompressed[64] & 1) == 0 ? 0x02 : 0x03);
    System.arraycopy(uncompressed, 1, out, 1, 32);
    return out;
  }

  /**
   * The same comparison with the two loops interleaved in blocks of 100 (after {@code warmUp} of
   * the same loop: on a loaded machine the JIT's compiler threads get little CPU, and after a
   * warm-up of 5 s at load 20 the credential path still ran at 0.57-0.70 of raw verify, after 15 s
   * at 0.85; docs/benchmarks.md), so that both see the same machine load: on a shared machine,
   * JMH's one-after-the-other runs can differ by more than the effect measured. Each block is timed
   * twice: wall clock, and the measuring thread's CPU time (which other processes on the machine do
   * not inflate, so it is the figure to compare at high load). The order of the two blocks
   * alternates round by round. Returns {credential ops/s, raw ops/s} by wall clock, then the same
   * by CPU time.
   *
   * <p>Before and after the run, a copy of the token with one signature byte changed must be
   * rejected as {@code SIGNATURE_INVALID} by the same verifier: nothing in it remembers a verdict,
   * so every measured {@code credential} call verified its signature.
   */
  static double[] interleaved(String alg, Duration warmUp, Duration duration) throws Exception {
    CredentialVerifyBenchmark b = new CredentialVerifyBenchmark();
    b.alg = alg;
    b.setUp();
    b.forgedIsRejected();
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long[] wall = new long[2];
    long[] cpu = new long[2];
    long ops = 0;
    long warmUntil = System.nanoTime() + warmUp.toNanos();
    long end = warmUntil + duration.toNanos();
    for (int round = 0; System.nanoTime() < end; round++) {
      boolean measured = System.nanoTime() > warmUntil;
      for (int k = 0; k < 2; k++) {
        int which = (round + k) % 2; // 0 = credential, 1 = rawNative
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
          if (which == 0) {
            b.credential();
          } else if (!b.rawNative()) {
            throw new IllegalStateException("raw verification failed");
          }
        }
        long t1 = System.nanoTime();
        long c1 = mx.getCurrentThreadCpuTime();
        if (measured) {
          wall[which] += t1 - t0;
          cpu[which] += c1 - c0;
        }
      }
      if (measured) {
        ops += 100;
      }
    }
    b.forgedIsRejected();
    return new double[] {
      ops * 1e9 / wall[0], ops * 1e9 / wall[1], ops * 1e9 / cpu[0], ops * 1e9 / cpu[1]
    };
  }

  /** The token with one signature byte changed is refused with SIGNATURE_INVALID. */
  private void forgedIsRejected() {
    int dot = jwt.lastIndexOf('.');
    byte[] sig = signature.clone();
    sig[sig.length / 2] ^= 0x01;
    String forged =
        jwt.substring(0, dot + 1) + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    try {
      verifier.verify(forged, now);
    } catch (CredentialRejectedException e) {
      if (e.code() == dev.sovereign.vc.ReasonCode.SIGNATURE_INVALID) {
        return;
      }
      throw new IllegalStateException("forged token rejected for " + e.code(), e);
    }
    throw new IllegalStateException("a forged token verified: the benchmark measures no check");
  }

  /**
   * Runs this benchmark (JMH options accepted, e.g. {@code -f 1 -wi 2 -i 3}) and prints the ratios,
   * then the interleaved measurement ({@code -Dsovereign.interleaved=PT20S} sets its measured
   * length, {@code PT0S} skips it, {@code -Dsovereign.warmup=PT15S} the warm-up before it, {@code
   * -Dsovereign.algs=EdDSA} runs one algorithm; {@code --interleaved-only} as the only argument
   * skips JMH's own runs).
   */
  public static void main(String[] args) throws Exception {
    Duration inter = Duration.parse(System.getProperty("sovereign.interleaved", "PT20S"));
    Duration warmUp = Duration.parse(System.getProperty("sovereign.warmup", "PT15S"));
    if (!inter.isZero()) {
      for (String a : System.getProperty("sovereign.algs", "EdDSA,ES256").split(",")) {
        double[] r = interleaved(a, warmUp, inter);
        System.out.printf(
            "interleaved %s: credential %.1f ops/s, rawNative (%s) %.1f ops/s, ratio %.3f (wall);"
                + " credential %.1f, rawNative %.1f ops per CPU-second, ratio %.3f (CPU time);"
                + " goal >= 0.8%n",
            a, r[0], Crypto.system(), r[1], r[0] / r[1], r[2], r[3], r[2] / r[3]);
      }
    }
    if (args.length == 1 && args[0].equals("--interleaved-only")) {
      return;
    }
    CommandLineOptions cli = new CommandLineOptions(args);
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .parent(cli)
                    .include(CredentialVerifyBenchmark.class.getSimpleName())
                    .build())
            .run();
    Map<String, Double> opsPerSecond = new TreeMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      opsPerSecond.put(
          r.getParams().getParam("alg") + " " + name.substring(name.lastIndexOf('.') + 1),
          r.getPrimaryResult().getScore());
    }
    System.out.println();
    opsPerSecond.forEach((k, v) -> System.out.printf("%-24s %10.1f ops/s%n", k, v));
    for (String a : new String[] {"EdDSA", "ES256"}) {
      Double full = opsPerSecond.get(a + " credential");
      for (String ceiling : new String[] {"rawNative", "rawBouncyCastle"}) {
        Double raw = opsPerSecond.get(a + " " + ceiling);
        if (full != null && raw != null) {
          System.out.printf(
              "%s ratio credential / %s = %.3f%s%n",
              a, ceiling, full / raw, ceiling.equals("rawNative") ? " (goal >= 0.8)" : "");
        }
      }
    }
  }
}
