package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sovereign enclave} runs the enclave jar as a child process: the key-broker flags the
 * enclave jar refuses are refused before it boots, with the enclave's message and exit code.
 */
class EnclaveCommandTest {
  private static final Path JAR =
      Fixtures.projectRoot().resolve("enclave-app/target/sovereign-enclave.jar");

  @BeforeAll
  static void theEnclaveJarIsBuilt() {
    Assumptions.assumeTrue(
        Files.isRegularFile(JAR), "the enclave jar is packaged before this module's tests");
  }

  @Test
  void aMissingEnclaveJarIsAUsageErrorNamingThePath() {
    CliRun r =
        CliRun.of(
            "enclave",
            "--enclave-jar",
            "/nonexistent/sovereign-enclave.jar",
            "--listen",
            "unix:/nonexistent/e.sock");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("no enclave jar at /nonexistent/sovereign-enclave.jar"), r.err());
  }

  @Test
  void aKmsProxyWithoutAnEndpointIsAUsageError() {
    CliRun r =
        CliRun.of(
            "enclave",
            "--enclave-jar",
            JAR.toString(),
            "--listen",
            "unix:/nonexistent/e.sock",
            "--kms-proxy",
            "vsock:3:8000");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--kms-proxy need --key-broker or --kms-region"), r.err());
  }

  @Test
  void aKmsRegionNeedsAKeyId() {
    CliRun r =
        CliRun.of(
            "enclave",
            "--enclave-jar",
            JAR.toString(),
            "--listen",
            "unix:/nonexistent/e.sock",
            "--kms-region",
            "eu-central-1");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--key-id goes with --key-broker or --kms-region"), r.err());
  }

  @Test
  void aRemoteKmsRefusesAKeyThatIsNotAFullArnInItsRegion() {
    // A bare key id would resolve in the account of whatever credentials the host supplies.
    CliRun r =
        CliRun.of(
            "enclave",
            "--enclave-jar",
            JAR.toString(),
            "--listen",
            "unix:/nonexistent/e.sock",
            "--kms-region",
            "eu-central-1",
            "--key-id",
            "alias/sovereign",
            "--kms-proxy",
            "vsock:3:8000");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("ARN"), r.err());
  }

  @Test
  void aTcpKmsProxyIsRefused() {
    CliRun r =
        CliRun.of(
            "enclave",
            "--enclave-jar",
            JAR.toString(),
            "--listen",
            "unix:/nonexistent/e.sock",
            "--kms-region",
            "eu-central-1",
            "--key-id",
            "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "--kms-proxy",
            "tcp:127.0.0.1:8000");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--kms-proxy must be vsock:CID:PORT or unix:PATH"), r.err());
  }
}
