package dev.sovereign.enclave;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The enclave jar started as a separate process; everything it prints is kept for inspection. */
final class EnclaveProcess implements AutoCloseable {
  private final Process process;
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

  private EnclaveProcess(Process process) {
    this.process = process;
    pump(process.getInputStream(), stdout);
    pump(process.getErrorStream(), stderr);
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("sovereign.enclave.jar", "target/sovereign-enclave.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("enclave jar not built: " + jar);
    }
    return jar.toAbsolutePath();
  }

  /** Starts {@code java -jar sovereign-enclave.jar args...} and waits for its banner. */
  static EnclaveProcess start(List<String> args, Duration timeout)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar().toString()));
    cmd.addAll(args);
    EnclaveProcess p = new EnclaveProcess(new ProcessBuilder(cmd).start());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (p.stderr().contains("enclave: serving on")) {
        return p;
      }
      if (!p.process.isAlive()) {
        throw new IllegalStateException(
            "enclave exited " + p.process.exitValue() + ": " + p.stderr());
      }
      Thread.sleep(50);
    }
    p.close();
    throw new IllegalStateException("enclave did not start within " + timeout + ": " + p.stderr());
  }

  /** Runs the jar to completion (for boot refusals). */
  static Finished run(List<String> args, Duration timeout)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar().toString()));
    cmd.addAll(args);
    EnclaveProcess p = new EnclaveProcess(new ProcessBuilder(cmd).start());
    if (!p.process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      p.close();
      throw new IllegalStateException("enclave did not exit");
    }
    Thread.sleep(100);
    return new Finished(p.process.exitValue(), p.stdout(), p.stderr());
  }

  record Finished(int exitCode, String stdout, String stderr) {}

  boolean isAlive() {
    return process.isAlive();
  }

  String stdout() {
    synchronized (stdout) {
      return stdout.toString(StandardCharsets.UTF_8);
    }
  }

  String stderr() {
    synchronized (stderr) {
      return stderr.toString(StandardCharsets.UTF_8);
    }
  }

  private static void pump(InputStream in, ByteArrayOutputStream sink) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try {
                for (int n; (n = in.read(buf)) > 0; ) {
                  synchronized (sink) {
                    sink.write(buf, 0, n);
                  }
                }
              } catch (IOException e) {
                // process ended
              }
            },
            "enclave-output");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
