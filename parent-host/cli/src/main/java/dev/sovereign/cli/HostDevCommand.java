package dev.sovereign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.demo.DemoHost;
import dev.sovereign.demo.DemoWorld;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.producer.HostClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign host --dev}, like {@code vault server -dev}: a host and a development enclave on
 * 127.0.0.1 with a generated world (the demo's: root and regional authorities per zone, producers
 * with credentials, status lists), a policy for this enclave image, status lists relayed and a
 * round open, so that the printed {@code sovereign producer submit} command works as it stands.
 * Everything is written to one directory (made fresh on every start); it stays up until Ctrl-C.
 */
@Command(
    name = "host",
    mixinStandardHelpOptions = true,
    description = {
      "With --dev: starts a development host and enclave on 127.0.0.1 with a generated world (policy, authorities,"
          + " producer identities and credentials, written to --dir), relays the status lists, opens round "
          + HostDevCommand.ROUND
          + ", prints the URL, the console, the admin token's file and a producer submit command that works"
          + " against it, and stays up until Ctrl-C.",
      "Development only: simulated NSM (its root is public), keys made fresh per start, the directory wiped on"
          + " the next start. Without --dev, ./sovereign host runs the host service itself (./sovereign host --help).",
      "Exit codes: 1 the host failed or stopped by itself, 2 usage or environment error; Ctrl-C stops the host and"
          + " its enclave (exit 130)."
    })
final class HostDevCommand implements Callable<Integer> {
  static final String ROUND = "dev-1";

  /** Producer name -> zone. */
  static final Map<String, String> PRODUCERS =
      new LinkedHashMap<>(Map.of("eu-bakery", "EU", "us-diner", "US", "apac-market", "APAC"));

  static final Map<String, String> RECORDS =
      Map.of(
          "eu-bakery", "country,metric,value\nDE,points,120\nDE,points,80\nFR,points,40\n",
          "us-diner", "country,metric,value\nUS,points,10\nUS,points,20\n",
          "apac-market", "country,metric,value\nJP,points,7\nJP,points,9\nSG,points,3\n");

  /** Marks a directory this command made (and may wipe on its next start). */
  static final String MARKER = ".sovereign-dev";

  @Spec CommandSpec spec;

  @Option(names = "--dev", description = "run a development host (required: the only mode here)")
  boolean dev;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description =
          "where the world and the host's data go (default: $SOVEREIGN_HOME/.sovereign/dev)")
  Path dir;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "port on 127.0.0.1 (default 8080; 0 picks a free one)")
  int port = 8080;

  @Option(
      names = "--enclave-jar",
      paramLabel = "JAR",
      description = "the enclave jar (default: the build's)")
  Path enclaveJar;

  @Option(
      names = "--host-app",
      paramLabel = "JAR",
      description = "the host's quarkus-run.jar (default: the build's)")
  Path hostApp;

  /** With {@code --json}: {url, console, dir, adminTokenFile, round, dataset, submit} on stdout. */
  @picocli.CommandLine.Mixin JsonOption json = new JsonOption();

  /** The running host, once started (tests stop it). */
  volatile DemoHost host;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (!dev) {
      err.println(
          "sovereign host: give --dev for a development host; ./sovereign host (the launcher) runs the"
              + " host service itself");
      return SovereignCli.USAGE;
    }
    if (port < 0 || port > 65535) {
      err.println("sovereign host: --port must be 0..65535");
      return SovereignCli.USAGE;
    }
    Path jar = enclaveJar != null ? enclaveJar : CliPaths.defaultEnclaveJar();
    Path app =
        hostApp != null
            ? hostApp
            : CliPaths.home().resolve("parent-host/host/target/quarkus-app/quarkus-run.jar");
    Path d = (dir != null ? dir : CliPaths.defaultState().resolve("dev")).toAbsolutePath();
    try {
      if (!Files.isRegularFile(jar)) {
        throw new CliInput.UsageException(
            "no enclave jar at " + jar + " (build first: ./mvnw -B -q -DskipTests install)");
      }
      if (!Files.isRegularFile(app)) {
        throw new CliInput.UsageException(
            "no host application at " + app + " (build first: ./mvnw -B -q -DskipTests install)");
      }
      prepare(d);
    } catch (CliInput.UsageException e) {
      err.println("sovereign host: " + e.getMessage());
      return SovereignCli.USAGE;
    } catch (IOException e) {
      err.println(
          "sovereign host: cannot prepare " + d + " (" + e.getClass().getSimpleName() + ")");
      return SovereignCli.USAGE;
    }
    try {
      DevWorld w = write(d, jar);
      err.println("sovereign host --dev: world written to " + d);
      host =
          DemoHost.start(
              app,
              jar,
              w.policy,
              d.resolve("host"),
              w.adminToken,
              Duration.ofSeconds(120),
              err,
              List.of(),
              port);
      HostClient admin = HostClient.admin(host.base(), w.adminToken);
      HostClient.Answer ev = admin.supplyStatusLists(w.statusLists());
      if (ev.status() != 200) {
        throw new IOException("POST /v1/evidence answered " + ev.status() + " " + ev.code());
      }
      HostClient.Answer o = admin.openRound(ROUND, DemoWorld.DATASET);
      if (o.status() != 201) {
        throw new IOException("POST /v1/rounds answered " + o.status() + " " + o.code());
      }
      List<String> submit = submitCommand(d, w, host.base().toString(), "eu-bakery");
      print(out, err, d, w, submit);
    } catch (Exception e) {
      err.println(
          "sovereign host: the development host did not start: "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      stop();
      return SovereignCli.REJECTED;
    }
    try {
      int exit = host.waitFor();
      err.println(
          "sovereign host: the host exited with status " + exit + " (see " + host.log() + ")");
      return SovereignCli.REJECTED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      return SovereignCli.OK;
    }
  }

  /** Stops the host and its enclave. */
  void stop() {
    DemoHost h = host;
    if (h != null) {
      h.close();
    }
  }

  /** What the world's files are, for the printout and the submit command. */
  private record DevWorld(
      Path policy,
      String policySha256,
      byte[] pcr0,
      byte[] pcr1,
      byte[] pcr2,
      String adminToken,
      Path adminTokenFile,
      Map<String, String> statusLists,
      Map<String, String> zones) {}

  /** An empty directory, or one this command made before (wiped). */
  private static void prepare(Path d) throws IOException, CliInput.UsageException {
    if (Files.isDirectory(d)) {
      boolean empty;
      try (Stream<Path> s = Files.list(d)) {
        empty = s.findAny().isEmpty();
      }
      if (!empty && !Files.exists(d.resolve(MARKER))) {
        throw new CliInput.UsageException(
            "--dir "
                + d
                + " holds files this command did not make; name an empty or new directory");
      }
      if (!empty) {
        try (Stream<Path> s = Files.walk(d)) {
          for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
            if (!p.equals(d)) {
              Files.delete(p);
            }
          }
        }
      }
    } else if (Files.exists(d)) {
      throw new CliInput.UsageException("--dir " + d + " is not a directory");
    }
    Files.createDirectories(d);
    Files.writeString(
        d.resolve(MARKER),
        "made by ./sovereign host --dev; wiped and made again on its next start\n");
  }

  private static DevWorld write(Path d, Path jar) throws Exception {
    SecureRandom random = new SecureRandom();
    DemoWorld world = DemoWorld.create(PRODUCERS, Set.of(), Instant.now(), random, null);
    byte[] pcr0 = SimulatedMeasurements.pcr0(jar);
    Path policy =
        Files.writeString(
            d.resolve("policy.yaml"),
            world.policy("sovereign-dev", pcr0).yaml(),
            StandardCharsets.UTF_8);
    String policySha256 = PolicyLoader.load(policy).sha256Hex();
    // the simulated NSM's PKI lives in the host's enclave-state directory; its root is public
    Path state = d.resolve("host").resolve("enclave-state");
    Files.createDirectories(state);
    Files.writeString(
        d.resolve("simulation-root.pem"),
        SimulatedNsm.pem(SimulatedNsm.rootCertificate(state)),
        StandardCharsets.US_ASCII);
    Path producers = Files.createDirectories(d.resolve("producers"));
    for (DemoWorld.Producer p : world.producers()) {
      p.identity().write(producers.resolve(p.name() + ".identity.json"));
      Files.writeString(
          producers.resolve(p.name() + ".credential.jwt"),
          String.join("\n", p.credentials()) + "\n");
      Files.writeString(producers.resolve(p.name() + ".csv"), RECORDS.get(p.name()));
    }
    ObjectMapper mapper = new ObjectMapper();
    Files.write(
        d.resolve("credential-chain.json"),
        mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(world.chains().toJson()));
    StringBuilder anchors = new StringBuilder();
    world
        .trustAnchors()
        .forEach((z, did) -> anchors.append(z).append('=').append(did).append('\n'));
    Files.writeString(d.resolve("trust-anchors.txt"), anchors.toString());
    byte[] t = new byte[32];
    random.nextBytes(t);
    String token = HexFormat.of().formatHex(t);
    Path tokenFile = d.resolve("admin-token");
    Files.createFile(
        tokenFile,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tokenFile, token + "\n");
    Map<String, String> lists = new LinkedHashMap<>(world.statusLists());
    return new DevWorld(
        policy,
        policySha256,
        pcr0,
        SimulatedMeasurements.pcr1(),
        SimulatedMeasurements.pcr2(jar),
        token,
        tokenFile,
        lists,
        world.trustAnchors());
  }

  /** The arguments of a {@code sovereign producer submit} that works against this host. */
  private static List<String> submitCommand(Path d, DevWorld w, String url, String producer) {
    HexFormat hex = HexFormat.of();
    Path p = d.resolve("producers");
    List<String> a = new ArrayList<>();
    a.addAll(List.of("producer", "submit", "--host", url));
    a.addAll(List.of("--round", ROUND, "--dataset", DemoWorld.DATASET));
    a.addAll(List.of("--zone", PRODUCERS.get(producer)));
    a.addAll(List.of("--identity", p.resolve(producer + ".identity.json").toString()));
    a.addAll(List.of("--credential", p.resolve(producer + ".credential.jwt").toString()));
    a.addAll(List.of("--records", p.resolve(producer + ".csv").toString()));
    a.addAll(List.of("--root", d.resolve("simulation-root.pem").toString()));
    a.addAll(List.of("--expect-pcr0", hex.formatHex(w.pcr0())));
    a.addAll(List.of("--pcr", "1=" + hex.formatHex(w.pcr1())));
    a.addAll(List.of("--pcr", "2=" + hex.formatHex(w.pcr2())));
    a.addAll(List.of("--policy", w.policy().toString()));
    return a;
  }

  private void print(PrintWriter out, PrintWriter err, Path d, DevWorld w, List<String> submit)
      throws IOException {
    String url = host.base().toString();
    if (json.on()) {
      ObjectNode n = new ObjectMapper().createObjectNode();
      n.put("url", url);
      n.put("console", url + "/console/");
      n.put("dir", d.toString());
      n.put("adminTokenFile", w.adminTokenFile().toString());
      n.put("round", ROUND);
      n.put("dataset", DemoWorld.DATASET);
      n.put("policySha256", w.policySha256());
      submit.forEach(n.putArray("submit")::add);
      out.println(n);
      out.flush();
      return;
    }
    StringBuilder cmd = new StringBuilder("./sovereign");
    for (String s : submit) {
      cmd.append(s.startsWith("--") ? " \\\n    " : " ").append(s);
    }
    out.println();
    out.println(
        "Sovereign development host (do not use in production: simulated NSM, public root)");
    out.println();
    out.println("  URL:          " + url);
    out.println("  Console:      " + url + "/console/");
    out.println("  Admin token:  " + w.adminTokenFile() + " (0600; the console asks for it)");
    out.println("  World:        " + d);
    out.println("                policy.yaml (sha256 " + w.policySha256() + "),");
    out.println(
        "                producers/ (identities, credentials, records), credential-chain.json,");
    out.println("                trust-anchors.txt, simulation-root.pem");
    out.println("  Round:        " + ROUND + " (dataset " + DemoWorld.DATASET + "), open");
    out.println("  Host log:     " + host.log());
    out.println();
    out.println("Submit a producer's records:");
    out.println();
    out.println(cmd);
    out.println();
    out.println("Admin calls (the token from its file, never on a command line):");
    out.println(
        "  curl -s -X POST -H @<(printf 'Authorization: Bearer %s' \"$(cat "
            + w.adminTokenFile()
            + ")\") "
            + url
            + "/v1/rounds/"
            + ROUND
            + "/close");
    out.println();
    out.println("Ctrl-C stops the host and its enclave.");
    out.flush();
    err.flush();
  }
}
