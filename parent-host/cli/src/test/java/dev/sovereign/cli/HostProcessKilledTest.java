package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sovereign.attestation.TrustAnchors;
import dev.sovereign.demo.DemoHost;
import dev.sovereign.demo.DemoWorld;
import dev.sovereign.producer.AttestedEnclave;
import dev.sovereign.producer.EnclaveExpectations;
import dev.sovereign.producer.HostClient;
import dev.sovereign.producer.Payloads;
import dev.sovereign.producer.ProducerIdentity;
import dev.sovereign.producer.Records;
import dev.sovereign.producer.Submission;
import dev.sovereign.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 11's invariant with the host as a real OS process, killed with SIGKILL: <b>a payload the
 * host answered 202 is counted in the signed result or listed in it with a reason code, never lost,
 * never counted twice</b>.
 *
 * <p>{@code ./sovereign host --dev} starts the packaged host ({@code java -jar quarkus-run.jar},
 * the demo's {@link DemoHost}) with its dev launcher's enclave child and the embedded key broker.
 * Producers attest once and send payloads over HTTP. The host process is then killed with SIGKILL
 * (ProcessHandle.destroyForcibly) at a point the test pins by stopping the enclave (SIGSTOP) just
 * before: payloads answered 202 that the forwarder never sent and a batch in flight; a close in
 * flight; a seal ({@code POST /v1/backup}) in flight. After each kill a new host process starts on
 * the same data directory (as an operator or a supervisor would: {@code DemoHost.start}, another
 * port), a producer resends what never got an answer, and the enclave the killed host started must
 * be gone (the dev enclave cannot outlive its host's key broker, docs/sealing.md). At the end every
 * round is closed and the result checked by {@code sovereign verify} as a regulator would, then its
 * input counts against the 202s: every payload is valid, so each must be {@code accepted} exactly
 * once, with no rejection (a double count shows as {@code replay}) and no {@code unauthenticated}
 * payload (one lost with the enclave's keys shows as {@code jwe-kid-mismatch} there). It found that
 * a host killed before its first scheduled seal (30 s) lost every 202 of the round: the enclave's
 * keys were nowhere but in its memory (now sealed when a round opens).
 *
 * <p>The default form kills twice (payloads queued and a batch in flight; a close in flight).
 * {@code -Dsovereign.long=true} adds a seal in flight and six kills at random delays (no SIGSTOP:
 * anywhere in a batch, a seal or the two steps of a close), seeded ({@code -Dsovereign.seed=N}
 * replays the choices; the timing around them is not reproducible).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostProcessKilledTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> NAMES = List.of("eu-bakery", "us-diner", "apac-market");

  private Path tmp;
  private Path dir;
  private Path jar;
  private Path app;
  private HostDevCommand command;
  private Thread running;
  private JsonNode started;
  private String token;
  private DemoHost host;
  private final List<ProcessHandle> enclaves = new ArrayList<>();
  private final List<DemoHost> hosts = new ArrayList<>();
  private final Map<String, Producer> producers = new LinkedHashMap<>();
  private AttestedEnclave attested;

  /** What each round's 202s were (payload ids) and what is still unanswered (payload JWEs). */
  private final Map<String, Set<String>> acknowledged =
      java.util.Collections.synchronizedMap(new TreeMap<>());

  private final Map<String, List<String>> unanswered =
      java.util.Collections.synchronizedMap(new TreeMap<>());

  private record Producer(
      String name, String zone, ProducerIdentity id, ArrayNode records, List<String> credentials) {}

  private static Path artifact(String property, String relative) {
    String p = System.getProperty(property);
    return p != null && !p.isBlank() ? Path.of(p) : Fixtures.projectRoot().resolve(relative);
  }

  @BeforeAll
  void startTheDevelopmentHostAndAttest() throws Exception {
    jar = artifact("sovereign.demo.enclaveJar", "enclave-app/target/sovereign-enclave.jar");
    app = artifact("sovereign.demo.hostApp", "parent-host/host/target/quarkus-app/quarkus-run.jar");
    Assumptions.assumeTrue(
        Files.isRegularFile(jar) && Files.isRegularFile(app),
        "the enclave jar and the packaged host are built before this module's tests");
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux signals");
    tmp = Files.createTempDirectory("sovereign-kill-test");
    dir = tmp.resolve("dev");
    DevHostRun run = DevHostRun.start(dir, jar, app);
    command = run.command();
    running = run.running();
    started = run.started();
    token = Files.readString(Path.of(started.get("adminTokenFile").asText())).strip();
    host = command.host;
    hosts.add(host);
    for (String name : NAMES) {
      Path p = dir.resolve("producers");
      producers.put(
          name,
          new Producer(
              name,
              HostDevCommand.PRODUCERS.get(name),
              ProducerIdentity.read(p.resolve(name + ".identity.json")),
              Records.read(p.resolve(name + ".csv")),
              Files.readAllLines(p.resolve(name + ".credential.jwt")).stream()
                  .filter(l -> !l.isBlank())
                  .toList()));
    }
    attested = Submission.attest(HostClient.of(host.base()), expectations(), new SecureRandom());
  }

  /** What a producer pins: the simulated root, PCR0-2 of this enclave image, the policy hash. */
  private EnclaveExpectations expectations() throws Exception {
    List<String> submit = new ArrayList<>();
    started.get("submit").forEach(n -> submit.add(n.asText()));
    Map<Integer, byte[]> pcrs = new TreeMap<>();
    HexFormat hex = HexFormat.of();
    for (int i = 0; i < submit.size() - 1; i++) {
      if (submit.get(i).equals("--expect-pcr0")) {
        pcrs.put(0, hex.parseHex(submit.get(i + 1)));
      } else if (submit.get(i).equals("--pcr")) {
        String[] kv = submit.get(i + 1).split("=", 2);
        pcrs.put(Integer.parseInt(kv[0]), hex.parseHex(kv[1]));
      }
    }
    return EnclaveExpectations.of(
        TrustAnchors.readPem(
            Files.readString(dir.resolve("simulation-root.pem"), StandardCharsets.US_ASCII)),
        pcrs,
        started.get("policySha256").asText(),
        Duration.ofMinutes(30));
  }

  @AfterAll
  void stop() throws Exception {
    for (DemoHost h : hosts) {
      h.close();
    }
    if (running != null) {
      running.join(30_000);
    }
    for (ProcessHandle e : enclaves) {
      // handles taken while that enclave ran: a handle checks the start time, never another pid
      if (e.isAlive()) {
        e.destroyForcibly();
        e.onExit().get(30, TimeUnit.SECONDS);
      }
    }
    if (tmp != null) {
      try (java.util.stream.Stream<Path> s = Files.walk(tmp)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private HostClient admin() {
    return HostClient.admin(host.base(), token);
  }

  private String payload(Producer p, String round) {
    return Payloads.build(
        p.id(),
        attested,
        p.zone(),
        Payloads.Contents.of(round, DemoWorld.DATASET, p.zone(), p.records(), p.credentials()));
  }

  /** Sends and records a 202; a payload without an answer is kept for the producer to resend. */
  private void send(String round, String jwe) {
    try {
      Submission.Outcome o = Submission.submit(HostClient.of(host.base()), round, jwe);
      if (o.stored()) {
        acknowledged
            .computeIfAbsent(
                round, r -> java.util.Collections.synchronizedSet(new LinkedHashSet<>()))
            .add(o.payloadId());
        return;
      }
      assertTrue(o.httpStatus() >= 500, "a valid payload refused: " + o.httpStatus() + o.code());
    } catch (HostClient.UnreachableException e) {
      // killed before it answered
    }
    unanswered
        .computeIfAbsent(round, r -> java.util.Collections.synchronizedList(new ArrayList<>()))
        .add(jwe);
  }

  private void open(String round) throws Exception {
    assertEquals(201, admin().openRound(round, DemoWorld.DATASET).status());
  }

  /** {@code perProducer} payloads of each producer, one after another. */
  private void submit(String round, int perProducer) {
    for (int i = 0; i < perProducer; i++) {
      for (String name : NAMES) {
        send(round, payload(producers.get(name), round));
      }
    }
  }

  private void awaitVerdicts(String round) throws Exception {
    long want = acknowledged.getOrDefault(round, Set.of()).size();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode counts = HostClient.of(host.base()).round(round).json().path("counts");
      long answered = 0;
      for (var it = counts.fields(); it.hasNext(); ) {
        var e = it.next();
        answered += e.getKey().equals("pending") ? 0 : e.getValue().asLong();
      }
      if (answered >= want && !counts.has("pending")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no verdict for every payload of " + round + " within 60 s");
  }

  private ProcessHandle enclave() {
    ProcessHandle e = host.enclave(jar).orElseThrow(() -> new AssertionError("no enclave child"));
    if (!enclaves.contains(e)) {
      enclaves.add(e);
    }
    return e;
  }

  private static void signal(String sig, ProcessHandle p) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start();
    assertEquals(0, k.waitFor(), "kill -" + sig + " " + p.pid());
  }

  /**
   * SIGKILL of the host process, then a new host process on the same data directory; the enclave
   * the killed host started must be gone once the new host is ready.
   */
  private void killAndRestart(ProcessHandle oldEnclave, CompletableFuture<Void> inFlight)
      throws Exception {
    ProcessHandle h = ProcessHandle.of(host.pid()).orElseThrow();
    h.destroyForcibly(); // SIGKILL
    h.onExit().get(30, TimeUnit.SECONDS);
    inFlight.get(60, TimeUnit.SECONDS); // its connection died with the host
    StringWriter progress = new StringWriter();
    host =
        DemoHost.start(
            app,
            jar,
            dir.resolve("policy.yaml"),
            dir.resolve("host"),
            token,
            Duration.ofSeconds(120),
            new PrintWriter(progress, true),
            List.of(),
            0);
    hosts.add(host);
    ProcessHandle fresh = enclave();
    assertFalse(
        oldEnclave.isAlive(),
        "the enclave process "
            + oldEnclave.pid()
            + " of the killed host still runs beside the new host's "
            + fresh.pid());
    for (Map.Entry<String, List<String>> e : List.copyOf(unanswered.entrySet())) {
      List<String> again = List.copyOf(e.getValue());
      e.getValue().clear();
      again.forEach(jwe -> send(e.getKey(), jwe)); // the producer retries what got no answer
    }
  }

  /** POST {@code call} in the background (it is in flight when the host dies). */
  private static CompletableFuture<Void> inBackground(Callable call) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            call.run();
          } catch (Exception e) {
            // the host died under it
          }
        });
  }

  private interface Callable {
    void run() throws Exception;
  }

  @Test
  void everyPayloadAnswered202IsCountedOnceWhenTheHostProcessIsKilledWithSigkill()
      throws Exception {
    // 1. answered 202, never forwarded (the forwarder's first batch in flight to a stopped enclave)
    open("kill-queued");
    ProcessHandle e = enclave();
    signal("STOP", e);
    submit("kill-queued", 3);
    assertEquals(9, acknowledged.get("kill-queued").size(), "each answered 202 while stored");
    killAndRestart(e, CompletableFuture.completedFuture(null));

    // 2. a close in flight (the first step of the two-step close sent, not answered)
    open("kill-close");
    submit("kill-close", 2);
    awaitVerdicts("kill-close");
    e = enclave();
    signal("STOP", e);
    CompletableFuture<Void> close = inBackground(() -> admin().close("kill-close"));
    Thread.sleep(300);
    killAndRestart(e, close);

    if (Boolean.getBoolean("sovereign.long")) {
      // 3. a seal in flight
      open("kill-seal");
      submit("kill-seal", 2);
      awaitVerdicts("kill-seal");
      e = enclave();
      signal("STOP", e);
      CompletableFuture<Void> seal = inBackground(() -> admin().backup());
      Thread.sleep(300);
      killAndRestart(e, seal);
      Long fixed = Long.getLong("sovereign.seed");
      long seed = fixed != null ? fixed : new Random().nextLong();
      System.out.println("HostProcessKilledTest long run, seed " + seed);
      randomKills(new Random(seed), 6);
    }

    for (String round : List.copyOf(acknowledged.keySet())) {
      checkResult(round);
    }
  }

  /**
   * Kills without SIGSTOP, at a random delay after starting a burst of submissions, a seal or a
   * close: wherever the host happens to be (a batch, either step of a close, storing a seal).
   */
  private void randomKills(Random random, int kills) throws Exception {
    for (int k = 0; k < kills; k++) {
      String round = "kill-random-" + k;
      open(round);
      submit(round, 1);
      int what = random.nextInt(3);
      long delay = random.nextInt(600);
      CompletableFuture<Void> during =
          switch (what) {
            case 0 -> inBackground(() -> submit(round, 2));
            case 1 -> inBackground(() -> admin().backup());
            default -> inBackground(() -> admin().close(round));
          };
      ProcessHandle e = enclave();
      Thread.sleep(delay);
      System.out.println(
          "kill " + k + ": " + List.of("submit", "seal", "close").get(what) + " +" + delay + " ms");
      killAndRestart(e, during);
    }
  }

  /** Close (again, if a close was cut off), verify as a regulator, check the counts. */
  private void checkResult(String round) throws Exception {
    HostClient.Answer a = HostClient.of(host.base()).result(round);
    if (a.status() != 200) {
      HostClient.Answer c = admin().close(round);
      assertEquals(200, c.status(), round + ": close answered " + c.status() + " " + c.code());
      a = HostClient.of(host.base()).result(round);
    }
    assertEquals(200, a.status(), round);
    Path result = Files.writeString(tmp.resolve(round + ".jwt"), a.text().strip() + "\n");
    List<String> args =
        new ArrayList<>(
            List.of(
                "verify",
                result.toString(),
                "--round",
                round,
                "--root",
                dir.resolve("simulation-root.pem").toString(),
                "--policy",
                dir.resolve("policy.yaml").toString(),
                "--credential-chain",
                dir.resolve("credential-chain.json").toString()));
    List<String> submit = new ArrayList<>();
    started.get("submit").forEach(n -> submit.add(n.asText()));
    args.add("--pcr");
    args.add("0=" + submit.get(submit.indexOf("--expect-pcr0") + 1));
    for (String line : Files.readAllLines(dir.resolve("trust-anchors.txt"))) {
      args.add("--trust-anchor");
      args.add(line.substring(line.indexOf('=') + 1));
    }
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, r.exit(), round + ": sovereign verify: " + r.err());
    JsonNode inputs =
        JSON.readTree(Base64.getUrlDecoder().decode(a.text().strip().split("\\.")[1]))
            .at("/credentialSubject/inputs");
    int acked = acknowledged.get(round).size();
    assertTrue(unanswered.getOrDefault(round, List.of()).isEmpty(), "every payload answered");
    assertEquals(acked, inputs.get("accepted").asLong(), round + ": " + inputs);
    assertEquals(0, inputs.get("rejected").asLong(), round + ": none counted twice: " + inputs);
    assertEquals(
        0, inputs.get("unauthenticated").asLong(), round + ": none lost with a key: " + inputs);
    JsonNode counts = HostClient.of(host.base()).round(round).json().path("counts");
    assertEquals(acked, counts.path("accepted").asLong(), round + ": the host's record " + counts);
  }
}
