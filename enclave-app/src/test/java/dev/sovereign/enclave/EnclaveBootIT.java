package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The enclave jar refuses to start, saying exactly why, when its policy or its measurement is wrong. */
class EnclaveBootIT {
  private static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

  @Test
  void anInvalidPolicyStopsTheEnclaveWithEveryProblemAndItsPath() throws Exception {
    Path dir = Files.createTempDirectory("enclave-boot");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, EnclaveProcessIT.policyYaml("00".repeat(48), ANCHOR, ANCHOR)
        .replace("minGroupSize: 2", "minGroupSize: -1").replace("countries: [US]", "countries: [USA]"));
    EnclaveProcess.Finished f = EnclaveProcess.run(List.of("--listen", "unix:" + dir.resolve("s.sock"),
        "--policy", policy.toString(), "--state", dir.resolve("state").toString()), Duration.ofSeconds(60));
    assertEquals(2, f.exitCode(), f.stderr());
    assertTrue(f.stderr().contains("zones.US.countries[0]: 'USA' is not an ISO 3166-1 alpha-2 code"), f.stderr());
    assertTrue(f.stderr().contains("datasets.loyalty-points.minGroupSize: must be between 1 and 1000000"), f.stderr());
    assertTrue(!f.stderr().contains("Exception"), "no stack trace: " + f.stderr());
  }

  @Test
  void aMeasurementThePolicyDoesNotAcceptStopsTheEnclave() throws Exception {
    Path dir = Files.createTempDirectory("enclave-boot");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, EnclaveProcessIT.policyYaml("00".repeat(48), ANCHOR, ANCHOR));
    EnclaveProcess.Finished f = EnclaveProcess.run(List.of("--listen", "unix:" + dir.resolve("s.sock"),
        "--policy", policy.toString(), "--state", dir.resolve("state").toString()), Duration.ofSeconds(60));
    assertEquals(2, f.exitCode(), f.stderr());
    assertTrue(f.stderr().contains("enclave.acceptedMeasurements: this enclave's PCR0 "), f.stderr());
    assertTrue(f.stderr().contains("is not listed"), f.stderr());
  }

  @Test
  void aBadListenAddressIsAUsageError() throws Exception {
    EnclaveProcess.Finished f = EnclaveProcess.run(List.of("--listen", "vsock:16", "--policy", "p.yaml"),
        Duration.ofSeconds(60));
    assertEquals(2, f.exitCode());
    assertTrue(f.stderr().contains("expected vsock:CID:PORT"), f.stderr());
  }
}
