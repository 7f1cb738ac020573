package dev.sovereign.cli;

import dev.sovereign.enclave.policy.InvalidPolicyException;
import dev.sovereign.enclave.policy.PolicyLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The expected sovereignty policy hash: given as hex, or computed from the policy file exactly as
 * the enclave does.
 */
final class PolicyHashes {
  private PolicyHashes() {}

  static String expected(String hex, Path file) throws CliInput.UsageException {
    if (file != null) {
      try {
        return PolicyLoader.load(file).sha256Hex();
      } catch (InvalidPolicyException e) {
        throw new CliInput.UsageException("--policy " + file + ": " + e.getMessage());
      } catch (IOException e) {
        throw new CliInput.UsageException("--policy: cannot read " + file);
      }
    }
    if (hex == null || !hex.matches("[0-9a-fA-F]{64}")) {
      throw new CliInput.UsageException("--expect-policy-sha256 must be 64 hex digits");
    }
    return hex.toLowerCase(Locale.ROOT);
  }

  /**
   * The policy itself when a file was given (already validated by {@link #expected}), for checks
   * beyond the hash.
   */
  static java.util.Optional<dev.sovereign.enclave.policy.SovereigntyPolicy> policy(Path file) {
    if (file == null) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(PolicyLoader.load(file));
    } catch (InvalidPolicyException | IOException e) {
      return java.util.Optional.empty();
    }
  }
}
