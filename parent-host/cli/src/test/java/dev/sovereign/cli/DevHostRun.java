package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;

/**
 * {@code sovereign host --dev} run on a thread of the test JVM (port 0, its own data directory, the
 * built enclave jar and packaged host), as the tests of the dev console and of a killed host start
 * it: {@link #started} is its one-line JSON answer.
 */
record DevHostRun(HostDevCommand command, Thread running, JsonNode started) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Starts the command and waits (at most 180 s) for its start-up answer. */
  static DevHostRun start(Path dir, Path enclaveJar, Path hostApp) throws Exception {
    HostDevCommand command = new HostDevCommand();
    CommandLine cl = new CommandLine(command);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] args = {
      "--dev",
      "--port",
      "0",
      "--dir",
      dir.toString(),
      "--enclave-jar",
      enclaveJar.toString(),
      "--host-app",
      hostApp.toString(),
      "--json"
    };
    Thread running = new Thread(() -> cl.execute(args), "dev-host");
    running.setDaemon(true);
    running.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() < deadline && !out.toString().contains("\n")) {
      assertTrue(running.isAlive(), "the dev host command ended early: " + err);
      Thread.sleep(100);
    }
    assertTrue(out.toString().contains("\n"), "no start-up answer: " + err);
    return new DevHostRun(command, running, JSON.readTree(out.toString()));
  }
}
