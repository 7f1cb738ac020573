package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.nsm.SimulatedNsm;
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
}
