package dev.sovereign.transport.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopbackTest {
  @Test
  void onAMachineWhoseLoopbackIsUpNothingChanges() throws Exception {
    assertTrue(Loopback.isUp());
    assertFalse(Loopback.ensureUp());
  }

  @Test
  void inAFreshNetworkNamespaceLoopbackComesUpAndAcceptsABind() throws Exception {
    // A new network namespace starts with lo down, as a Nitro Enclave does. `unshare -rn` needs
    // unprivileged user namespaces; where they are off, this test is skipped.
    Path unshare = Path.of("/usr/bin/unshare");
    assumeTrue(Files.isExecutable(unshare), "no unshare");
    Process probe =
        new ProcessBuilder(unshare.toString(), "-rn", "true").redirectErrorStream(true).start();
    assumeTrue(
        probe.waitFor(20, TimeUnit.SECONDS) && probe.exitValue() == 0,
        "no user+network namespaces here");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    unshare.toString(),
                    "-rn",
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    Probe.class.getName()))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("before=false changed=true after=true bound=127.0.0.1"), out);
  }

  /** Runs inside the new namespace. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      boolean before = Loopback.isUp();
      boolean changed = Loopback.ensureUp();
      boolean after = Loopback.isUp();
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
        System.out.println(
            "before="
                + before
                + " changed="
                + changed
                + " after="
                + after
                + " bound="
                + s.getInetAddress().getHostAddress()
                + File.separator);
      }
    }
  }
}
