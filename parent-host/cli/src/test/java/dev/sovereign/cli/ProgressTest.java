package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress is drawn on a terminal only: silent with --json and when the output is not a terminal (a
 * pipe, a log file, these tests' own JVM), drawn in place on a real pseudo-terminal ({@code script}
 * from util-linux runs the command line in one).
 */
class ProgressTest {
  @TempDir Path tmp;

  @Test
  void nothingIsWrittenWithJsonOrWithoutATerminal() throws Exception {
    for (boolean json : new boolean[] {true, false}) {
      StringWriter out = new StringWriter();
      try (Progress p = Progress.on(new PrintWriter(out, true), json)) {
        p.phase("uploading", Duration.ofSeconds(3));
        p.amount(5, 10);
        Thread.sleep(450);
      }
      assertEquals("", out.toString(), "json=" + json + " (the test JVM has no terminal)");
    }
  }

  /** A host that takes its time, then hangs up: the attestation phase lasts about 1.5 s. */
  private static Thread slowHost(ServerSocket server) {
    Thread t =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  Thread.sleep(1500);
                } catch (Exception e) {
                  return;
                }
              }
            },
            "slow-host");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private List<String> submit(int port, boolean json) throws Exception {
    Path id = tmp.resolve("id.json");
    if (!Files.exists(id)) {
      assertEquals(0, CliRun.of("producer", "keygen", "--out", id.toString()).exit());
      Files.writeString(tmp.resolve("r.csv"), "country,metric,value\nDE,points,1\n");
      Files.writeString(tmp.resolve("c.jwt"), "a.b.c\n");
      Files.writeString(
          tmp.resolve("root.pem"),
          SimulatedNsm.pem(SimulatedNsm.rootCertificate(tmp.resolve("nsm"))),
          StandardCharsets.US_ASCII);
    }
    List<String> a = new ArrayList<>();
    a.addAll(List.of("producer", "submit", "--host", "http://127.0.0.1:" + port));
    a.addAll(List.of("--records", tmp.resolve("r.csv").toString()));
    a.addAll(List.of("--identity", id.toString(), "--credential", tmp.resolve("c.jwt").toString()));
    a.addAll(List.of("--round", "r1", "--dataset", "loyalty-points", "--zone", "EU"));
    a.addAll(List.of("--root", tmp.resolve("root.pem").toString()));
    a.addAll(List.of("--expect-pcr0", "00".repeat(48), "--expect-policy-sha256", "11".repeat(32)));
    if (json) {
      a.add("--json");
    }
    return a;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new String(out, StandardCharsets.UTF_8);
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  @Test
  void producerSubmitDrawsItsPhasesOnATerminalAndIsSilentInAPipeOrWithJson() throws Exception {
    Path script = Path.of("/usr/bin/script");
    Assumptions.assumeTrue(
        Files.isExecutable(script), "no util-linux script to make a pseudo-terminal");
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      slowHost(server);
      List<String> base =
          new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path")));
      base.add("dev.sovereign.cli.SovereignCli");

      List<String> plain = new ArrayList<>(base);
      plain.addAll(submit(server.getLocalPort(), false));
      StringBuilder line = new StringBuilder();
      for (String s : plain) {
        line.append(quote(s)).append(' ');
      }
      // on a pseudo-terminal: the phase is drawn in place and cleared before the next message
      String tty = run(List.of(script.toString(), "-qec", line.toString(), "/dev/null"));
      assertTrue(tty.contains("attestation: fetching and verifying"), tty);
      assertTrue(tty.contains("\r\033[2K"), "drawn in place: " + tty);
      // the same in a pipe: no progress at all
      String piped = run(plain);
      assertFalse(piped.contains("attestation: fetching"), piped);
      assertFalse(piped.contains("\033["), piped);
      // on a terminal with --json: none either
      List<String> json = new ArrayList<>(base);
      json.addAll(submit(server.getLocalPort(), true));
      StringBuilder jline = new StringBuilder();
      for (String s : json) {
        jline.append(quote(s)).append(' ');
      }
      String ttyJson = run(List.of(script.toString(), "-qec", jline.toString(), "/dev/null"));
      assertFalse(ttyJson.contains("attestation: fetching"), ttyJson);
      assertFalse(ttyJson.contains("\033[2K"), ttyJson);
    }
  }

  @Test
  void aLineNarratedWhileAPhaseIsDrawnLandsAboveTheProgressNeverInsideIt() throws Exception {
    StringWriter out = new StringWriter();
    try (Progress p = new Progress(new PrintWriter(out, true), true)) {
      p.phase("bench 1/2: DID resolution", null);
      java.io.PrintStream log = p.stream();
      log.print("bench: did:key ");
      Thread.sleep(450); // the ticker redraws meanwhile; the half line is held back
      assertFalse(out.toString().contains("did:key"), out.toString());
      log.println("1000 resolves/s");
    }
    String s = out.toString();
    int line = s.indexOf("bench: did:key 1000 resolves/s\n");
    assertTrue(line > 0, s);
    assertTrue(s.startsWith("\r\033[2K", line - 5), "the progress line is cleared first: " + s);
    assertTrue(
        s.indexOf("bench 1/2: DID resolution", line) > line, "and drawn again under it: " + s);
  }

  @Test
  void withoutATerminalNarrationPassesThroughUnchanged() {
    StringWriter out = new StringWriter();
    try (Progress p = Progress.on(new PrintWriter(out, true), false)) {
      p.phase("demo step 1/3: build-world", null);
      PrintWriter w = p.writer();
      w.print("      starting host and enclave ");
      w.flush();
      assertEquals("      starting host and enclave ", out.toString());
      w.println("ok");
    }
    assertEquals("      starting host and enclave ok\n", out.toString());
  }

  /** Runs {@code cmd} until its output contains {@code until} (or 120 s pass), then stops it. */
  private static String runUntil(List<String> cmd, String until) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
    Thread pump =
        new Thread(
            () -> {
              try (var in = p.getInputStream()) {
                in.transferTo(
                    new java.io.OutputStream() {
                      @Override
                      public void write(int b) {
                        synchronized (sink) {
                          sink.write(b);
                        }
                      }

                      @Override
                      public void write(byte[] b, int off, int len) {
                        synchronized (sink) {
                          sink.write(b, off, len);
                        }
                      }
                    });
              } catch (java.io.IOException e) {
                // the process was stopped
              }
            });
    pump.setDaemon(true);
    pump.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    String seen = "";
    try {
      while (System.nanoTime() < deadline && p.isAlive()) {
        synchronized (sink) {
          seen = sink.toString(StandardCharsets.UTF_8);
        }
        if (seen.contains(until)) {
          break;
        }
        Thread.sleep(100);
      }
    } finally {
      List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
      all.forEach(ProcessHandle::destroy);
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      for (ProcessHandle h : all) {
        h.onExit().get(30, TimeUnit.SECONDS);
      }
    }
    pump.join(5000);
    synchronized (sink) {
      return sink.toString(StandardCharsets.UTF_8);
    }
  }

  private static List<String> inTerminal(List<String> cmd) {
    StringBuilder line = new StringBuilder();
    for (String s : cmd) {
      line.append(quote(s)).append(' ');
    }
    return List.of("/usr/bin/script", "-qec", line.toString(), "/dev/null");
  }

  private static List<String> cli(String... args) {
    List<String> c = new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path")));
    c.add("dev.sovereign.cli.SovereignCli");
    c.addAll(List.of(args));
    return c;
  }

  @Test
  void benchDrawsItsPhaseOnATerminalAndIsSilentInAPipeOrWithJson() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/script")), "no util-linux script for a terminal");
    // the DID phase narrates within seconds; the runs are stopped once it has
    String[] bench = {"bench", "--skip-enclave", "--dids", "1"};
    String tty = runUntil(inTerminal(cli(bench)), "bench 1/1: DID resolution");
    assertTrue(tty.contains("\r\033[2K"), "drawn in place: " + tty);
    assertTrue(tty.contains("bench 1/1: DID resolution and the embedded ledger"), tty);
    String piped = runUntil(cli(bench), "bench: ");
    assertTrue(piped.contains("bench: "), "the narration still comes: " + piped);
    assertFalse(piped.contains("\033["), piped);
    List<String> json = new ArrayList<>(List.of(bench));
    json.add("--json");
    String ttyJson = runUntil(inTerminal(cli(json.toArray(new String[0]))), "bench: ");
    assertTrue(ttyJson.contains("bench: "), ttyJson);
    assertFalse(ttyJson.contains("bench 1/1"), ttyJson);
    assertFalse(ttyJson.contains("\033[2K"), ttyJson);
  }

  @Test
  void theDemoDrawsItsStepOnATerminalAndIsSilentInAPipeOrWithJson() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/script")), "no util-linux script for a terminal");
    Path jar =
        dev.sovereign.testing.Fixtures.projectRoot()
            .resolve("enclave-app/target/sovereign-enclave.jar");
    Path app =
        dev.sovereign.testing.Fixtures.projectRoot()
            .resolve("parent-host/host/target/quarkus-app/quarkus-run.jar");
    Assumptions.assumeTrue(
        Files.isRegularFile(jar) && Files.isRegularFile(app),
        "the enclave jar and the packaged host are built before this module's tests");
    int run = 0;
    List<String> outputs = new ArrayList<>();
    for (String mode : new String[] {"tty", "pipe", "tty-json"}) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "demo",
                  "--out",
                  tmp.resolve("out-" + run).toString(),
                  "--state",
                  tmp.resolve("work-" + run++).toString(),
                  "--enclave-jar",
                  jar.toString(),
                  "--host-app",
                  app.toString()));
      if (mode.endsWith("json")) {
        args.add("--json");
      }
      List<String> cmd = cli(args.toArray(new String[0]));
      // stopped once the first step is narrated (the whole demo is DemoCommandTest's)
      outputs.add(
          mode.startsWith("tty")
              ? runUntil(inTerminal(cmd), mode.equals("tty") ? "demo step 1/" : "[1/")
              : runUntil(cmd, "[1/"));
    }
    assertTrue(outputs.get(0).contains("demo step 1/"), outputs.get(0));
    assertTrue(outputs.get(0).contains("\r\033[2K"), outputs.get(0));
    for (String quiet : outputs.subList(1, 3)) {
      assertTrue(quiet.contains("[1/"), "the narration still comes: " + quiet);
      assertFalse(quiet.contains("demo step 1/"), quiet);
      assertFalse(quiet.contains("\033[2K"), quiet);
    }
  }
}
