package dev.sovereign.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's host launch as another local user sees it: {@code /proc/PID/cmdline} of the child
 * (readable by everyone) must not carry the admin token. A stand-in host jar reports whether the
 * token reached it.
 */
class DemoHostTest {
  private static final String TOKEN = "3f6c1e0d9a8b7c6d5e4f3a2b1c0d9e8f";

  @Test
  void theAdminTokenReachesTheHostThroughItsEnvironmentNeverItsCommandLine(@TempDir Path dir)
      throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
    Path hostJar = standInHost(dir);
    Path log = dir.resolve("host.log");
    Process p =
        DemoHost.launch(
            hostJar,
            dir.resolve("enclave.jar"),
            dir.resolve("policy.yaml"),
            dir.resolve("data"),
            TOKEN,
            1,
            log,
            List.of());
    try {
      for (int i = 0; i < 200 && !Files.readString(log).contains("token-seen="); i++) {
        Thread.sleep(50);
      }
      String cmdline =
          new String(
              Files.readAllBytes(Path.of("/proc/" + p.pid() + "/cmdline")), StandardCharsets.UTF_8);
      assertTrue(cmdline.contains(hostJar.toString()), "the host's own command line was read");
      assertFalse(cmdline.contains(TOKEN), "the token is on the command line: " + cmdline);
      assertFalse(cmdline.contains("admin-token"), cmdline);
      assertEquals("token-seen=true", Files.readString(log).strip(), "the host got the token");
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  /** A jar whose main says whether the token arrived in its environment, then waits. */
  private static Path standInHost(Path dir) throws Exception {
    Path src = dir.resolve("src/StandIn.java");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
        "public class StandIn { public static void main(String[] a) throws Exception {"
            + " System.out.println(\"token-seen=\" + \""
            + TOKEN
            + "\".equals(System.getenv(\""
            + DemoHost.ADMIN_TOKEN_ENV
            + "\"))); System.out.flush(); Thread.sleep(60_000); } }");
    Path classes = dir.resolve("classes");
    Files.createDirectories(classes);
    assertEquals(
        0,
        ToolProvider.getSystemJavaCompiler()
            .run(null, null, null, "-d", classes.toString(), src.toString()));
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "StandIn");
    Path jar = dir.resolve("stand-in-host.jar");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out, m)) {
      j.putNextEntry(new JarEntry("StandIn.class"));
      j.write(Files.readAllBytes(classes.resolve("StandIn.class")));
      j.closeEntry();
    }
    return jar;
  }
}
