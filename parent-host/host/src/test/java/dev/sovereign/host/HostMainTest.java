package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./sovereign host}'s first contact: help without starting anything, and a setting it cannot
 * start with as one line naming it (the packaged host's exit code 2 is checked in the CLI's
 * HostDevCommandTest against the real jar).
 */
class HostMainTest {
  @TempDir Path tmp;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        HostMain.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void helpPrintsUsageAndTheSettingsWithoutStartingTheHost() {
    Run r = run("--help");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("./sovereign host --dev"), r.out());
    assertTrue(r.out().contains("sovereign.host.enclave.policy"), r.out());
    assertTrue(r.out().contains("SOVEREIGN_HOST_ADMIN_TOKEN"), "secrets through the environment");
  }

  @Test
  void anUnknownArgumentIsOneUsageLineAndExitTwo() {
    Run r = run("--policy=x.yaml");
    assertEquals(2, r.exit());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("--help"));
  }

  @Test
  void aMissingPolicyNamesTheSettingAndHowToFixIt() {
    HostSettingException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            HostSettingException.class, () -> HostSettings.checkLaunch(tmp.resolve("e.jar"), null));
    assertEquals("sovereign.host.enclave.policy", e.setting());
    String line = HostMain.describe(new RuntimeException("wrapped", e));
    assertTrue(line.startsWith("sovereign.host.enclave.policy: "), line);
    assertTrue(line.contains("SOVEREIGN_HOST_ENCLAVE_POLICY"), line);
    assertTrue(HostMain.isSetting(new RuntimeException(e)));
  }

  @Test
  void aPolicyFileThatIsNotThereOrNotAPolicyIsASettingError() throws Exception {
    assertEquals(
        "sovereign.host.enclave.policy",
        org.junit.jupiter.api.Assertions.assertThrows(
                HostSettingException.class,
                () -> HostSettings.checkLaunch(tmp.resolve("e.jar"), tmp.resolve("none.yaml")))
            .setting());
    Path bad = Files.writeString(tmp.resolve("bad.yaml"), "zones: [not, a, policy\n");
    HostSettingException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            HostSettingException.class, () -> HostSettings.loadPolicy(bad));
    assertEquals("sovereign.host.enclave.load-policy", e.setting());
    Path policy = Files.writeString(tmp.resolve("p.yaml"), "x: 1\n");
    assertEquals(
        "sovereign.host.enclave.jar",
        org.junit.jupiter.api.Assertions.assertThrows(
                HostSettingException.class,
                () -> HostSettings.checkLaunch(tmp.resolve("missing.jar"), policy))
            .setting());
  }

  @Test
  void aConfigurationErrorIsOneLineWithoutAnExceptionClassName() {
    Throwable t =
        new IllegalStateException(
            "wrapper",
            new IllegalArgumentException(
                "java.lang.IllegalArgumentException: SRCFG00039: The config property"
                    + " sovereign.host.max-payload-bytes with the config value \"abc\" threw\n  at x"));
    String line = HostMain.withoutClassName("java.lang.IllegalArgumentException: SRCFG00039: x");
    assertEquals("SRCFG00039: x", line);
    String d = HostMain.describe(t);
    assertFalse(d.contains("\n"), d);
  }
}
