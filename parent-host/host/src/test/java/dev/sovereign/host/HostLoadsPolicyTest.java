package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code sovereign.host.enclave.load-policy}: an enclave that booted without a policy (as on Nitro,
 * where the policy cannot be inside the image it measures) gets the host's policy by {@code
 * LoadPolicy} before anything else, again after a restart; an enclave that runs another policy is
 * refused and keeps its own; a policy the enclave rejects leaves it waiting for a correct one.
 */
class HostLoadsPolicyTest {
  private static final Path DIR = Path.of("target/host-load-policy").toAbsolutePath();
  private static final String DATASET = "loyalty-points";

  @Test
  void aDevEnclaveBootedWithoutAPolicyGetsTheHostsBeforeRoundsAndAgainAfterARestart()
      throws Exception {
    Path dir = DIR.resolve("launched");
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    Path policy = policy(dir.resolve("policy.yaml"), "load-policy-a", pcr0(jar));
    HostService host =
        host(
            dir.resolve("host"),
            policy,
            Map.of(
                "sovereign.host.enclave.launch",
                "true",
                "sovereign.host.enclave.jar",
                jar.toString()));
    host.onStart(null);
    try {
      EnclaveLauncher launcher = host.launcher().orElseThrow();
      assertFalse(
          arguments(launcher.pid()).contains("--policy"), "the child boots without a policy");
      assertEquals(hash(policy), host.health().policySha256());
      Message.RoundOpened opened = host.openRound("r-load-1", DATASET);
      assertEquals(hash(policy), opened.policySha256());

      ProcessHandle.of(launcher.pid()).ifPresent(ProcessHandle::destroyForcibly);
      for (int i = 0; i < 100 && launcher.alive(); i++) {
        Thread.sleep(100);
      }
      Message.HealthStatus h =
          host.health(); // relaunches, loads the policy, then recovers the round
      assertEquals(hash(policy), h.policySha256());
      assertEquals(1, h.openRounds(), "the open round was recovered into the new enclave");
      assertFalse(arguments(launcher.pid()).contains("--policy"));
      assertEquals(hash(policy), host.openRound("r-load-2", DATASET).policySha256());
      assertEquals(2, host.health().openRounds());
    } finally {
      host.onStop(null);
    }
  }

  @Test
  void anEnclaveThatRunsAnotherPolicyIsRefusedAndKeepsItsOwn() throws Exception {
    Path dir = DIR.resolve("preloaded");
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    Path theirs = policy(dir.resolve("theirs.yaml"), "load-policy-theirs", pcr0(jar));
    Path ours = policy(dir.resolve("ours.yaml"), "load-policy-ours", pcr0(jar));
    Path socket = dir.resolve("enclave.sock");
    try (EnclaveLauncher enclave =
        new EnclaveLauncher(
            jar, socket, theirs, dir.resolve("state"), dir.resolve("enclave.log"))) {
      enclave.start(Duration.ofSeconds(60));
      HostService host =
          host(
              dir.resolve("host"),
              ours,
              Map.of(
                  "sovereign.host.enclave.launch",
                  "false",
                  "sovereign.host.enclave.address",
                  "unix:" + socket));
      host.onStart(null);
      try {
        assertEquals(
            "policy-mismatch",
            assertThrows(Problem.class, () -> host.openRound("r-x", DATASET)).code());
        Problem p =
            assertThrows(
                Problem.class,
                () -> host.call(new Message.Attest("00ff"), Message.Attestation.class));
        assertEquals(503, p.status());
        assertEquals("policy-mismatch", p.code());
        assertTrue(host.inbox().openRounds().isEmpty());
      } finally {
        host.onStop(null);
      }
      assertEquals(
          hash(theirs),
          health(socket).policySha256(),
          "the host did not overwrite the enclave's policy");
    }
  }

  @Test
  void aPolicylessEnclaveTakesTheFirstValidPolicyOnlyAndRefusesALaterOne() throws Exception {
    Path dir = DIR.resolve("waiting");
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    Path ours = policy(dir.resolve("ours.yaml"), "load-policy-ours", pcr0(jar));
    Path otherImage =
        policy(dir.resolve("other-image.yaml"), "load-policy-other-image", "ab".repeat(48));
    Path later = policy(dir.resolve("later.yaml"), "load-policy-later", pcr0(jar));
    Path socket = dir.resolve("enclave.sock");
    try (EnclaveLauncher enclave =
        new EnclaveLauncher(jar, socket, null, dir.resolve("state"), dir.resolve("enclave.log"))) {
      enclave.start(Duration.ofSeconds(60));
      Map<String, String> link =
          Map.of(
              "sovereign.host.enclave.launch",
              "false",
              "sovereign.host.enclave.address",
              "unix:" + socket);

      // A policy that does not list this enclave's PCR0: the enclave refuses it and stays unloaded.
      HostService wrongImage = host(dir.resolve("host-0"), otherImage, link);
      wrongImage.onStart(null);
      try {
        Problem p = assertThrows(Problem.class, () -> wrongImage.openRound("r-0", DATASET));
        assertEquals("policy-invalid", p.code());
      } finally {
        wrongImage.onStop(null);
      }

      HostService first = host(dir.resolve("host-1"), ours, link);
      first.onStart(null);
      try {
        assertEquals(hash(ours), first.openRound("r-1", DATASET).policySha256());
        assertEquals(1, first.health().openRounds());
      } finally {
        first.onStop(null);
      }

      HostService second = host(dir.resolve("host-2"), later, link);
      second.onStart(null);
      try {
        assertEquals(
            "policy-mismatch",
            assertThrows(Problem.class, () -> second.openRound("r-2", DATASET)).code());
      } finally {
        second.onStop(null);
      }
      Message.HealthStatus h = health(socket);
      assertEquals(hash(ours), h.policySha256());
      assertEquals(1, h.openRounds());
    }
  }

  @Test
  void aNewPolicylessEnclaveBehindTheHostsBackGetsThePolicyBeforeItsRoundsAreRecovered()
      throws Exception {
    Path dir = DIR.resolve("replaced");
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    Path ours = policy(dir.resolve("ours.yaml"), "load-policy-ours", pcr0(jar));
    Path socket = dir.resolve("enclave.sock");
    try (EnclaveLauncher enclave =
        new EnclaveLauncher(jar, socket, null, dir.resolve("state"), dir.resolve("enclave.log"))) {
      enclave.start(Duration.ofSeconds(60));
      HostService host =
          host(
              dir.resolve("host"),
              ours,
              Map.of(
                  "sovereign.host.enclave.launch",
                  "false",
                  "sovereign.host.enclave.address",
                  "unix:" + socket));
      host.onStart(null);
      try {
        host.openRound("r-1", DATASET);
        String firstDid = host.health().enclaveDid();

        enclave.close(); // the operator restarts the enclave: a new one, without a policy
        enclave.start(Duration.ofSeconds(60));
        Message.HealthStatus h = null;
        for (int i = 0; i < 3 && h == null; i++) {
          try {
            h = host.health(); // the first call may still meet the old, broken connection
          } catch (Problem p) {
            assertEquals("enclave-unavailable", p.code());
          }
        }
        assertTrue(h != null);
        assertTrue(!firstDid.equals(h.enclaveDid()), "a new enclave");
        assertEquals(hash(ours), h.policySha256());
        assertEquals(
            1, h.openRounds(), "the host's open round was reopened after the policy went in");
      } finally {
        host.onStop(null);
      }
    }
  }

  private static HostService host(Path data, Path loadPolicy, Map<String, String> extra) {
    Map<String, String> props = new HashMap<>(extra);
    props.put("sovereign.host.data-dir", data.toString());
    props.put("sovereign.host.zones", "EU");
    props.put("sovereign.host.enclave.load-policy", loadPolicy.toString());
    return TestHosts.host(props);
  }

  private static Message.HealthStatus health(Path socket) throws Exception {
    try (EnclaveLink link =
        new EnclaveLink(ListenAddress.parse("unix:" + socket), Duration.ofSeconds(30))) {
      return link.call(new Message.Health(), Message.HealthStatus.class);
    }
  }

  private static List<String> arguments(long pid) {
    return ProcessHandle.of(pid).flatMap(p -> p.info().arguments()).map(List::of).orElse(List.of());
  }

  private static String pcr0(Path jar) throws Exception {
    return HexFormat.of().formatHex(SimulatedMeasurements.pcr0(jar));
  }

  private static String hash(Path policy) throws Exception {
    return PolicyLoader.load(policy).sha256Hex();
  }

  private static Path policy(Path file, String policyId, String pcr0) throws Exception {
    Files.createDirectories(file.getParent());
    return DevPolicy.builder(policyId)
        .pcr0(pcr0)
        .zone("EU", "did:example:eu-root")
        .minGroupSize(1)
        .functions("sum", "count")
        .write(file);
  }
}
