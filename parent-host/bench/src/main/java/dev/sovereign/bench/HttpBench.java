package dev.sovereign.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sovereign.demo.DemoContext;
import dev.sovereign.demo.DemoStep;
import dev.sovereign.demo.DemoSteps;
import dev.sovereign.demo.DemoWorld;
import dev.sovereign.producer.HostClient;
import dev.sovereign.producer.Payloads;
import dev.sovereign.producer.Records;
import dev.sovereign.producer.Submission;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * End to end through HTTP: the packaged host ({@code quarkus-run.jar}) with its dev enclave,
 * started by the demo's own steps (world, policy, host, attestation check, round), then {@code
 * producers} concurrent producers submit pre-built payloads of {@code records} records each, and
 * the run ends when the enclave's verdict on every payload shows in {@code GET /v1/rounds/{id}}
 * counts. Reports payloads per second end to end (wall clock, and per CPU second of the host and
 * enclave processes times the core count, the same normalisation as the enclave-only rate) next to
 * the enclave-only rate of the same run as the ceiling, and the latency percentiles of the 202.
 */
public final class HttpBench {
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(300);

  private final Path hostApp;
  private final Path enclaveJar;
  private final int producers;
  private final int payloads;
  private final int records;
  private final int warmup;
  private final PrintStream log;

  /** Null: every process may run on every core. */
  private final CpuSplit split;

  /** {@code warmup}: payloads submitted and settled before the clock starts. */
  public HttpBench(
      Path hostApp,
      Path enclaveJar,
      int producers,
      int payloads,
      int records,
      int warmup,
      PrintStream log) {
    this(hostApp, enclaveJar, producers, payloads, records, warmup, log, null);
  }

  /**
   * As above; with {@code split}, the enclave process runs alone on its cores and the host on the
   * others.
   */
  public HttpBench(
      Path hostApp,
      Path enclaveJar,
      int producers,
      int payloads,
      int records,
      int warmup,
      PrintStream log,
      CpuSplit split) {
    this.split = split;
    this.hostApp = hostApp;
    this.enclaveJar = enclaveJar;
    this.producers = producers;
    this.payloads = payloads;
    this.records = records;
    this.warmup = warmup;
    this.log = log;
  }

  /**
   * The default warm-up: as many payloads as are measured (at least 200), so both JITs settle
   * first.
   */
  public static int defaultWarmup(int payloads) {
    return Math.max(200, payloads);
  }

  /**
   * {@code enclaveOnly}: the enclave pipeline's rate for payloads of the same size, measured in
   * this run.
   */
  public List<BenchFigure> run(double enclaveOnly) throws Exception {
    Path work = Files.createTempDirectory("sovereign-bench-http");
    Path out = Files.createDirectories(work.resolve("evidence"));
    Path jar =
        Files.copy(
            enclaveJar,
            Files.createDirectories(work.resolve("enclave")).resolve("sovereign-enclave.jar"),
            StandardCopyOption.REPLACE_EXISTING);
    PrintWriter narration = new PrintWriter(log, true);
    DemoContext ctx =
        new DemoContext(out, work, jar.toAbsolutePath(), hostApp.toAbsolutePath(), narration);
    // the benchmark's producers all come from 127.0.0.1: lift the per-client limit, use the host's
    // default batch.
    // The host JVM keeps the demo's C1-only compilation: with C2 the host's JIT compiled Quarkus,
    // Netty and
    // SQLite paths all through a 3000-payload run (about 0.9 ms CPU per payload,
    // docs/benchmarks.md)
    ctx.hostJvmArgs()
        .addAll(
            List.of(
                "-Dsovereign.host.rate-per-client=1000000",
                "-Dsovereign.host.burst-per-client=1000000",
                "-Dsovereign.host.enclave.batch=64"));
    // profiling hooks (docs/benchmarks.md): extra JVM options for the host and for its enclave
    // child
    String hostExtra = System.getProperty("sovereign.bench.host-jvm-args", "").trim();
    if (!hostExtra.isEmpty()) {
      ctx.hostJvmArgs().addAll(List.of(hostExtra.split("\\s+")));
    }
    String enclaveExtra = System.getProperty("sovereign.bench.enclave-jvm-args", "").trim();
    if (!enclaveExtra.isEmpty()) {
      ctx.hostJvmArgs().add("-Dsovereign.launcher.enclave-jvm-args=" + enclaveExtra);
    }
    // every bench payload must be accepted: the policy lets a producer send all of them in one
    // round (surplus records beyond the group bound are left out, not refused)
    ctx.producerBounds(
        new DemoContext.ProducerBounds(
            Math.min(1_000_000, warmup + payloads),
            (int) Math.min(1_000_000L, (long) (warmup + payloads) * records),
            true));
    try {
      for (DemoStep step : DemoSteps.all()) {
        if (List.of("build-world", "write-policy", "start-host", "producer-verifies", "open-round")
            .contains(step.name())) {
          log.println("bench: http: " + step.name());
          step.run(ctx);
        }
      }
      if (split != null) {
        long enclavePid =
            ctx.host()
                .enclave(ctx.enclaveJar())
                .orElseThrow(
                    () -> new IllegalStateException("the host's enclave process was not found"))
                .pid();
        split.pinToEnclaveSide(enclavePid);
        split.pinToHostSide(ctx.host().pid());
        log.printf(
            "bench: http: pinned: enclave process on CPU %s, host and producers on CPU %s%n",
            split.enclaveCpus(), split.hostCpus());
      }
      DemoWorld.Producer p = ctx.world().producer("eu-grocer");
      log.printf("bench: http: building %d payloads of %d records%n", warmup + payloads, records);
      List<String> built = build(ctx, p, warmup + payloads);
      HostClient poll = HostClient.of(ctx.host().base());
      submit(ctx, built.subList(0, warmup));
      settle(poll, ctx.round(), warmup);

      ProcessHandle host = ProcessHandle.of(ctx.host().pid()).orElseThrow();
      Optional<ProcessHandle> enclave = ctx.host().enclave(ctx.enclaveJar());
      if (enclave.isEmpty()) {
        throw new IllegalStateException("the host's enclave process was not found");
      }
      log.printf("bench: http: %d producers submitting %d payloads%n", producers, payloads);
      ProcessHandle self = ProcessHandle.current();
      long host0 = cpu(host);
      long enclave0 = cpu(enclave.get());
      long client0 = cpu(self);
      long t0 = System.nanoTime();
      long[] latencies = submit(ctx, built.subList(warmup, built.size()));
      settle(poll, ctx.round(), warmup + payloads);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double hostMs = (cpu(host) - host0) / 1e6 / payloads;
      double enclaveMs = (cpu(enclave.get()) - enclave0) / 1e6 / payloads;
      double clientMs = (cpu(self) - client0) / 1e6 / payloads;
      double cpuSeconds = (hostMs + enclaveMs) * payloads / 1e3;
      // the normalisation of the enclave-only figure: its thread count (1 core when pinned)
      int cores = split != null ? split.enclaveCores() : Runtime.getRuntime().availableProcessors();
      double wallRate = payloads / seconds;
      double cpuRate = cores * payloads / cpuSeconds;
      Arrays.sort(latencies);
      String size = records == 1 ? "1-record" : records + "-records";
      List<BenchFigure> figures = new ArrayList<>();
      String ceilingNote =
          "ceiling: enclave-only pipeline rate, "
              + size
              + ", same run (CPU time x threads)"
              + (split != null
                  ? "; pinned: enclave side alone on CPU "
                      + split.enclaveCpus()
                      + ", host and producers on CPU "
                      + split.hostCpus()
                  : "");
      figures.add(
          BenchFigure.rate(
              "http.payloads." + size + ".wall",
              wallRate,
              "payloads/s",
              enclaveOnly,
              ceilingNote
                  + "; value: wall clock from first submit to the last verdict, "
                  + producers
                  + " producers, "
                  + payloads
                  + " payloads, producers on the same machine"));
      String perPayload =
          String.format(
              java.util.Locale.ROOT,
              " (CPU per payload: host %.2f ms, enclave process %.2f ms, benchmark client %.2f ms)",
              hostMs,
              enclaveMs,
              clientMs);
      figures.add(
          BenchFigure.rate(
              "http.payloads." + size + ".cpu",
              cpuRate,
              "payloads/s",
              enclaveOnly,
              ceilingNote
                  + "; value: "
                  + cores
                  + " cores x payloads / CPU seconds of the host and enclave processes"
                  + perPayload));
      // each process on its own: the rate it would sustain alone on all cores (the other on cores
      // of its own)
      figures.add(
          BenchFigure.rate(
              "http.payloads." + size + ".enclave-process",
              cores * 1e3 / enclaveMs,
              "payloads/s",
              enclaveOnly,
              ceilingNote
                  + "; value: "
                  + cores
                  + " cores / CPU per payload of the enclave process alone"
                  + " (framing, link, replay state, its own JIT and GC; the host and client not counted)"
                  + perPayload));
      figures.add(
          BenchFigure.rate(
              "http.payloads." + size + ".host-process",
              cores * 1e3 / hostMs,
              "payloads/s",
              enclaveOnly,
              ceilingNote
                  + "; value: "
                  + cores
                  + " cores / CPU per payload of the host process alone"
                  + " (HTTP, durable inbox, forwarder, audit; the enclave and client not counted)"
                  + perPayload));
      for (int q : new int[] {50, 95, 99}) {
        double ms =
            latencies[
                    Math.min(
                        latencies.length - 1, (int) Math.ceil(q / 100.0 * latencies.length) - 1)]
                / 1e6;
        figures.add(
            BenchFigure.without(
                "http.submit.latency.p" + q,
                ms,
                "ms",
                "no ceiling: time to the 202 (ciphertext durably stored), "
                    + producers
                    + " concurrent producers"));
      }
      log.printf(
          "bench: http: %.1f payloads/s wall (%.1f s), %.1f per CPU-normalised second (host %.2f ms, enclave"
              + " %.2f ms, client %.2f ms CPU per payload); enclave-only %.1f%n",
          wallRate, seconds, cpuRate, hostMs, enclaveMs, clientMs, enclaveOnly);
      return figures;
    } finally {
      if (ctx.host() != null) {
        ctx.host().close();
      }
      DidBench.deleteTree(work);
    }
  }

  private static long cpu(ProcessHandle p) {
    return p.info()
        .totalCpuDuration()
        .map(Duration::toNanos)
        .orElseThrow(() -> new IllegalStateException("no CPU time for process " + p.pid()));
  }

  private List<String> build(DemoContext ctx, DemoWorld.Producer p, int count) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    try {
      List<Future<String>> jobs = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        jobs.add(
            pool.submit(
                () -> {
                  StringBuilder csv = new StringBuilder("country,metric,value\n");
                  ThreadLocalRandom r = ThreadLocalRandom.current();
                  for (int k = 0; k < records; k++) {
                    csv.append(r.nextBoolean() ? "DE" : "FR")
                        .append(",points,")
                        .append(r.nextInt(1000))
                        .append('\n');
                  }
                  ArrayNode recs = Records.csv(csv.toString());
                  return Payloads.build(
                      p.identity(),
                      ctx.enclave(),
                      p.zone(),
                      Payloads.Contents.of(
                          ctx.round(), DemoWorld.DATASET, p.zone(), recs, p.credentials()));
                }));
      }
      List<String> out = new ArrayList<>(count);
      for (Future<String> f : jobs) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Submits {@code jwes} from {@link #producers} threads; returns each 202's latency in
   * nanoseconds.
   */
  private long[] submit(DemoContext ctx, List<String> jwes) throws Exception {
    long[] latencies = new long[jwes.size()];
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    try {
      List<Future<Void>> jobs = new ArrayList<>();
      for (int t = 0; t < producers; t++) {
        jobs.add(
            pool.submit(
                () -> {
                  HostClient client = HostClient.of(ctx.host().base());
                  for (int i = next.getAndIncrement();
                      i < jwes.size();
                      i = next.getAndIncrement()) {
                    long s = System.nanoTime();
                    Submission.Outcome o = Submission.submit(client, ctx.round(), jwes.get(i));
                    latencies[i] = System.nanoTime() - s;
                    if (!o.stored()) {
                      throw new IllegalStateException(
                          "the host answered " + o.httpStatus() + " " + o.code());
                    }
                  }
                  return null;
                }));
      }
      for (Future<Void> f : jobs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return latencies;
  }

  /** Polls the round until {@code total} payloads have a verdict; every one must be accepted. */
  private static void settle(HostClient poll, String round, long total) throws Exception {
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    while (true) {
      HostClient.Answer a = poll.round(round);
      if (a.status() != 200 || a.json() == null) {
        throw new IllegalStateException("GET /v1/rounds/" + round + " answered " + a.status());
      }
      JsonNode counts = a.json().path("counts");
      long sum = 0;
      for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) counts::fields) {
        sum += e.getValue().asLong();
      }
      long pending = counts.path("pending").asLong(0);
      if (sum >= total && pending == 0) {
        if (counts.path("accepted").asLong() != total) {
          throw new IllegalStateException("not every benchmark payload was accepted: " + counts);
        }
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no verdict on every payload within " + SETTLE_TIMEOUT.toSeconds() + " s: " + counts);
      }
      Thread.sleep(20);
    }
  }
}
