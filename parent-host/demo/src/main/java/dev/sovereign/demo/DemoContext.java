package dev.sovereign.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.fabric.localnet.LocalFabricNetwork;
import dev.sovereign.producer.AttestedEnclave;
import dev.sovereign.producer.HostClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the demo's steps share: settings, the world, the running host, the evidence directory and
 * narration.
 */
public final class DemoContext {
  final Path out;
  final Path work;
  final Path enclaveJar;
  final Path hostApp;
  final PrintWriter narration;
  final ObjectMapper mapper = new ObjectMapper();
  final ObjectNode evidence = mapper.createObjectNode();
  final SecureRandom random = new SecureRandom();
  final String adminToken;
  final String round;

  /**
   * JVM arguments added to the host's command line (the benchmark raises the per-client rate
   * limit).
   */
  final List<String> hostJvmArgs = new ArrayList<>();

  /**
   * What one producer may send in a round under the written policy: {@code payloadsPerRound}
   * payloads and {@code recordsPerGroup} records per group, records beyond those bounds left out
   * ({@code clampExcess}) or refusing the payload.
   */
  public record ProducerBounds(int payloadsPerRound, int recordsPerGroup, boolean clampExcess) {
    /** The demo's bounds: 4 payloads a round, 10 records per group, refused beyond. */
    public static final ProducerBounds DEMO = new ProducerBounds(4, 10, false);
  }

  private ProducerBounds producerBounds = ProducerBounds.DEMO;

  /** What write-policy wrote: the policy file, its RFC 8785 hash and the PCR0 it lists. */
  record WrittenPolicy(Path file, String sha256, byte[] pcr0) {}

  /**
   * What start-host started: the host process, its admin and producer-facing clients, and the
   * simulated NSM's root certificate producers and regulators pin.
   */
  record RunningHost(
      DemoHost process, HostClient admin, HostClient producer, X509Certificate simulationRoot) {}

  /**
   * What producer-verifies saw: the producer's nonce, the host's answer, the attestation document
   * and the enclave it verified.
   */
  record Attestation(byte[] nonce, JsonNode answer, byte[] document, AttestedEnclave enclave) {
    /** The document's {@code user_data} (binds the enclave DID and the policy hash). */
    byte[] userData() {
      return enclave.attestation().userData();
    }
  }

  /** The first honest payload: the replay and tamper steps resend or alter it. */
  record FirstPayload(String jwe, String innerJws) {}

  /**
   * A value one step sets once and later steps read; reading it before that step ran is a mistake
   * in the step order, said by name.
   */
  static final class Once<T> {
    private final String step;
    private T value;

    Once(String step) {
      this.step = step;
    }

    void set(T v) {
      if (value != null) {
        throw new IllegalStateException("the step " + step + " ran twice");
      }
      value = java.util.Objects.requireNonNull(v);
    }

    T get() {
      if (value == null) {
        throw new IllegalStateException("the step " + step + " has not run");
      }
      return value;
    }

    boolean isSet() {
      return value != null;
    }
  }

  private final Once<DemoWorld> world = new Once<>("build-world");
  private final Once<WrittenPolicy> policy = new Once<>("write-policy");
  private final Once<RunningHost> running = new Once<>("start-host");
  private final Once<Attestation> attested = new Once<>("producer-verifies");
  private final Once<FirstPayload> firstHonest = new Once<>("honest-producers-submit");
  private final Once<String> result = new Once<>("close-round");

  /**
   * Every enclave DID an attestation verified during the run (the audit log's heads must be signed
   * by these).
   */
  final java.util.Set<String> enclaveDids = new java.util.LinkedHashSet<>();

  /** The honest producers' records, by producer: the plain computation the result must equal. */
  final Map<String, ArrayNode> honestRecords = new TreeMap<>();

  /**
   * Leaves (hex SHA-256 of the JWE, the payload id) of the payloads that must be accepted, in
   * submission order.
   */
  final List<String> acceptedLeaves = new ArrayList<>();

  /** Expected rejection counts by reason code. */
  final Map<String, Long> expectedRejections = new TreeMap<>();

  /**
   * Runs a {@code sovereign} command in process (the CLI passes its own command line): steps that
   * show what a producer, regulator or auditor runs go through it.
   */
  @FunctionalInterface
  public interface CommandLine {
    /** Runs {@code args}; returns the exit code (0 done, 1 rejected, 2 usage or environment). */
    int run(List<String> args, PrintWriter out, PrintWriter err);
  }

  final CommandLine cli;

  /**
   * The Fabric network to register producers on ({@code sovereign demo --ledger fabric}); null for
   * the embedded ledger.
   */
  private DemoFabricNetwork.Setup fabricSetup;

  /** The network the build-world step started; null before it (and on the embedded ledger). */
  private LocalFabricNetwork fabric;

  /** Runs the demo on a local Fabric network started from {@code setup}; set before any step. */
  public void fabric(DemoFabricNetwork.Setup setup) {
    if (world.isSet()) {
      throw new IllegalStateException("the world is already built");
    }
    this.fabricSetup = java.util.Objects.requireNonNull(setup);
  }

  /** The Fabric set-up, or null on the embedded ledger. */
  DemoFabricNetwork.Setup fabricSetup() {
    return fabricSetup;
  }

  /** The running Fabric network, or null (embedded ledger, or not started yet). */
  public LocalFabricNetwork fabricNetwork() {
    return fabric;
  }

  void fabricNetwork(LocalFabricNetwork n) {
    if (fabric != null) {
      throw new IllegalStateException("the Fabric network is already started");
    }
    fabric = n;
  }

  /** A context whose steps run no command line (a step that needs one fails). */
  public DemoContext(Path out, Path work, Path enclaveJar, Path hostApp, PrintWriter narration) {
    this(
        out,
        work,
        enclaveJar,
        hostApp,
        narration,
        (args, o, e) -> {
          throw new IllegalStateException("this run has no command line for " + args);
        });
  }

  public DemoContext(
      Path out, Path work, Path enclaveJar, Path hostApp, PrintWriter narration, CommandLine cli) {
    this.cli = cli;
    this.out = out;
    this.work = work;
    this.enclaveJar = enclaveJar;
    this.hostApp = hostApp;
    this.narration = narration;
    byte[] t = new byte[24];
    random.nextBytes(t);
    this.adminToken = java.util.HexFormat.of().formatHex(t);
    this.round =
        "demo-"
            + java.time.LocalDate.now(java.time.ZoneOffset.UTC)
            + "-"
            + java.util.HexFormat.of().formatHex(t, 0, 3);
  }

  /** One line of narration on stderr, indented under the current step. */
  void say(String line) {
    narration.println("      " + line);
    narration.flush();
  }

  /** Writes one evidence file into the output directory. */
  Path write(String name, byte[] content) throws IOException {
    Path p = out.resolve(name);
    Files.write(p, content);
    return p;
  }

  /** Writes a JSON evidence file (pretty-printed). */
  Path writeJson(String name, JsonNode n) throws IOException {
    return write(name, mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
  }

  /** The enclave jar this run measures and starts. */
  public Path enclaveJar() {
    return enclaveJar;
  }

  /** JVM arguments added to the host's command line; add before the start-host step. */
  public List<String> hostJvmArgs() {
    return hostJvmArgs;
  }

  /** The per-producer bounds the write-policy step writes (the demo's unless set before it). */
  public ProducerBounds producerBounds() {
    return producerBounds;
  }

  /**
   * Other per-producer bounds for the policy (the HTTP bench, whose producers send thousands of
   * payloads); set before the write-policy step.
   */
  public void producerBounds(ProducerBounds bounds) {
    if (policy.isSet()) {
      throw new IllegalStateException("the policy is already written");
    }
    this.producerBounds = java.util.Objects.requireNonNull(bounds);
  }

  /** The round the open-round step opens. */
  public String round() {
    return round;
  }

  /** The world the build-world step made. */
  public DemoWorld world() {
    return world.get();
  }

  void world(DemoWorld w) {
    world.set(w);
  }

  WrittenPolicy policy() {
    return policy.get();
  }

  void policy(WrittenPolicy p) {
    policy.set(p);
  }

  RunningHost running() {
    return running.get();
  }

  void running(RunningHost h) {
    running.set(h);
  }

  /** The running host, or null before the start-host step (and after a failed start). */
  public DemoHost host() {
    return running.isSet() ? running.get().process() : null;
  }

  Attestation attested() {
    return attested.get();
  }

  void attested(Attestation a) {
    attested.set(a);
  }

  /** The enclave the producer-verifies step attested. */
  public AttestedEnclave enclave() {
    return attested.get().enclave();
  }

  FirstPayload firstHonest() {
    return firstHonest.get();
  }

  boolean hasFirstHonest() {
    return firstHonest.isSet();
  }

  void firstHonest(FirstPayload p) {
    firstHonest.set(p);
  }

  /** The signed result credential (compact JWT) the close-round step received. */
  String result() {
    return result.get();
  }

  void result(String r) {
    result.set(r);
  }

  /** A producer-facing client of the running host. */
  HostClient producer() {
    return running.get().producer();
  }
}
