package dev.sovereign.host;

import dev.sovereign.enclave.policy.InvalidPolicyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The start-up checks of settings an operator gives: each failure names the setting and how to fix
 * it ({@link HostSettingException}), before anything is started.
 */
final class HostSettings {
  private HostSettings() {}

  static final String POLICY = "sovereign.host.enclave.policy";
  static final String LOAD_POLICY = "sovereign.host.enclave.load-policy";
  static final String JAR = "sovereign.host.enclave.jar";

  /** Reads {@code enclave.load-policy}; a missing or invalid file is a setting error. */
  static EnclavePolicy loadPolicy(Path file) {
    if (file == null) {
      return null;
    }
    if (!Files.isRegularFile(file)) {
      throw new HostSettingException(
          LOAD_POLICY,
          "no policy file at " + file + "; name an existing sovereignty policy (YAML)");
    }
    try {
      return EnclavePolicy.read(file);
    } catch (InvalidPolicyException e) {
      throw new HostSettingException(
          LOAD_POLICY,
          file
              + " is not a valid sovereignty policy ("
              + e.getMessage()
              + "); see docs/sovereignty-policy.md");
    } catch (IOException e) {
      throw new HostSettingException(
          LOAD_POLICY, "cannot read " + file + "; check its permissions");
    }
  }

  /** What the dev launcher needs: a policy and an enclave jar that exist. */
  static void checkLaunch(Path jar, Path policy) {
    if (policy == null) {
      throw new HostSettingException(
          POLICY,
          "is required to launch a development enclave; set SOVEREIGN_HOST_ENCLAVE_POLICY=FILE"
              + " (or "
              + LOAD_POLICY
              + "), or run ./sovereign host --dev for a generated one");
    }
    if (!Files.isRegularFile(policy)) {
      throw new HostSettingException(
          POLICY, "no policy file at " + policy + "; name an existing sovereignty policy (YAML)");
    }
    if (!Files.isRegularFile(jar)) {
      throw new HostSettingException(
          JAR,
          "no enclave jar at "
              + jar
              + "; build it (./mvnw -B -q -DskipTests package -pl enclave-app -am) or set"
              + " SOVEREIGN_HOST_ENCLAVE_JAR=FILE");
    }
  }
}
