package dev.sovereign.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sovereign.demo.DemoContext;
import dev.sovereign.demo.DemoStep;
import dev.sovereign.demo.DemoSteps;
import dev.sovereign.demo.DemoWorld;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.producer.HostClient;
import dev.sovereign.producer.Payloads;
import dev.sovereign.producer.Records;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * End to end through HTTP: the packaged host ({@code quarkus-run.jar}) with its dev enclave,
 * started by the demo's own steps (world, policy, host, attestation check, round), then {@code
 * producers} concurrent producers submit pre-built payloads of {@code records} records each (as
 * pre-serialised HTTP/1.1 requests on keep-alive sockets, {@link SubmitLoad}), and the run ends
 * when the enclave's verdict on every payload shows in {@code GET /v1/rounds/{id}} counts. Reports
 * payloads per second end to end (wall clock, and per CPU second of the host and enclave processes
 * times the core count) and the host's CPU per payload, each against the same enclave process fed
 * the same kind of payloads (the same producer, credentials and evidence, from the same pre-built
 * set) straight on its socket just before and just after the HTTP run, and the latency percentiles
 * of the 202.
 */
public final class HttpBench {
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(300);

  /** The demo world's producer every benchmark payload comes from (a did:fabric DID). */
  static final String PRODUCER = "eu-grocer";

  /** Payloads per request straight to the enclave: the host's default batch. */
  static final int DIRECT_BATCH = 64;

  /**
   * Connections feeding the enclave straight at once, so that its core is busy while one batch's
   * answer travels back.
   */
  static final int DIRECT_CONNECTIONS = 2;

  /**
   * The enclave's JIT has settled when its compiler threads took at most this share of the enclave
   * process's CPU in a warm-up round.
   */
  static final double SETTLED_COMPILER_SHARE = 0.10;

  /** Warm-up rounds at most before measuring anyway (the log says the JIT had not settled). */
  static final int MAX_SETTLE_ROUNDS = 20;

  private final Path hostApp;
  private final Path enclaveJar;
  private final int producers;
  private final int payloads;
  private final int records;
  private final int warmup;
  private final PrintStream log;

  /** Null: every process may run on every core. */
  private final CpuSplit split;

  /**
   * Payloads per HTTP request: 1 sends each as its own {@code POST /v1/rounds/{round}/payloads};
   * more sends {@code POST /v1/rounds/{round}/payloads/batch} of up to this many.
   */
  private final int batch;

  /**
   * The {@code --http-batch} default: payloads per request (the host's own frame to its enclave).
   */
  public static final int DEFAULT_BATCH = 64;

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
    this(hostApp, enclaveJar, producers, payloads, records, warmup, log, split, 1);
  }

  /** As above, with {@code batch} payloads per HTTP request (1: one request per payload). */
  public HttpBench(
      Path hostApp,
      Path enclaveJar,
      int producers,
      int payloads,
      int records,
      int warmup,
      PrintStream log,
      CpuSplit split,
      int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch " + batch);
    }
    this.batch = batch;
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
   * The default warm-up: as many payloads as are measured (at least 200), then rounds of as many
   * again until the enclave's JIT has settled ({@link #SETTLED_COMPILER_SHARE}).
   */
  public static int defaultWarmup(int payloads) {
    return Math.max(200, payloads);
  }

  /**
   * {@code enclaveOnly}: the enclave pipeline's rate in the bench process for payloads of the same
   * size from did:key producers, measured in this run (reported beside the HTTP figures' own
   * ceiling, which is the same enclave process fed this run's payloads straight).
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
                "-Dsovereign.host.enclave.batch=64",
                "-Dsovereign.host.max-batch-payloads=" + Math.max(128, batch)));
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
    int chunk = settleChunk(warmup);
    long most = warmup + (long) MAX_SETTLE_ROUNDS * chunk + 3L * payloads;
    ctx.producerBounds(
        new DemoContext.ProducerBounds(
            (int) Math.min(1_000_000L, most), (int) Math.min(1_000_000L, most * records), true));
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
      DemoWorld.Producer p = ctx.world().producer(PRODUCER);
      // the warm-up, then the enclave alone on this run's payloads, the measured HTTP run, and the
      // enclave alone again: the same producer, credentials and evidence, the same enclave process
      log.printf(
          "bench: http: building %d payloads of %d records (warm-up %d, HTTP %d, twice %d straight"
              + " to the enclave)%n",
          warmup + 3 * payloads, records, warmup, payloads, payloads);
      List<String> built = build(ctx, p, warmup + 3 * payloads);
      log.printf(
          "bench: http: a payload (compact JWE) is %.0f bytes on average%n",
          built.stream().mapToInt(String::length).average().orElse(0));
      HostClient poll = HostClient.of(ctx.host().base());
      // the producers: requests serialised now, before any clock, sent on keep-alive sockets and
      // every answer checked (SubmitLoad); the warm-up runs the same code as the measured part
      SubmitLoad load = new SubmitLoad(ctx.host().base(), ctx.round(), producers, batch);
      SubmitLoad.Prepared warming = load.prepare(built.subList(0, warmup));
      SubmitLoad.Prepared measured =
          load.prepare(built.subList(warmup + payloads, warmup + 2 * payloads));
      load.run(warming);
      settle(poll, ctx.round(), warmup);

      ProcessHandle host = ProcessHandle.of(ctx.host().pid()).orElseThrow();
      ProcessHandle enclave =
          ctx.host()
              .enclave(ctx.enclaveJar())
              .orElseThrow(
                  () -> new IllegalStateException("the host's enclave process was not found"));
      Path socket = enclaveSocket(enclave);
      long viaHost = settleJit(ctx, p, load, poll, socket, enclave, warmup, chunk);
      int from = warmup;
      Direct before = direct(socket, ctx.round(), built.subList(from, from + payloads), enclave);
      from += payloads;
      log.printf(
          "bench: http: straight to the enclave: %.1f payloads/s (enclave process %.2f ms CPU per"
              + " payload, %.2f of it its JIT compiler)%n",
          before.rate(), before.enclaveMs(), before.compilerMs());

      log.printf(
          "bench: http: %d producers submitting %d payloads (%s)%n",
          producers, payloads, submitMode());
      ProcessHandle self = ProcessHandle.current();
      LinkTime link0 = linkTime(ctx.host().base());
      long host0 = cpu(host);
      long enclave0 = cpu(enclave);
      long client0 = cpu(self);
      long hostJit0 = CompilerCpu.nanos(host.pid()).orElse(0);
      long enclaveJit0 = CompilerCpu.nanos(enclave.pid()).orElse(0);
      java.util.Optional<ThreadGroupCpu.Snapshot> threads0 = ThreadGroupCpu.read(host.pid());
      long t0 = System.nanoTime();
      long[] latencies = load.run(measured);
      double submitted = (System.nanoTime() - t0) / 1e9;
      settle(poll, ctx.round(), viaHost + payloads);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double hostMs = (cpu(host) - host0) / 1e6 / payloads;
      Map<String, Double> hostThreadsMs = new java.util.LinkedHashMap<>();
      java.util.Optional<ThreadGroupCpu.Snapshot> threads1 = ThreadGroupCpu.read(host.pid());
      if (threads0.isPresent() && threads1.isPresent()) {
        threads1
            .get()
            .since(threads0.get())
            .forEach((g, ns) -> hostThreadsMs.put(g, ns / 1e6 / payloads));
      }
      double enclaveMs = (cpu(enclave) - enclave0) / 1e6 / payloads;
      double clientMs = (cpu(self) - client0) / 1e6 / payloads;
      double hostJitMs =
          Math.max(0, CompilerCpu.nanos(host.pid()).orElse(0) - hostJit0) / 1e6 / payloads;
      double enclaveJitMs =
          Math.max(0, CompilerCpu.nanos(enclave.pid()).orElse(0) - enclaveJit0) / 1e6 / payloads;
      LinkTime link = linkTime(ctx.host().base()).minus(link0);
      log.printf(
          "bench: http: the forwarder's SubmitPayloads in the HTTP run: %.0f round trips (%.1f"
              + " payloads each), waiting on the enclave %.0f%% of the wall clock%n",
          link.count(),
          link.count() > 0 ? payloads / link.count() : 0.0,
          100 * link.seconds() / seconds);
      from += payloads;

      Direct after = direct(socket, ctx.round(), built.subList(from, from + payloads), enclave);
      log.printf(
          "bench: http: straight to the enclave again: %.1f payloads/s (enclave process %.2f ms CPU"
              + " per payload, %.2f of it its JIT compiler)%n",
          after.rate(), after.enclaveMs(), after.compilerMs());
      double cpuSeconds = (hostMs + enclaveMs) * payloads / 1e3;
      // the normalisation of the enclave-only figure: its thread count (1 core when pinned)
      int cores = split != null ? split.enclaveCores() : Runtime.getRuntime().availableProcessors();
      double wallRate = payloads / seconds;
      double cpuRate = cores * payloads / cpuSeconds;
      // the two ceilings: the enclave fed straight, by wall clock (for the wall figure) and per CPU
      // second of the enclave process (for the CPU-normalised figures); the better of the two runs
      double wallCeiling = Math.max(before.rate(), after.rate());
      double directMs = Math.min(before.enclaveMs(), after.enclaveMs());
      double cpuCeiling = cores * 1e3 / directMs;
      Arrays.sort(latencies);
      String size = records == 1 ? "1-record" : records + "-records";
      List<BenchFigure> figures = new ArrayList<>();
      String ceilingNote =
          String.format(
                  java.util.Locale.ROOT,
                  "ceiling: the same enclave process alone, same run, same kind of payloads (%s,"
                      + " its did:fabric evidence and credentials, %d records), %d payloads in"
                      + " batches of %d on %d connections straight to its socket just before and"
                      + " just after the HTTP run (%.1f and %.1f payloads/s wall, %.2f and %.2f ms"
                      + " of the enclave process's CPU per payload)",
                  PRODUCER,
                  records,
                  payloads,
                  DIRECT_BATCH,
                  DIRECT_CONNECTIONS,
                  before.rate(),
                  after.rate(),
                  before.enclaveMs(),
                  after.enclaveMs())
              + (split != null
                  ? "; pinned: enclave process alone on CPU "
                      + split.enclaveCpus()
                      + ", host and producers on CPU "
                      + split.hostCpus()
                  : "");
      String wallNote = ceilingNote + ", the faster wall clock of the two";
      String cpuNote =
          ceilingNote
              + ", "
              + cores
              + " cores / the lower CPU per payload of the two ("
              + cores
              + " x 1000 / ms)";
      figures.add(
          BenchFigure.rate(
              "http.payloads." + size + ".wall",
              wallRate,
              "payloads/s",
              wallCeiling,
              wallNote
                  + "; value: wall clock from first submit to the last verdict, "
                  + producers
                  + " producers, "
                  + payloads
                  + " payloads, producers on the same machine ("
                  + (split != null ? "on the host's CPU " + split.hostCpus() + ", " : "")
                  + "pre-serialised HTTP/1.1 requests on keep-alive sockets, one in flight per"
                  + " socket, every answer checked: each payload's own id stored; "
                  + submitMode()
                  + ")"));
      String perPayload =
          String.format(
              java.util.Locale.ROOT,
              " (CPU per payload: host %.2f ms, enclave process %.2f ms, benchmark client (producers"
                  + " and round polls) %.2f ms; the enclave process fed straight %.2f ms; of these,"
                  + " JIT compiler threads: host %.2f ms, enclave %.2f ms in the HTTP run, %.2f and"
                  + " %.2f ms fed straight)",
              hostMs,
              enclaveMs,
              clientMs,
              directMs,
              hostJitMs,
              enclaveJitMs,
              before.compilerMs(),
              after.compilerMs());
      figures.add(
          BenchFigure.rate(
              "http.payloads." + size + ".cpu",
              cpuRate,
              "payloads/s",
              cpuCeiling,
              cpuNote
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
              cpuCeiling,
              cpuNote
                  + "; value: "
                  + cores
                  + " cores / CPU per payload of the enclave process in the HTTP run"
                  + " (framing, link, replay state, seals, its own JIT and GC; the host and client"
                  + " not counted)"
                  + perPayload));
      figures.add(
          BenchFigure.rate(
              "http.payloads." + size + ".host-process",
              cores * 1e3 / hostMs,
              "payloads/s",
              cpuCeiling,
              cpuNote
                  + "; value: "
                  + cores
                  + " cores / CPU per payload of the host process alone"
                  + " (HTTP, durable inbox, forwarder, audit; the enclave and client not counted)"
                  + perPayload));
      figures.add(
          BenchFigure.time(
              "http.payloads." + size + ".host-cpu-per-payload",
              hostMs,
              directMs,
              "value: the host process's CPU ms per payload in the HTTP run (HTTP, durable inbox,"
                  + " forwarder, audit, seals); ceiling: the enclave process's CPU ms per payload"
                  + " fed straight (same run, same kind of payloads, the lower of the two runs);"
                  + " ratio = ceiling / value, >= 1: the host keeps up with the enclave on a core"
                  + " of its own"
                  + perPayload));
      figures.add(
          BenchFigure.rate(
              "http.payloads." + size + ".enclave-direct",
              cpuCeiling,
              "payloads/s",
              enclaveOnly,
              "value: the CPU-normalised ceiling of the HTTP figures ("
                  + cores
                  + " cores x 1000 / the enclave process's CPU ms per payload fed straight, "
                  + PRODUCER
                  + ", did:fabric); ceiling: enclave.payloads."
                  + size
                  + " of the same run, the pipeline in the bench process with did:key producers"
                  + " (other work: no did:fabric evidence, no process, framing or socket)"));
      // the host's CPU per payload by thread group (/proc), beside the process's figure above
      for (Map.Entry<String, Double> e : hostThreadsMs.entrySet()) {
        figures.add(
            BenchFigure.without(
                "http.payloads." + size + ".host-threads." + e.getKey(),
                e.getValue(),
                "ms",
                "no ceiling: the host process's CPU ms per payload in the HTTP run in its "
                    + e.getKey()
                    + " threads (/proc/PID/task: submit = executor-thread*, event-loop ="
                    + " vert.x-eventloop*, forwarder = sovereign-forwarder, jit = C1/C2 compiler"
                    + " threads, gc = GC/G1 threads, other = the rest; a thread that ended in the"
                    + " run is not counted)"));
      }
      figures.add(
          BenchFigure.without(
              "http.submit.batch",
              batch,
              "payloads/request",
              "no ceiling: how the producers submitted: " + submitMode()));
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
                "no ceiling: time to the answer of one request (its ciphertext durably stored: "
                    + (batch == 1
                        ? "the 202 of one payload"
                        : "the 200 of a batch of up to " + batch + " payloads")
                    + "), "
                    + producers
                    + " concurrent producers"));
      }
      if (!hostThreadsMs.isEmpty()) {
        StringBuilder t = new StringBuilder();
        hostThreadsMs.forEach(
            (g, ms) ->
                t.append(t.length() == 0 ? "" : ", ")
                    .append(g)
                    .append(String.format(java.util.Locale.ROOT, " %.3f", ms)));
        log.printf("bench: http: the host's CPU ms per payload by thread group: %s%n", t);
      }
      log.printf(
          "bench: http: %s; %.1f payloads/s wall (%.1f s: the last answer after %.1f s), %.1f per"
              + " CPU-normalised second (host %.2f ms, enclave %.2f ms (its JIT compiler %.2f),"
              + " client %.2f ms CPU per payload); the same enclave fed straight"
              + " %.1f wall (ratio %.3f); did:key in process %.1f%n",
          submitMode(),
          wallRate,
          seconds,
          submitted,
          cpuRate,
          hostMs,
          enclaveMs,
          enclaveJitMs,
          clientMs,
          wallCeiling,
          wallRate / wallCeiling,
          enclaveOnly);
      return figures;
    } finally {
      if (ctx.host() != null) {
        ctx.host().close();
      }
      DidBench.deleteTree(work);
    }
  }

  /** How the producers submit, in words (the log and the figures' notes). */
  private String submitMode() {
    return batch == 1
        ? "one POST /v1/rounds/{round}/payloads per payload (--http-batch 1)"
        : "POST /v1/rounds/{round}/payloads/batch of up to "
            + batch
            + " payloads (--http-batch "
            + batch
            + ")";
  }

  /** The host's SubmitPayloads round trips to the enclave so far: how many, and their seconds. */
  record LinkTime(double count, double seconds) {
    LinkTime minus(LinkTime o) {
      return new LinkTime(count - o.count, seconds - o.seconds);
    }
  }

  /**
   * Reads {@code sovereign_host_enclave_request_seconds} (type {@code SubmitPayloads}, every
   * outcome) from the host's Prometheus endpoint: where the forwarder's time went (a diagnostic in
   * the log, not a figure).
   */
  static LinkTime linkTime(java.net.URI base) throws Exception {
    java.net.http.HttpClient c =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .build();
    java.net.http.HttpResponse<String> r =
        c.send(
            java.net.http.HttpRequest.newBuilder(base.resolve("/q/metrics")).GET().build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    return parseLinkTime(r.statusCode() == 200 ? r.body() : "");
  }

  /** The SubmitPayloads count and seconds in a Prometheus text exposition (0 if absent). */
  static LinkTime parseLinkTime(String metrics) {
    double count = 0;
    double sum = 0;
    for (String line : metrics.split("\n")) {
      if (!line.contains("type=\"SubmitPayloads\"")) {
        continue;
      }
      String value = line.substring(line.lastIndexOf(' ') + 1);
      if (line.startsWith("sovereign_host_enclave_request_seconds_count{")) {
        count += Double.parseDouble(value);
      } else if (line.startsWith("sovereign_host_enclave_request_seconds_sum{")) {
        sum += Double.parseDouble(value);
      }
    }
    return new LinkTime(count, sum);
  }

  /**
   * The enclave process fed straight: payloads per second (wall), its CPU ms per payload and how
   * much of that its JIT compiler threads took.
   */
  record Direct(double rate, double enclaveMs, double compilerMs) {}

  /** Payloads per JIT-settling round: the warm-up's count, at least 200. */
  static int settleChunk(int warmup) {
    return Math.max(200, warmup);
  }

  /**
   * Warms the enclave until its JIT has settled, so that neither side of the HTTP figures' ratio
   * pays for compilation the other does not: rounds of {@code chunk} more payloads, half through
   * the host and half straight to the enclave (the two paths measured next), until the enclave's
   * compiler threads took at most {@link #SETTLED_COMPILER_SHARE} of its CPU in a round, at most
   * {@link #MAX_SETTLE_ROUNDS} rounds (two where {@code /proc} cannot be read). Returns how many
   * payloads went through the host in all (the warm-up's included).
   */
  private long settleJit(
      DemoContext ctx,
      DemoWorld.Producer p,
      SubmitLoad load,
      HostClient poll,
      Path socket,
      ProcessHandle enclave,
      int warmup,
      int chunk)
      throws Exception {
    long viaHost = warmup;
    boolean readable = CompilerCpu.nanos(enclave.pid()).isPresent();
    int rounds = readable ? MAX_SETTLE_ROUNDS : 2;
    for (int round = 1; round <= rounds; round++) {
      List<String> more = build(ctx, p, chunk);
      int half = chunk / 2;
      long cpu0 = cpu(enclave);
      long jit0 = CompilerCpu.nanos(enclave.pid()).orElse(0);
      long t0 = System.nanoTime();
      load.run(load.prepare(more.subList(0, half)));
      viaHost += half;
      settle(poll, ctx.round(), viaHost);
      direct(socket, ctx.round(), more.subList(half, chunk), enclave);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long used = cpu(enclave) - cpu0;
      long jit = Math.max(0, CompilerCpu.nanos(enclave.pid()).orElse(0) - jit0);
      double share = used > 0 ? (double) jit / used : 0;
      log.printf(
          "bench: http: JIT warm-up round %d: %d payloads (%d through the host, %d straight) in %.1f"
              + " s; the enclave's compiler threads %s%n",
          round,
          chunk,
          half,
          chunk - half,
          seconds,
          readable
              ? String.format(
                  java.util.Locale.ROOT,
                  "%.2f of its %.2f ms CPU per payload (%.0f%%)",
                  jit / 1e6 / chunk,
                  used / 1e6 / chunk,
                  100 * share)
              : "not readable here (no /proc)");
      if (readable && share <= SETTLED_COMPILER_SHARE) {
        log.printf(
            "bench: http: the enclave's JIT has settled (at most %.0f%% of its CPU)%n",
            100 * SETTLED_COMPILER_SHARE);
        return viaHost;
      }
    }
    if (readable) {
      log.printf(
          "bench: http: the enclave's JIT had not settled after %d rounds; measuring anyway%n",
          rounds);
    }
    return viaHost;
  }

  /** The unix socket the host's dev launcher told the enclave to listen on. */
  static Path enclaveSocket(ProcessHandle enclave) {
    String[] args =
        enclave
            .info()
            .arguments()
            .orElseThrow(
                () -> new IllegalStateException("no command line for process " + enclave.pid()));
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--listen") && args[i + 1].startsWith("unix:")) {
        return Path.of(args[i + 1].substring("unix:".length()));
      }
    }
    throw new IllegalStateException(
        "the enclave process " + enclave.pid() + " listens on no unix socket");
  }

  /**
   * Submits {@code jwes} straight to the enclave on its socket, as the host's forwarder does
   * ({@code SubmitPayloads} of {@link #DIRECT_BATCH}), from {@link #DIRECT_CONNECTIONS} connections
   * at once; every verdict must be {@code accepted}.
   */
  private static Direct direct(Path socket, String round, List<String> jwes, ProcessHandle enclave)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(DIRECT_CONNECTIONS);
    try {
      long cpu0 = cpu(enclave);
      long jit0 = CompilerCpu.nanos(enclave.pid()).orElse(0);
      long t0 = System.nanoTime();
      List<Future<Void>> jobs = new ArrayList<>();
      for (int c = 0; c < DIRECT_CONNECTIONS; c++) {
        jobs.add(
            pool.submit(
                () -> {
                  try (EnclaveClient client = EnclaveClient.connectUnix(socket)) {
                    // the same request as the host's forwarder sends (evidence relay on, the seal
                    // sequence asked for): the same enclave code, only the host left out
                    for (int i = next.getAndAdd(DIRECT_BATCH);
                        i < jwes.size();
                        i = next.getAndAdd(DIRECT_BATCH)) {
                      List<String> batch = jwes.subList(i, Math.min(jwes.size(), i + DIRECT_BATCH));
                      Message.PayloadVerdicts v =
                          client.call(
                              new Message.SubmitPayloads(round, batch, true, true),
                              Message.PayloadVerdicts.class);
                      if (v.verdicts().size() != batch.size()) {
                        throw new IllegalStateException(
                            batch.size()
                                + " payloads straight to the enclave, "
                                + v.verdicts().size()
                                + " verdicts");
                      }
                      for (Message.Verdict verdict : v.verdicts()) {
                        if (!"accepted".equals(verdict.outcome())) {
                          throw new IllegalStateException(
                              "a payload straight to the enclave was "
                                  + verdict.outcome()
                                  + " "
                                  + verdict.reason());
                        }
                      }
                    }
                  }
                  return null;
                }));
      }
      for (Future<Void> f : jobs) {
        f.get();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long jit = Math.max(0, CompilerCpu.nanos(enclave.pid()).orElse(0) - jit0);
      return new Direct(
          jwes.size() / seconds,
          (cpu(enclave) - cpu0) / 1e6 / jwes.size(),
          jit / 1e6 / jwes.size());
    } finally {
      pool.shutdownNow();
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
