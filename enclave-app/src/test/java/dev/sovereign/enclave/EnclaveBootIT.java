package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The enclave jar refuses to start, saying exactly why, when its policy or its measurement is
 * wrong.
 */
class EnclaveBootIT {
  private static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

  @Test
  void anInvalidPolicyStopsTheEnclaveWithEveryProblemAndItsPath() throws Exception {
    Path dir = Files.createTempDirectory("enclave-boot");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        EnclaveProcessIT.policyYaml("00".repeat(48), ANCHOR, ANCHOR)
            .replace("minGroupSize: 2", "minGroupSize: -1")
            .replace("countries: [US]", "countries: [USA]"));
    EnclaveProcess.Finished f =
        EnclaveProcess.run(
            List.of(
                "--simulate-nsm",
                "--listen",
                "unix:" + dir.resolve("s.sock"),
                "--policy",
                policy.toString(),
                "--state",
                dir.resolve("state").toString()),
            Duration.ofSeconds(60));
    assertEquals(2, f.exitCode(), f.stderr());
    assertTrue(
        f.stderr().contains("zones.US.countries[0]: 'USA' is not an ISO 3166-1 alpha-2 code"),
        f.stderr());
    assertTrue(
        f.stderr().contains("datasets.loyalty-points.minGroupSize: must be between 1 and 1000000"),
        f.stderr());
    assertTrue(!f.stderr().contains("Exception"), "no stack trace: " + f.stderr());
  }

  @Test
  void aMeasurementThePolicyDoesNotAcceptStopsTheEnclave() throws Exception {
    Path dir = Files.createTempDirectory("enclave-boot");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, EnclaveProcessIT.policyYaml("00".repeat(48), ANCHOR, ANCHOR));
    EnclaveProcess.Finished f =
        EnclaveProcess.run(
            List.of(
                "--simulate-nsm",
                "--listen",
                "unix:" + dir.resolve("s.sock"),
                "--policy",
                policy.toString(),
                "--state",
                dir.resolve("state").toString()),
            Duration.ofSeconds(60));
    assertEquals(2, f.exitCode(), f.stderr());
    assertTrue(
        f.stderr().contains("enclave.acceptedMeasurements: this enclave's PCR0 "), f.stderr());
    assertTrue(f.stderr().contains("is not listed"), f.stderr());
  }

  @Test
  void theEnclaveJarCarriesNoBuildTimeAndNoSignedJarFiles() throws Exception {
    long fixed = java.time.Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    long day = 24 * 3600 * 1000L;
    long builtAfter =
        java.nio.file.Files.getLastModifiedTime(EnclaveProcess.jar()).toMillis() - 7 * day;
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(EnclaveProcess.jar().toFile())) {
      for (java.util.zip.ZipEntry e : java.util.Collections.list(zip.entries())) {
        // our entries carry project.build.outputTimestamp, dependency entries keep their jar's
        // times:
        // nothing may carry the time of the build (zip times are local time, hence the day of
        // slack)
        long t = e.getLastModifiedTime().toMillis();
        assertTrue(
            Math.abs(t - fixed) <= day || t < builtAfter,
            e.getName() + " " + e.getLastModifiedTime());
        assertTrue(!e.getName().matches("META-INF/[^/]*\\.(SF|RSA|DSA|EC)"), e.getName());
      }
      assertTrue(
          zip.getEntry("org/web3j") == null
              && zip.getEntry("io/grpc/") == null
              && zip.getEntry("io/quarkus/") == null,
          "enclave-safe");
    }
  }

  @Test
  void withoutDevNsmAndWithoutSimulateNsmTheEnclaveRefusesInOneLineInsteadOfSimulating()
      throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        Files.exists(Path.of("/dev/nsm")), "this machine has /dev/nsm (a Nitro Enclave)");
    Path dir = Files.createTempDirectory("enclave-boot");
    EnclaveProcess.Finished f =
        EnclaveProcess.run(
            List.of(
                "--listen",
                "unix:" + dir.resolve("s.sock"),
                "--state",
                dir.resolve("state").toString()),
            Duration.ofSeconds(60));
    assertEquals(2, f.exitCode(), f.stderr());
    List<String> lines = f.stderr().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), f.stderr());
    assertTrue(
        lines.get(0).startsWith("enclave: refusing to start: no NSM device at /dev/nsm")
            && lines.get(0).contains("--simulate-nsm"),
        f.stderr());
    assertTrue(!Files.exists(dir.resolve("state").resolve("nsm")), "no simulated PKI was made");
    assertTrue(!Files.exists(dir.resolve("s.sock")), "nothing was bound");
  }

  @Test
  void aSimulationSettingWithoutSimulateNsmIsAUsageError() throws Exception {
    EnclaveProcess.Finished f =
        EnclaveProcess.run(
            List.of("--listen", "unix:/tmp/x.sock", "--sim-parent-role", "arn:aws:iam::1:role/r"),
            Duration.ofSeconds(60));
    assertEquals(2, f.exitCode());
    assertTrue(f.stderr().contains("need --simulate-nsm"), f.stderr());
  }

  @Test
  void aBadListenAddressIsAUsageError() throws Exception {
    EnclaveProcess.Finished f =
        EnclaveProcess.run(
            List.of("--simulate-nsm", "--listen", "vsock:16", "--policy", "p.yaml"),
            Duration.ofSeconds(60));
    assertEquals(2, f.exitCode());
    assertTrue(f.stderr().contains("expected vsock:CID:PORT"), f.stderr());
  }

  @Test
  void theEnclaveJarListensOnAVsockPortForRealAndRefusesAPortInUse() throws Exception {
    long port;
    try (dev.sovereign.transport.vsock.VsockServerSocket probe =
        dev.sovereign.transport.vsock.VsockServerSocket.bind(
            dev.sovereign.transport.vsock.VsockServerSocket.CID_ANY,
            dev.sovereign.transport.vsock.VsockServerSocket.PORT_ANY,
            1)) {
      port = probe.port();
    } catch (dev.sovereign.transport.vsock.Errno.VsockUnsupportedException e) {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          false, "no AF_VSOCK in this kernel: " + e.getMessage());
      return;
    }
    Path state = Files.createTempDirectory("vsock-boot-it");
    // without --policy the enclave binds and waits for LoadPolicy, so no policy file is needed
    try (EnclaveProcess enclave =
        EnclaveProcess.start(
            List.of(
                "--simulate-nsm",
                "--listen",
                "vsock:any:" + port,
                "--state",
                state.toString(),
                "--threads",
                "1"),
            Duration.ofSeconds(60))) {
      assertTrue(
          enclave.stderr().contains("enclave: serving on vsock:any:" + port + " "),
          enclave.stderr());
      EnclaveProcess.Finished second =
          EnclaveProcess.run(
              List.of(
                  "--simulate-nsm",
                  "--listen",
                  "vsock:any:" + port,
                  "--state",
                  state.toString(),
                  "--threads",
                  "1"),
              Duration.ofSeconds(60));
      assertEquals(2, second.exitCode());
      assertTrue(
          second
              .stderr()
              .contains(
                  "bind vsock:any:" + port + ": Address already in use (errno 98 EADDRINUSE)"),
          second.stderr());
      assertTrue(enclave.isAlive());
    }
  }
}
