package dev.sovereign.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the JavaScript oracles in {@code tools/js}: installs them with {@code npm ci} on first use
 * (one installer at a time across JVMs, through a file lock) and runs node scripts with a deadline.
 */
public final class NodeTools {
  private NodeTools() {}

  /** What a finished process printed and how it exited. */
  public record Result(int exitCode, String stdout, String stderr) {
    /** Throws with everything the process printed unless it exited 0. */
    public Result requireSuccess() {
      if (exitCode != 0) {
        throw new IllegalStateException(
            "node exited " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
      }
      return this;
    }
  }

  /** The {@code tools/js} directory. */
  public static Path jsDir() {
    return Fixtures.projectRoot().resolve("tools").resolve("js");
  }

  /** Installs {@code tools/js/node_modules} with {@code npm ci} unless already installed. */
  public static synchronized Path ensureInstalled() {
    Path dir = jsDir();
    Path marker = dir.resolve("node_modules").resolve(".package-lock.json");
    if (Files.isRegularFile(marker)) {
      return dir;
    }
    try (FileChannel ch =
            FileChannel.open(
                dir.resolve(".install.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = ch.lock()) {
      if (!Files.isRegularFile(marker)) {
        Result r =
            run(
                dir,
                List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"),
                null,
                Duration.ofMinutes(5));
        r.requireSuccess();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** Runs {@code node script args...} in {@code tools/js}, feeding {@code stdin} if not null. */
  public static Result node(String script, List<String> args, String stdin, Duration timeout) {
    Path dir = ensureInstalled();
    List<String> cmd = new ArrayList<>();
    cmd.add("node");
    cmd.add(script);
    cmd.addAll(args);
    return run(dir, cmd, stdin, timeout);
  }

  /** Runs a command in {@code dir}; stdout and stderr are captured fully. */
  public static Result run(Path dir, List<String> command, String stdin, Duration timeout) {
    try {
      Path out = Files.createTempFile("sovereign-proc", ".out");
      Path err = Files.createTempFile("sovereign-proc", ".err");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        Process p = pb.start();
        if (stdin != null) {
          p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException("timed out after " + timeout + ": " + command);
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
