package dev.sovereign.enclave.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads a sovereignty policy from YAML and validates every field, collecting all problems as {@code
 * path: problem} (for example {@code datasets.loyalty-points.metrics.points.bounds: lower bound 10
 * is above upper bound 5}). Unknown keys are problems too: a typo must not silently weaken a
 * policy. The schema itself (keys, defaults, checks, the hash input) is owned by the policy records
 * ({@link SovereigntyPolicy} and its parts); this class reads the YAML and reports.
 */
public final class PolicyLoader {
  /** The policy format version this enclave reads. */
  public static final int VERSION = SovereigntyPolicy.VERSION;

  private static final int MAX_POLICY_BYTES = 1 << 20;

  private PolicyLoader() {}

  /** Loads and validates a policy file. */
  public static SovereigntyPolicy load(Path file) throws InvalidPolicyException, IOException {
    if (Files.size(file) > MAX_POLICY_BYTES) {
      throw new InvalidPolicyException(
          List.of("(file): larger than " + MAX_POLICY_BYTES + " bytes"));
    }
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Parses and validates policy YAML. */
  public static SovereigntyPolicy parse(String yaml) throws InvalidPolicyException {
    LoadSettings settings =
        LoadSettings.builder()
            .setAllowDuplicateKeys(false)
            .setMaxAliasesForCollections(0)
            .setAllowRecursiveKeys(false)
            .setCodePointLimit(MAX_POLICY_BYTES)
            .build();
    Object root;
    try {
      root = new Load(settings).loadFromString(yaml);
    } catch (MarkedYamlEngineException e) {
      String where =
          e.getProblemMark()
              .map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1))
              .orElse("(document)");
      throw new InvalidPolicyException(List.of(where + ": not valid YAML: " + e.getProblem()));
    } catch (YamlEngineException e) {
      throw new InvalidPolicyException(List.of("(document): not valid YAML: " + e.getMessage()));
    }
    return build(root);
  }

  private static SovereigntyPolicy build(Object root) throws InvalidPolicyException {
    PolicyReader r = new PolicyReader();
    SovereigntyPolicy policy = SovereigntyPolicy.read(r, root);
    if (policy == null || !r.problems.isEmpty()) {
      throw new InvalidPolicyException(r.problems);
    }
    return policy;
  }
}
