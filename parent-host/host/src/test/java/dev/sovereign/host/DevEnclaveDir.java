package dev.sovereign.host;

import dev.sovereign.attestation.nsm.SimulatedMeasurements;
import dev.sovereign.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The working directory of a host test that launches a dev enclave: emptied, with its own copy of
 * the enclave jar (a rebuild of the shared jar during the run must not change the enclave's PCR0)
 * and a sovereignty policy accepting that copy's PCR0 for the dataset {@code loyalty-points}.
 */
final class DevEnclaveDir {
  private DevEnclaveDir() {}

  /** One zone of the policy: countries and processing regions as YAML flow lists, one trust anchor. */
  record Zone(String name, String countries, String processingRegions, String trustAnchor) {}

  /** Empties {@code dir} and copies the enclave jar into it; returns the copy. */
  static Path freshWithEnclaveJar(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(dir);
    return Files.copy(Fixtures.projectRoot().resolve("enclave-app/target/sovereign-enclave.jar"),
        dir.resolve("sovereign-enclave.jar"));
  }

  /** Writes {@code dir/policy.yaml} for {@code jar}'s PCR0: the zones, one dataset over all of them. */
  static Path writePolicy(Path dir, Path jar, String policyId, int minGroupSize, String functions, Zone... zones)
      throws IOException {
    String zoneYaml = Arrays.stream(zones).map(z -> """
          %s:
            countries: %s
            processingRegions: %s
            trustAnchors: ["%s"]
        """.formatted(z.name(), z.countries(), z.processingRegions(), z.trustAnchor()))
        .collect(Collectors.joining());
    String zoneNames = Arrays.stream(zones).map(Zone::name).collect(Collectors.joining(", ", "[", "]"));
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, """
        version: 1
        policyId: %s
        enclave:
          region: eu-central-1
          acceptedMeasurements:
            - pcr0: "%s"
        zones:
        %sdatasets:
          loyalty-points:
            zones: %s
            groupBy: [country]
            minGroupSize: %d
            metrics:
              points:
                functions: %s
                bounds: [0, 100000]
        """.formatted(policyId, HexFormat.of().formatHex(SimulatedMeasurements.pcr0(jar)), zoneYaml, zoneNames,
        minGroupSize, functions));
    return policy;
  }
}
