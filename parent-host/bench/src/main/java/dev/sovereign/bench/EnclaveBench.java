package dev.sovereign.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDHEncrypter;
import com.nimbusds.jose.jwk.ECKey;
import dev.sovereign.attestation.nsm.Nsm;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import dev.sovereign.crypto.Crypto;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.enclave.Credentials;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.DidProducerKeys;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.round.ResultIssuer;
import dev.sovereign.enclave.server.EnclaveService;
import dev.sovereign.enclave.server.EvidenceStore;
import dev.sovereign.vc.Accreditations;
import dev.sovereign.vc.CredentialIssuer;
import dev.sovereign.vc.CredentialSigner;
import dev.sovereign.vc.LocalSigners;
import dev.sovereign.vc.Scope;
import dev.sovereign.vc.StatusListIssuer;
import dev.sovereign.vc.StatusPurpose;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The enclave's throughput benchmark: payloads per second through the whole pipeline (JWE, JWS,
 * credential chain and status, policy, replay, aggregation) on all cores, for payloads of 1, 10 and
 * 100 records, next to the ceiling measured in the same run on the same payloads: one ECDH-ES
 * unwrap (ECDH, Concat KDF, AES key unwrap), one AES-256-GCM decryption and one Ed25519
 * verification per payload, on the same threads. Rates are computed from the CPU time of the
 * benchmark's threads (payloads per CPU second times the thread count), so neighbours on a shared
 * machine do not skew the ratio.
 */
public final class EnclaveBench {
  /** One figure of {@code sovereign bench --json}. */
  public record Result(
      String name,
      double value,
      String unit,
      double ceiling,
      double ratio,
      String provider,
      Double nativeCeiling,
      Double nativeRatio) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DATASET = DevPolicy.DATASET;
  private static final int BATCH = 256;

  private final int threads;
  private final Duration measure;
  private final PrintStream log;
  private final SecureRandom random = new SecureRandom();

  public EnclaveBench(int threads, Duration measure, PrintStream log) {
    this.threads = threads;
    this.measure = measure;
    this.log = log;
  }

  private record Producer(CredentialSigner signer, String did, String kid) {}

  private Producer identity() throws IOException {
    byte[] seed = LocalSigners.generatePrivateKey(KeyType.ED25519, random);
    byte[] pub = LocalSigners.publicKeyOf(KeyType.ED25519, seed).rawPublicKey();
    String did = DidKey.fromKey(PublicKeyMaterial.of(KeyType.ED25519, pub)).toString();
    String kid = did + "#" + did.substring("did:key:".length());
    return new Producer(LocalSigners.ed25519(seed, kid), did, kid);
  }

  /** Runs the three sizes and returns their figures. */
  public List<Result> run() throws Exception {
    return run(List.of(1, 10, 100));
  }

  /** Runs payloads of {@code sizes} records (each at least 1) and returns their figures. */
  public List<Result> run(List<Integer> sizes) throws Exception {
    Path tmp = Files.createTempDirectory("sovereign-bench");
    Path artifact =
        tmp.resolve("bench-image.jar"); // the simulated NSM measures a jar; this one is a stand-in
    try (java.util.jar.JarOutputStream jar =
        new java.util.jar.JarOutputStream(Files.newOutputStream(artifact))) {
      jar.putNextEntry(new java.util.jar.JarEntry("bench.txt"));
      jar.write("sovereign bench image".getBytes(StandardCharsets.UTF_8));
      jar.closeEntry();
    }
    Instant now = Instant.now();
    Producer root = identity();
    Producer authority = identity();
    Producer producer = identity();
    String statusUrl = "https://authority.example/status/EU";
    String accreditation =
        Accreditations.draft(
                CredentialIssuer.of(root.signer()),
                authority.did(),
                Set.of(Accreditations.Role.ATTEST),
                Scope.of(Set.of("EU"), Set.of("EU"), Set.of(DATASET)),
                now.minusSeconds(3600),
                now.plus(Duration.ofDays(365)))
            .sign();
    StatusListIssuer lists =
        StatusListIssuer.create(
            CredentialIssuer.of(authority.signer()), statusUrl, StatusPurpose.REVOCATION);
    String statusList =
        lists.publish(now.minusSeconds(60), Duration.ofDays(1), Duration.ofMinutes(5));
    String credential =
        CredentialIssuer.of(authority.signer())
            .credential("ProducerCredential")
            .subject(producer.did())
            .claim("region", "EU")
            .claim("datasets", List.of(DATASET))
            .validFrom(now.minusSeconds(3600))
            .validUntil(now.plus(Duration.ofDays(30)))
            .status(StatusPurpose.REVOCATION, statusUrl, 7)
            .sign();

    SovereigntyPolicy policy =
        PolicyLoader.parse(
            DevPolicy.builder("bench")
                .pcr0("00".repeat(48))
                .zone(
                    new DevPolicy.Zone(
                        "EU", List.of("DE", "FR", "NL"), List.of(DevPolicy.REGION), root.did()))
                .minGroupSize(5)
                .functions("sum", "count", "mean", "histogram")
                .histogram(0, 100, 1000, 10000)
                // bounds that every bench payload (one producer, many payloads) stays within, so
                // the bounding is exercised on every record without refusing any; noise at close
                .epsilon(1.0)
                .privacy(1_000_000, 10, 1_000_000, true, 1000.0)
                .maxRecordsPerPayload(1000)
                .yaml());
    EnclaveIdentity identity = EnclaveIdentity.generate(random);
    Clock clock = Clock.systemUTC();
    DidResolver resolver = DidResolvers.builder().withDidKey().build();
    EvidenceStore evidence = new EvidenceStore();
    Credentials.Stage credentials =
        Credentials.verifier(
            resolver, clock, evidence, identity::did, EvidenceStore.DEFAULT_MAX_AGE, false);
    if (evidence
        .offer(statusUrl, statusList, clock.instant(), credentials.statusLists())
        .isPresent()) {
      throw new IllegalStateException("the bench's own status list did not verify");
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "bench-" + workers.size());
              t.setDaemon(true);
              workers.add(t);
              return t;
            });
    try (Nsm nsm = SimulatedNsm.open(SimulationConfig.of(tmp.resolve("state"), artifact))) {
      byte[] document =
          nsm.attestation(
              identity.userData(policy.sha256Hex()), null, identity.encryptionKeySpki());
      PayloadPipeline pipeline =
          new PayloadPipeline(
              policy,
              identity.encryptionPrivateKey(),
              identity.encryptionKid(),
              new DidProducerKeys(resolver, clock),
              credentials.producers(),
              clock);
      EnclaveService service =
          new EnclaveService(
              policy,
              identity,
              nsm,
              pipeline,
              new ResultIssuer(identity, policy, document, random),
              pool,
              evidence,
              new dev.sovereign.enclave.pipeline.FabricEvidence(policy, clock, random),
              clock);
      List<Result> results = new ArrayList<>();
      for (int records : sizes) {
        int count = records == 100 ? 512 : 1024;
        log.printf(
            "bench: %d payloads of %d record(s) per round, %d threads%n", count, records, threads);
        List<String> claims =
            build(pool, identity, producer, credential, accreditation, records, count, now);
        List<Opened> opened = prepare(pool, identity, claims);
        // warm-up, which also estimates how many payloads the measured slices will need
        double estimate =
            runSlices(
                pool,
                service,
                policy,
                identity,
                claims.subList(0, Math.min(claims.size(), 2 * BATCH)),
                opened,
                1,
                Duration.ofSeconds(1))[0];
        int needed =
            (int) Math.min(50_000, Math.ceil(estimate * 2 * measure.toNanos() / 1e9) + BATCH);
        List<String> all = new ArrayList<>();
        while (all.size() < needed) {
          all.addAll(claims);
        }
        double[] rates =
            runSlices(
                pool, service, policy, identity, all.subList(0, needed), opened, SLICES, measure);
        double pipelineRate = rates[0];
        double ceilingRate = rates[1];
        Double nativeRate = Double.isNaN(rates[2]) ? null : rates[2];
        String name = "enclave.payloads." + records + (records == 1 ? "-record" : "-records");
        Result r =
            new Result(
                name,
                round1(pipelineRate),
                "payloads/s",
                round1(ceilingRate),
                Math.round(pipelineRate / ceilingRate * 1000) / 1000.0,
                Crypto.system().backend().id(),
                nativeRate == null ? null : round1(nativeRate),
                nativeRate == null ? null : Math.round(pipelineRate / nativeRate * 1000) / 1000.0);
        log.printf(
            "bench: %s %.1f payloads/s, ceiling %.1f, ratio %.3f, native ceiling %s, native ratio"
                + " %s (provider %s)%n",
            name,
            r.value(),
            r.ceiling(),
            r.ratio(),
            r.nativeCeiling(),
            r.nativeRatio(),
            r.provider());
        results.add(r);
        if (records == 100) {
          // the same run: bounding (and the aggregation it guards) plus noise, per payload,
          // against the pipeline's CPU time per payload
          double pipelineMicros = threads * 1e6 / pipelineRate;
          double privacyMicros = privacyMicros(policy.dataset(DATASET).orElseThrow(), records);
          Result p =
              new Result(
                  "enclave.privacy.bounding-and-noise-" + records + "-records",
                  Math.round(privacyMicros * 100) / 100.0,
                  "us/payload",
                  Math.round(pipelineMicros * 100) / 100.0,
                  Math.round(privacyMicros / pipelineMicros * 10000) / 10000.0,
                  Crypto.system().backend().id(),
                  null,
                  null);
          log.printf(
              "bench: %s %.2f us/payload (aggregation included), pipeline %.2f us/payload,"
                  + " ratio %.4f%n",
              p.name(), p.value(), p.ceiling(), p.ratio());
          results.add(p);
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
      try (java.util.stream.Stream<Path> walk = Files.walk(tmp)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // a temporary directory left behind is harmless
      }
    }
  }

  /**
   * CPU microseconds per payload of {@code records} records for the contribution bounding with the
   * aggregation it guards ({@code Aggregator.tryAdd}, 50 producers) plus the noise at close
   * (discrete Laplace, {@code disclose}) amortized over the round: an upper bound of what bounding
   * and noise add to a payload.
   */
  private double privacyMicros(SovereigntyPolicy.Dataset ds, int records) {
    java.util.Random r = new java.util.Random(12);
    List<List<dev.sovereign.enclave.pipeline.ProducerRecord>> payloads = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      List<dev.sovereign.enclave.pipeline.ProducerRecord> recs = new ArrayList<>();
      for (int k = 0; k < records; k++) {
        java.util.TreeMap<String, String> g = new java.util.TreeMap<>();
        g.put("country", List.of("DE", "FR", "NL").get(r.nextInt(3)));
        recs.add(
            new dev.sovereign.enclave.pipeline.ProducerRecord(
                g, "points", java.math.BigDecimal.valueOf(r.nextInt(100_000))));
      }
      payloads.add(recs);
    }
    long best = Long.MAX_VALUE;
    for (int pass = 0; pass < 5; pass++) { // the first passes warm up; the fastest counts
      long t0 = CPU.getCurrentThreadCpuTime();
      dev.sovereign.enclave.round.Aggregator a = new dev.sovereign.enclave.round.Aggregator(ds);
      for (int i = 0; i < payloads.size(); i++) {
        if (!a.tryAdd("did:key:bench-" + (i % 50), payloads.get(i)).accepted()) {
          throw new IllegalStateException("bench records refused by the bounds");
        }
      }
      a.disclose(random);
      best = Math.min(best, CPU.getCurrentThreadCpuTime() - t0);
    }
    return best / 1e3 / payloads.size();
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private List<String> build(
      ExecutorService pool,
      EnclaveIdentity enclave,
      Producer producer,
      String credential,
      String accreditation,
      int records,
      int count,
      Instant now)
      throws Exception {
    ECPublicKey to = enclave.encryptionPublicKey();
    List<Callable<String>> jobs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      jobs.add(
          () -> {
            ObjectNode claims = JSON.createObjectNode();
            claims
                .put("iss", producer.did())
                .put("jti", UUID.randomUUID().toString())
                .put("iat", now.getEpochSecond())
                .put("round", "ROUND")
                .put("dataset", DATASET)
                .put("region", "EU");
            ArrayNode recs = claims.putArray("records");
            java.util.concurrent.ThreadLocalRandom r =
                java.util.concurrent.ThreadLocalRandom.current();
            for (int k = 0; k < records; k++) {
              ObjectNode rec = recs.addObject();
              rec.putObject("group").put("country", List.of("DE", "FR", "NL").get(r.nextInt(3)));
              rec.put("metric", "points").put("value", r.nextInt(100_000));
            }
            claims.putArray("credentials").add(credential).add(accreditation);
            return claims.toString();
          });
    }
    // claims templates: the round id and a fresh jti are filled in when a round is sealed
    List<String> out = new ArrayList<>();
    for (Future<String> f : pool.invokeAll(jobs)) {
      out.add(f.get());
    }
    this.template = new Template(producer, to, enclave.encryptionKid());
    return out;
  }

  private Template template;

  private record Template(Producer producer, ECPublicKey to, String kid) {}

  /** Signs and encrypts the claims (with the round id) into a compact JWE. */
  private String seal(String claims, String round)
      throws JOSEException, CredentialSigner.SigningException {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header =
        b64.encodeToString(
            ("{\"alg\":\"EdDSA\",\"kid\":\""
                    + template.producer().kid()
                    + "\",\"typ\":\"sovereign-payload+jwt\"}")
                .getBytes(StandardCharsets.UTF_8));
    String body =
        b64.encodeToString(
            claims.replace("\"ROUND\"", "\"" + round + "\"").getBytes(StandardCharsets.UTF_8));
    String input = header + "." + body;
    String jws =
        input
            + "."
            + b64.encodeToString(
                template.producer().signer().sign(input.getBytes(StandardCharsets.US_ASCII)));
    JWEObject jwe =
        new JWEObject(
            new JWEHeader.Builder(JWEAlgorithm.ECDH_ES_A256KW, EncryptionMethod.A256GCM)
                .keyID(template.kid())
                .contentType("JWT")
                .customParam("zone", "EU")
                .build(),
            new Payload(jws));
    ECDHEncrypter encrypter = new ECDHEncrypter(template.to());
    encrypter.getJCAContext().setProvider(Crypto.system().provider());
    jwe.encrypt(encrypter);
    return jwe.serialize();
  }

  private final AtomicLong rounds = new AtomicLong();
  private final List<Thread> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static final java.lang.management.ThreadMXBean CPU =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /**
   * CPU time used so far by the pool threads and the calling thread. Rates are payloads per CPU
   * second times the number of threads: on a machine shared with other work (CI, other builds) wall
   * time measures the neighbours, CPU time measures us.
   */
  private long cpuNanos() {
    long sum = CPU.getCurrentThreadCpuTime();
    for (Thread t : workers) {
      long c = CPU.getThreadCpuTime(t.getId());
      if (c > 0) {
        sum += c;
      }
    }
    return sum;
  }

  /**
   * Pipeline and ceiling alternate in this many slices each, so load from elsewhere hits both
   * alike.
   */
  private static final int SLICES = 10;

  /**
   * Seals {@code claims} for one fresh round (outside any measured time), then alternates {@code
   * slices} pipeline slices (submitting the next batches of that round) with as many ceiling
   * slices, {@code duration / slices} each. Returns {pipeline rate, ceiling rate}.
   */
  private double[] runSlices(
      ExecutorService pool,
      EnclaveService service,
      SovereigntyPolicy policy,
      EnclaveIdentity identity,
      List<String> claims,
      List<Opened> opened,
      int slices,
      Duration duration)
      throws Exception {
    String round = "bench-" + rounds.incrementAndGet();
    List<Callable<String>> sealing = new ArrayList<>();
    for (String c : claims) {
      sealing.add(
          () ->
              seal(
                  c.replaceFirst("\"jti\":\"[^\"]*\"", "\"jti\":\"" + UUID.randomUUID() + "\""),
                  round));
    }
    List<String> payloads = new ArrayList<>();
    for (Future<String> f : pool.invokeAll(sealing)) {
      payloads.add(f.get());
    }
    Message.Response open =
        service.handle(new Message.OpenRound(round, DATASET, policy.sha256Hex()));
    if (!(open instanceof Message.RoundOpened)) {
      throw new IllegalStateException("bench round refused: " + open);
    }
    Duration slice = duration.dividedBy(slices);
    long accepted = 0;
    long pipelineNanos = 0;
    double ceilingOps = 0;
    double ceilingSeconds = 0;
    double nativeOps = 0;
    double nativeSeconds = 0;
    Crypto used = Crypto.system();
    Crypto nativeCrypto = Crypto.awsLc().orElse(null);
    int next = 0;
    for (int s = 0; s < slices; s++) {
      long t0 = System.nanoTime();
      long cpu0 = cpuNanos();
      while (next < payloads.size() && System.nanoTime() - t0 < slice.toNanos()) {
        List<String> batch = payloads.subList(next, Math.min(payloads.size(), next + BATCH));
        next += batch.size();
        Message.Response r = service.handle(new Message.SubmitPayloads(round, batch));
        if (!(r instanceof Message.PayloadVerdicts v)) {
          throw new IllegalStateException("bench submit refused: " + r);
        }
        for (Message.Verdict verdict : v.verdicts()) {
          if (!"accepted".equals(verdict.outcome())) {
            throw new IllegalStateException("bench payload rejected: " + verdict.reason());
          }
          accepted++;
        }
      }
      pipelineNanos += cpuNanos() - cpu0;
      long cpu1 = cpuNanos();
      long ops = ceilingOps(used, pool, identity, opened, slice);
      ceilingOps += ops;
      ceilingSeconds += (cpuNanos() - cpu1) / 1e9;
      if (nativeCrypto != null && nativeCrypto != used) {
        long cpu2 = cpuNanos();
        nativeOps += ceilingOps(nativeCrypto, pool, identity, opened, slice);
        nativeSeconds += (cpuNanos() - cpu2) / 1e9;
      }
    }
    service.handle(new Message.CloseRound(round));
    double ceiling = threads * ceilingOps / ceilingSeconds;
    double nativeCeiling =
        nativeCrypto == null
            ? Double.NaN
            : nativeCrypto == used ? ceiling : threads * nativeOps / nativeSeconds;
    return new double[] {threads * accepted / (pipelineNanos / 1e9), ceiling, nativeCeiling};
  }

  /** The cryptographic parts of one payload, parsed ahead so the ceiling measures crypto only. */
  private record Opened(
      PublicKey epk,
      byte[] encryptedKey,
      byte[] iv,
      byte[] ciphertextAndTag,
      byte[] aad,
      PublicKey signer,
      byte[] signingInput,
      byte[] signature) {}

  private List<Opened> prepare(ExecutorService pool, EnclaveIdentity enclave, List<String> claims)
      throws Exception {
    List<Callable<Opened>> jobs = new ArrayList<>();
    for (String c : claims) {
      jobs.add(
          () -> {
            String jwe = seal(c, "ceiling");
            String[] p = jwe.split("\\.");
            Base64.Decoder d = Base64.getUrlDecoder();
            JWEObject parsed = JWEObject.parse(jwe);
            ECKey epk = (ECKey) parsed.getHeader().getEphemeralPublicKey();
            parsed.decrypt(
                new com.nimbusds.jose.crypto.ECDHDecrypter(enclave.encryptionPrivateKey()));
            String[] jws = parsed.getPayload().toString().split("\\.");
            PublicKey signer =
                KeyFactory.getInstance("Ed25519")
                    .generatePublic(
                        new X509EncodedKeySpec(
                            DidKey.decode(template.producer().did()).toPublicKey().getEncoded()));
            byte[] tagged = concat(d.decode(p[3]), d.decode(p[4]));
            return new Opened(
                epk.toECPublicKey(),
                d.decode(p[1]),
                d.decode(p[2]),
                tagged,
                p[0].getBytes(StandardCharsets.US_ASCII),
                signer,
                (jws[0] + "." + jws[1]).getBytes(StandardCharsets.US_ASCII),
                d.decode(jws[2]));
          });
    }
    List<Opened> out = new ArrayList<>();
    for (Future<Opened> f : pool.invokeAll(jobs)) {
      out.add(f.get());
    }
    return out;
  }

  private long ceilingOps(
      Crypto crypto,
      ExecutorService pool,
      EnclaveIdentity enclave,
      List<Opened> opened,
      Duration duration)
      throws Exception {
    java.security.PrivateKey key =
        crypto
            .keyFactory("EC")
            .generatePrivate(
                new java.security.spec.PKCS8EncodedKeySpec(
                    enclave.encryptionPrivateKey().getEncoded()));
    long deadline = System.nanoTime() + duration.toNanos();
    AtomicLong done = new AtomicLong();
    List<Callable<Void>> jobs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int offset = t;
      jobs.add(
          () -> {
            for (int i = offset; System.nanoTime() < deadline; i += threads) {
              ceilingOnce(crypto, key, opened.get(i % opened.size()));
              done.incrementAndGet();
            }
            return null;
          });
    }
    for (Future<Void> f : pool.invokeAll(jobs)) {
      f.get();
    }
    return done.get();
  }

  /**
   * ECDH (from the epk's coordinates, as a payload brings them) + Concat KDF (RFC 7518 4.6.2) + AES
   * key unwrap + AES-256-GCM + Ed25519, nothing else, each from {@code crypto}'s provider.
   */
  private static void ceilingOnce(Crypto crypto, java.security.PrivateKey key, Opened o)
      throws GeneralSecurityException {
    java.security.interfaces.ECPublicKey epk = (java.security.interfaces.ECPublicKey) o.epk();
    PublicKey peer =
        crypto
            .keyFactory("EC")
            .generatePublic(new java.security.spec.ECPublicKeySpec(epk.getW(), epk.getParams()));
    KeyAgreement ka = crypto.keyAgreement("ECDH");
    ka.init(key);
    ka.doPhase(peer, true);
    byte[] z = ka.generateSecret();
    MessageDigest sha = crypto.digest("SHA-256");
    sha.update(new byte[] {0, 0, 0, 1});
    sha.update(z);
    byte[] alg = "ECDH-ES+A256KW".getBytes(StandardCharsets.US_ASCII);
    sha.update(new byte[] {0, 0, 0, (byte) alg.length});
    sha.update(alg);
    sha.update(new byte[8]); // empty apu and apv
    sha.update(new byte[] {0, 0, 1, 0}); // keydatalen 256
    SecretKey kek = new SecretKeySpec(sha.digest(), "AES");
    Cipher kw = crypto.cipher("AESWrap");
    kw.init(Cipher.UNWRAP_MODE, kek);
    SecretKey cek = (SecretKey) kw.unwrap(o.encryptedKey(), "AES", Cipher.SECRET_KEY);
    Cipher gcm = crypto.cipher("AES/GCM/NoPadding");
    gcm.init(Cipher.DECRYPT_MODE, cek, new GCMParameterSpec(128, o.iv()));
    gcm.updateAAD(o.aad());
    gcm.doFinal(o.ciphertextAndTag());
    if (!crypto.verifyEd25519(o.signer(), o.signingInput(), o.signature())) {
      throw new IllegalStateException("ceiling payload signature did not verify");
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
