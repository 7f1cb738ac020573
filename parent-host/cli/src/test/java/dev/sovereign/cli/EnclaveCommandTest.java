package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code sovereign enclave} refuses the key-broker flags the enclave jar refuses, before it boots.
 */
class EnclaveCommandTest {

  @Test
  void aKmsProxyWithoutAnEndpointIsAUsageError() {
    CliRun r =
        CliRun.of("enclave", "--listen", "unix:/nonexistent/e.sock", "--kms-proxy", "vsock:3:8000");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--kms-proxy need --key-broker or --kms-region"), r.err());
  }

  @Test
  void aKmsRegionNeedsAKeyId() {
    CliRun r =
        CliRun.of(
            "enclave", "--listen", "unix:/nonexistent/e.sock", "--kms-region", "eu-central-1");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--key-id goes with --key-broker or --kms-region"), r.err());
  }

  @Test
  void aRemoteKmsRefusesAKeyThatIsNotAFullArnInItsRegion() {
    // A bare key id would resolve in the account of whatever credentials the host supplies.
    CliRun r =
        CliRun.of(
            "enclave",
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
