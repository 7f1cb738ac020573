package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.testing.FabricNetwork;
import dev.sovereign.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sovereign demo --ledger fabric} as a user runs it: the packaged command line in its own
 * JVM with {@code SOVEREIGN_HOME} set as the launcher sets it. The full run needs a Fabric release
 * directory ({@code -Dsovereign.fabric.home} or {@code FABRIC_HOME}) and is skipped without one;
 * the refusals of a missing or wrong Fabric home need none.
 */
class DemoFabricIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private record Run(int exit, String out, String err) {}

  private static Path artifact(String property, String relative) {
    String p = System.getProperty(property);
    return p != null && !p.isBlank() ? Path.of(p) : Fixtures.projectRoot().resolve(relative);
  }

  private Run sovereign(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    Path cliJar = Fixtures.projectRoot().resolve("parent-host/cli/target/sovereign-cli.jar");
    assumeTrue(Files.isRegularFile(cliJar), "the packaged command line (failsafe runs after it)");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(cliJar.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("FABRIC_HOME");
    pb.environment().put("SOVEREIGN_HOME", Fixtures.projectRoot().toString());
    pb.environment().putAll(env);
    Path out = tmp.resolve("stdout");
    Path err = tmp.resolve("stderr");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroy();
      p.waitFor(2, TimeUnit.MINUTES);
      throw new AssertionError("sovereign " + String.join(" ", args) + " ran over 15 minutes");
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void theDemoOnAFabricNetworkRegistersAndResolvesItsProducersThereAndEveryStepBehaves()
      throws Exception {
    assumeTrue(FabricNetwork.configuredHome().isPresent(), FabricNetwork.SKIP_MESSAGE);
    Path jar = artifact("sovereign.demo.enclaveJar", "enclave-app/target/sovereign-enclave.jar");
    Path app =
        artifact("sovereign.demo.hostApp", "parent-host/host/target/quarkus-app/quarkus-run.jar");
    assumeTrue(
        Files.isRegularFile(jar) && Files.isRegularFile(app),
        "the enclave jar and the packaged host are built before this module (reactor order)");
    Path out = tmp.resolve("demo-out");
    Path work = tmp.resolve("work");
    long t0 = System.nanoTime();
    Run r =
        sovereign(
            Map.of(),
            "demo",
            "--ledger",
            "fabric",
            "--fabric-home",
            FabricNetwork.configuredHome().get().toString(),
            "--out",
            out.toString(),
            "--state",
            work.toString(),
            "--enclave-jar",
            jar.toString(),
            "--host-app",
            app.toString(),
            "--json");
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    System.out.printf("DemoFabricIT: sovereign demo --ledger fabric took %d s%n", seconds);
    assertEquals(0, r.exit(), r.err());
    JsonNode report = JSON.readTree(r.out());
    assertEquals(report.get("total").asInt(), report.get("behaved").asInt(), r.err());
    for (JsonNode step : report.get("steps")) {
      assertEquals("behaved", step.get("outcome").asText(), step.toString());
    }
    // the producers' DIDs are on the network's channel and resolved through it, each read endorsed
    // by both organisations' peers
    JsonNode fabric = report.at("/evidence/fabricNetwork");
    assertEquals("sovereign", fabric.path("channel").asText(), fabric.toString());
    // the CA mode the release directory calls for ran (a Fabric CA server per organisation when
    // it has the Fabric CA binaries)
    String caMode = FabricNetwork.expectedCaMode(FabricNetwork.configuredHome().get());
    assertEquals(caMode, fabric.path("caMode").asText(), fabric.toString());
    Set<String> resolved = new HashSet<>();
    for (JsonNode p : fabric.path("producersResolved")) {
      resolved.add(p.path("did").asText());
      Set<String> orgs = new HashSet<>();
      p.path("endorsingOrgs").forEach(o -> orgs.add(o.asText()));
      assertEquals(Set.of("Org1MSP", "Org2MSP"), orgs, p.toString());
    }
    JsonNode chains = JSON.readTree(out.resolve("credential-chain.json").toFile());
    Set<String> producers = new HashSet<>();
    chains.path("chains").forEach(c -> producers.add(c.path("producer").asText()));
    assertEquals(5, producers.size());
    assertEquals(producers, resolved);
    producers.forEach(d -> assertTrue(d.startsWith("did:fabric:sovereign:"), d));
    // the enclave accepted evidence the host relayed from the network for each honest producer
    assertTrue(report.at("/evidence/didEvidenceRelayed").asInt() >= 4, report.toString());
    assertTrue(r.err().contains("from the Fabric network's peers"), "narrated: the relay");
    // the policy pins both organisations' CAs and asks for both endorsements
    String policy = Files.readString(out.resolve("policy.yaml"));
    assertTrue(
        policy.contains("Org1MSP") && policy.contains("Org2MSP"), "both organisations pinned");
    assertTrue(policy.contains("minEndorsingOrgs: 2"), policy);
    // the network is stopped: none of the PIDs its script recorded (network.properties) runs
    java.util.Properties props = new java.util.Properties();
    try (var in = Files.newBufferedReader(work.resolve("fabric-network/network.properties"))) {
      props.load(in);
    }
    assertEquals(caMode, props.getProperty("caMode"));
    assertEquals(
        caMode.equals("fabric-ca"),
        props.containsKey("pid.ca-org1") && props.containsKey("pid.ca-org2"),
        props.toString());
    int pids = 0;
    for (String k : props.stringPropertyNames()) {
      if (k.startsWith("pid.")) {
        long pid = Long.parseLong(props.getProperty(k).trim());
        assertTrue(stopped(pid), k + " " + pid + " still runs 10 s after the demo ended");
        pids++;
      }
    }
    assertTrue(pids >= 5, "orderer, two peers, two chaincode servers recorded: " + props);
    assertTrue(r.err().contains("Fabric network stopped"), "narrated: the network stopped");
    assertTrue(
        Files.isRegularFile(out.resolve("logs/fabric-network/peer-org2.log")),
        "the network's logs are kept with the evidence");
  }

  /**
   * Whether {@code pid} has ended (waiting at most 10 s): gone, or a zombie its new parent (the
   * script's processes outlive the script that started them) has not reaped yet.
   */
  private static boolean stopped(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      String stat;
      try {
        stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      } catch (IOException e) {
        return true;
      }
      // pid (comm) STATE ...: the state follows the last ')'
      String state = stat.substring(stat.lastIndexOf(')') + 1).trim();
      if (state.startsWith("Z") || state.startsWith("X")) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(200);
    }
  }

  @Test
  void aFabricHomeInTheEnvironmentThatIsNoReleaseDirectoryIsOneLineNamingItAndExitTwo()
      throws Exception {
    Path notFabric = Files.createDirectories(tmp.resolve("not-fabric/bin"));
    Run r =
        sovereign(
            Map.of("FABRIC_HOME", notFabric.getParent().toString()),
            "demo",
            "--ledger",
            "fabric",
            "--out",
            tmp.resolve("out").toString());
    assertEquals(2, r.exit(), r.err());
    List<String> lines = r.err().lines().toList();
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).contains("FABRIC_HOME=" + notFabric.getParent()), r.err());
    assertTrue(lines.get(0).contains("bin/peer"), r.err());
  }

  @Test
  void theFabricLedgerWithoutAnyFabricHomeIsOneLineSayingHowToGiveOneAndExitTwo() throws Exception {
    Run r = sovereign(Map.of(), "demo", "--ledger", "fabric", "--out", tmp.resolve("o").toString());
    assertEquals(2, r.exit(), r.err());
    assertEquals(
        List.of(
            "sovereign demo: --ledger fabric needs a Fabric release directory: pass --fabric-home"
                + " DIR or set FABRIC_HOME=DIR (DIR holds bin/ and config/ of Fabric 2.5, e.g. an"
                + " extracted fabric-2.5.6-linux-amd64.tar.xz)"),
        r.err().lines().toList());
  }
}
