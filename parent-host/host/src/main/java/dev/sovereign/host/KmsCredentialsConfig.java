package dev.sovereign.host;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * Handing the enclave its KMS credentials ({@code sovereign.host.kms-credentials.*}): on a Nitro
 * parent, the instance role's temporary credentials from IMDSv2, sent with the {@code
 * KmsCredentials} protocol message (the kmstool model; docs/deploy-nitro.md section 6).
 */
@ConfigMapping(prefix = "sovereign.host.kms-credentials")
public interface KmsCredentialsConfig {
  /**
   * Read the role's credentials from the instance metadata service and send them to the enclave.
   */
  @WithDefault("false")
  boolean imds();

  /** The metadata service (IMDSv2 only: a session token is always requested first). */
  @WithDefault("http://169.254.169.254")
  String imdsEndpoint();

  /** How often the enclave is sent the current credentials (a restarted enclave has none). */
  @WithDefault("PT1M")
  Duration every();
}
