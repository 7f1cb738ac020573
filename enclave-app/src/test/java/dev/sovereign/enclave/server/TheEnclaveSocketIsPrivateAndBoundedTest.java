package dev.sovereign.enclave.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Issue 11, attack 4, as another local user and a slow peer would do it: the development socket is
 * owner-only inside an owner-only directory (another user cannot connect), and sixteen connections
 * that each announce an 8 MiB frame and stall are cut off at the frame deadline while a seventeenth
 * is still served.
 */
class TheEnclaveSocketIsPrivateAndBoundedTest {
  @TempDir Path tmp;
  private EnclaveServer server;
  private CompletableFuture<Void> serving;

  private Path start(Duration deadline) throws Exception {
    // a directory as a host's data directory is made: readable by everyone (umask 022)
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path dir = Files.createDirectory(tmp.resolve("data"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path socket = dir.resolve("enclave.sock");
    RequestHandler health = r -> new Message.HealthStatus("serving", "did:key:z", "00", 0);
    server =
        EnclaveServer.bind(
            new ListenAddress.Unix(socket), health, Frames.DEFAULT_MAX_FRAME, deadline);
    serving =
        CompletableFuture.runAsync(
            () -> {
              try {
                server.serve();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    return socket;
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
      serving.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void theSocketAndItsDirectoryAreOwnerOnly() throws Exception {
    Path socket = start(EnclaveServer.FRAME_DEADLINE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
  }

  @Test
  void anotherLocalUserCannotConnect() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name"))
            && Files.isExecutable(Path.of("/usr/bin/setpriv"))
            && Files.isExecutable(Path.of("/usr/bin/python3")),
        "needs root to act as another user (setpriv) and /usr/bin/python3");
    Path socket = start(EnclaveServer.FRAME_DEADLINE);
    // as uid/gid 65534 (nobody): connect and send a Health frame
    String script =
        "import socket,sys\n"
            + "s=socket.socket(socket.AF_UNIX)\n"
            + "try:\n"
            + "  s.connect(sys.argv[1])\n"
            + "except OSError as e:\n"
            + "  print('refused', e.errno); sys.exit(0)\n"
            + "s.sendall(bytes([0,0,0,4,1,1])+b'{}')\n"
            + "print('connected', len(s.recv(100)))\n";
    Process p =
        new ProcessBuilder(
                "/usr/bin/setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "/usr/bin/python3",
                "-c",
                script,
                socket.toString())
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals("refused 13", out, "errno 13 is EACCES");
  }

  @Test
  void sixteenStalledHalfFramesAreCutOffAndTheNextConnectionIsServed() throws Exception {
    Path socket = start(Duration.ofMillis(500));
    List<AFUNIXSocket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < EnclaveServer.MAX_CONNECTIONS; i++) {
        AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket));
        OutputStream out = s.getOutputStream();
        int n = Frames.DEFAULT_MAX_FRAME;
        out.write(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        out.write(new byte[] {1, 1});
        out.write(new byte[1024]);
        out.flush();
        stalled.add(s);
      }
      // every slot is held by a stalled frame; without a deadline this waits forever
      try (EnclaveClient c = EnclaveClient.connectUnix(socket)) {
        CompletableFuture<Message.Response> answer =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return c.call(new Message.Health());
                  } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
        assertInstanceOf(Message.HealthStatus.class, answer.get(60, TimeUnit.SECONDS));
      }
      for (AFUNIXSocket s : stalled) {
        s.setSoTimeout(60_000);
        InputStream in = s.getInputStream();
        assertEquals(-1, in.read(), "the enclave closed the stalled connection");
      }
    } finally {
      for (AFUNIXSocket s : stalled) {
        s.close();
      }
    }
  }
}
