package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What of the host's environment the dev enclave child inherits. */
class EnclaveLauncherEnvironmentTest {
  @Test
  void theHostsAdminTokenIsNotHandedToTheEnclaveChild() {
    assertTrue(EnclaveLauncher.hostOnly("SOVEREIGN_HOST_ADMIN_TOKEN"));
    assertTrue(EnclaveLauncher.hostOnly("SOVEREIGN_HOST_KMS_CREDENTIALS_IMDS"));
    assertTrue(EnclaveLauncher.hostOnly("SOVEREIGN_ADMIN_TOKEN"));
  }

  @Test
  void theEnclavesOwnSettingsStillReachIt() {
    assertFalse(EnclaveLauncher.hostOnly("AWS_ACCESS_KEY_ID"));
    assertFalse(EnclaveLauncher.hostOnly("AWS_SECRET_ACCESS_KEY"));
    assertFalse(EnclaveLauncher.hostOnly("SOVEREIGN_HOME"));
    assertFalse(EnclaveLauncher.hostOnly("PATH"));
  }
}
