package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a host that comes back after a SIGKILL finds of its dev enclave child: the old child still
 * running, re-parented, serving the socket (a killed process cannot stop its children). Here the
 * dead host is a launcher that is never closed; {@code HostProcessKilledTest} in the command line
 * module kills a real host process.
 */
class StaleEnclaveProcessTest {
  private static final Path DIR = Path.of("target/stale-enclave").toAbsolutePath();

  private static Path policy(Path dir, Path jar) throws IOException {
    return DevEnclaveDir.writePolicy(
        dir,
        jar,
        DevPolicy.builder("stale-enclave")
            .zone("EU", "did:example:eu-root")
            .minGroupSize(1)
            .functions("sum", "count"));
  }

  private static String didAt(Path socket) throws Exception {
    try (EnclaveLink link =
        new EnclaveLink(ListenAddress.parse("unix:" + socket), Duration.ofSeconds(30))) {
      return link.call(new Message.Health(), Message.HealthStatus.class).enclaveDid();
    }
  }

  private static void kill(Optional<ProcessHandle> p) throws Exception {
    if (p.isPresent() && p.get().isAlive()) {
      p.get().destroyForcibly();
      p.get().onExit().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theEnclaveAKilledHostLeftRunningIsStoppedBeforeTheNextHostStartsItsOwn() throws Exception {
    Path dir = DIR.resolve("restart");
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    Path policy = policy(dir, jar);
    Path socket = dir.resolve("enclave.sock");
    // the first host's launcher is never closed: its host died with SIGKILL
    EnclaveLauncher dead =
        new EnclaveLauncher(jar, socket, policy, dir.resolve("state"), dir.resolve("enclave.log"));
    dead.start(Duration.ofSeconds(60));
    Optional<ProcessHandle> orphan = ProcessHandle.of(dead.pid());
    String orphanDid = didAt(socket);
    try (EnclaveLauncher next =
        new EnclaveLauncher(
            jar, socket, policy, dir.resolve("state"), dir.resolve("enclave.log"))) {
      next.start(Duration.ofSeconds(60));
      assertFalse(
          orphan.orElseThrow().isAlive(),
          "the enclave the killed host started is still running beside the new one (pid "
              + orphan.get().pid()
              + ")");
      assertTrue(next.alive());
      assertFalse(orphanDid.equals(didAt(socket)), "the socket is served by the new enclave");
    } finally {
      kill(orphan);
    }
  }

  @Test
  void anEnclaveServingTheSocketThatTheLauncherCannotProveItsOwnIsNeitherKilledNorRunBeside()
      throws Exception {
    Path dir = DIR.resolve("foreign");
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    Path policy = policy(dir, jar);
    Path socket = dir.resolve("enclave.sock");
    EnclaveLauncher theirs =
        new EnclaveLauncher(jar, socket, policy, dir.resolve("state"), dir.resolve("enclave.log"));
    theirs.start(Duration.ofSeconds(60));
    Optional<ProcessHandle> foreign = ProcessHandle.of(theirs.pid());
    Path record = dir.resolve("enclave-process.json");
    try {
      // the record names the pid but another start time: a reused pid, not provably that child
      if (Files.isRegularFile(record)) {
        Files.writeString(
            record,
            Files.readString(record).replaceAll("\"startedAt\":\"[^\"]*\"", "\"startedAt\":\"x\""));
      }
      String did = didAt(socket);
      EnclaveLauncher next =
          new EnclaveLauncher(
              jar, socket, policy, dir.resolve("state"), dir.resolve("enclave.log"));
      try {
        IOException refused =
            assertThrows(IOException.class, () -> next.start(Duration.ofSeconds(60)));
        assertTrue(refused.getMessage().contains("cannot prove"), refused.getMessage());
        assertFalse(next.alive(), "no second enclave beside it");
        assertTrue(foreign.orElseThrow().isAlive(), "a process not provably ours is not killed");
        assertEquals(did, didAt(socket), "and it still serves its socket");
      } finally {
        next.close(); // the old code started a second enclave here
      }
    } finally {
      kill(foreign);
    }
  }

  @Test
  void aRecordedPidThatIsNowAnotherProcessIsLeftAlone() throws Exception {
    Path dir = DIR.resolve("reused");
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    Path policy = policy(dir, jar);
    Path socket = dir.resolve("enclave.sock");
    Process other = new ProcessBuilder("sleep", "120").start();
    try {
      String start = other.info().startInstant().orElseThrow().toString();
      // same pid and start time, but it does not serve this socket: not the enclave child
      Files.writeString(
          dir.resolve("enclave-process.json"),
          "{\"pid\":"
              + other.pid()
              + ",\"startedAt\":\""
              + start
              + "\",\"socket\":\""
              + socket
              + "\"}\n");
      try (EnclaveLauncher next =
          new EnclaveLauncher(
              jar, socket, policy, dir.resolve("state"), dir.resolve("enclave.log"))) {
        next.start(Duration.ofSeconds(60));
        assertTrue(other.isAlive(), "a process whose command line serves no such socket");
      }
    } finally {
      other.destroyForcibly();
      other.waitFor();
    }
  }
}
