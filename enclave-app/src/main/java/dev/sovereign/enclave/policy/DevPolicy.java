package dev.sovereign.enclave.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The development sovereignty policy as YAML text, for the demo, the benchmarks and the tests that
 * launch an enclave: the enclave region {@value #REGION}, the accepted PCR0 values, zones (EU, US
 * and APAC with their usual countries and processing regions, or any given), and the dataset
 * {@value #DATASET} over every zone (group by country, metric {@code points} bounded to [0,
 * 100000]), plus any further datasets; optionally pinned did:fabric networks ({@code
 * enclave.fabricNetworks}) and {@code evidence.askHost}, written only when given (so a policy
 * without them keeps its hash). It only writes text; the enclave checks it like any other policy
 * ({@link PolicyLoader}).
 */
public final class DevPolicy {
  private DevPolicy() {}

  /** The development dataset. */
  public static final String DATASET = "loyalty-points";

  /** The development enclave's region. */
  public static final String REGION = "eu-central-1";

  /** A zone: countries, the regions its data may be processed in, its trust anchor DID. */
  public record Zone(
      String name, List<String> countries, List<String> processingRegions, String trustAnchor) {}

  /** A dataset grouped by country with one metric bounded to [0, {@code upperBound}]. */
  public record Dataset(
      String name,
      List<String> zones,
      int minGroupSize,
      String metric,
      List<String> functions,
      long upperBound,
      List<Long> histogram) {}

  private static final Map<String, Zone> USUAL =
      Map.of(
          "EU", new Zone("EU", List.of("DE", "FR"), List.of(REGION), null),
          "US", new Zone("US", List.of("US"), List.of(REGION, "us-east-1"), null),
          "APAC", new Zone("APAC", List.of("JP", "SG"), List.of(REGION, "ap-southeast-1"), null));

  /** A policy named {@code policyId}; add at least one PCR0 and one zone. */
  public static Builder builder(String policyId) {
    return new Builder(policyId);
  }

  /** Collects the parts; {@link #yaml()} writes them out. */
  public static final class Builder {
    private final String policyId;
    private final List<String> pcr0 = new ArrayList<>();
    private final Map<String, Zone> zones = new LinkedHashMap<>();
    private final List<Dataset> more = new ArrayList<>();
    private int minGroupSize = 2;
    private List<String> functions = List.of("sum", "count", "mean", "min", "max");
    private List<Long> histogram = List.of();
    private Integer maxRecordsPerPayload;

    /** network -> MSP id -> pinned organisation CA certificates (PEM). */
    private final Map<String, Map<String, List<String>>> fabricNetworks = new LinkedHashMap<>();

    private boolean askHost;

    private Builder(String policyId) {
      this.policyId = policyId;
    }

    /** Accepts an enclave image by its PCR0 (repeatable). */
    public Builder pcr0(byte[] measurement) {
      pcr0.add(HexFormat.of().formatHex(measurement));
      return this;
    }

    /** As above, in lowercase hex. */
    public Builder pcr0(String hex) {
      pcr0.add(hex);
      return this;
    }

    /**
     * Zone EU, US or APAC with its usual countries and processing regions, trusting {@code
     * trustAnchor}.
     */
    public Builder zone(String name, String trustAnchor) {
      Zone z = USUAL.get(name);
      if (z == null) {
        throw new IllegalArgumentException(
            "no usual zone " + name + "; give its countries and regions");
      }
      return zone(new Zone(name, z.countries(), z.processingRegions(), trustAnchor));
    }

    /** Any zone. */
    public Builder zone(Zone z) {
      zones.put(z.name(), z);
      return this;
    }

    /** The minimum group size of {@value #DATASET} (default 2). */
    public Builder minGroupSize(int n) {
      minGroupSize = n;
      return this;
    }

    /** The functions of {@value #DATASET}'s metric (default sum, count, mean, min, max). */
    public Builder functions(String... names) {
      functions = List.of(names);
      return this;
    }

    /**
     * Histogram edges of {@value #DATASET}'s metric (add {@code histogram} to the functions too).
     */
    public Builder histogram(long... edges) {
      histogram = java.util.Arrays.stream(edges).boxed().toList();
      return this;
    }

    /** {@code limits.maxRecordsPerPayload} (default: the loader's). */
    public Builder maxRecordsPerPayload(int n) {
      maxRecordsPerPayload = n;
      return this;
    }

    /**
     * Pins organisation {@code mspId}'s CA certificate {@code caPem} (PEM) for did:fabric network
     * {@code network} in {@code enclave.fabricNetworks} (repeatable; chaincode, endorsement count
     * and evidence age stay the loader's defaults).
     */
    public Builder fabricNetwork(String network, String mspId, String caPem) {
      fabricNetworks
          .computeIfAbsent(network, n -> new LinkedHashMap<>())
          .computeIfAbsent(mspId, m -> new ArrayList<>())
          .add(caPem);
      return this;
    }

    /** {@code evidence.askHost} (default false, then not written). */
    public Builder askHost(boolean ask) {
      askHost = ask;
      return this;
    }

    /** A further dataset. */
    public Builder dataset(Dataset d) {
      more.add(d);
      return this;
    }

    /** The policy as YAML. */
    public String yaml() {
      StringBuilder y = new StringBuilder();
      y.append("version: 1\n");
      y.append("policyId: ").append(policyId).append('\n');
      y.append("enclave:\n");
      y.append("  region: ").append(REGION).append('\n');
      y.append("  acceptedMeasurements:\n");
      for (String p : pcr0) {
        y.append("    - pcr0: \"").append(p).append("\"\n");
      }
      if (!fabricNetworks.isEmpty()) {
        y.append("  fabricNetworks:\n");
        fabricNetworks.forEach(
            (network, orgs) -> {
              y.append("    ").append(network).append(":\n");
              y.append("      organisations:\n");
              orgs.forEach(
                  (msp, pems) -> {
                    y.append("        ").append(msp).append(":\n");
                    for (String pem : pems) {
                      y.append("          - |\n").append(pem.strip().indent(12));
                    }
                  });
            });
      }
      y.append("zones:\n");
      for (Zone z : zones.values()) {
        y.append("  ").append(z.name()).append(":\n");
        y.append("    countries: ").append(flow(z.countries())).append('\n');
        y.append("    processingRegions: ").append(flow(z.processingRegions())).append('\n');
        y.append("    trustAnchors: [\"").append(z.trustAnchor()).append("\"]\n");
      }
      y.append("datasets:\n");
      dataset(
          y,
          new Dataset(
              DATASET,
              List.copyOf(zones.keySet()),
              minGroupSize,
              "points",
              functions,
              100_000,
              histogram));
      more.forEach(d -> dataset(y, d));
      if (maxRecordsPerPayload != null) {
        y.append("limits:\n  maxRecordsPerPayload: ").append(maxRecordsPerPayload).append('\n');
      }
      if (askHost) {
        y.append("evidence:\n  askHost: true\n");
      }
      return y.toString();
    }

    /** Writes {@link #yaml()} to {@code file}; returns it. */
    public Path write(Path file) throws IOException {
      return Files.writeString(file, yaml());
    }

    private static void dataset(StringBuilder y, Dataset d) {
      y.append("  ").append(d.name()).append(":\n");
      y.append("    zones: ").append(flow(d.zones())).append('\n');
      y.append("    groupBy: [country]\n");
      y.append("    minGroupSize: ").append(d.minGroupSize()).append('\n');
      y.append("    metrics:\n");
      y.append("      ").append(d.metric()).append(":\n");
      y.append("        functions: ").append(flow(d.functions())).append('\n');
      y.append("        bounds: [0, ").append(d.upperBound()).append("]\n");
      if (!d.histogram().isEmpty()) {
        y.append("        histogram: ").append(flow(d.histogram())).append('\n');
      }
    }

    private static String flow(List<?> items) {
      return items.stream()
          .map(String::valueOf)
          .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }
  }
}
