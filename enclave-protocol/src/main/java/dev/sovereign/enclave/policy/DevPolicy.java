package dev.sovereign.enclave.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The development sovereignty policy as YAML text, for the demo, the benchmarks and the tests that
 * launch an enclave: the enclave region {@value #REGION}, the accepted PCR0 values, zones (EU, US
 * and APAC with their usual countries and processing regions, or any given), and the dataset
 * {@value #DATASET} over every zone (group by country, metric {@code points} bounded to [0,
 * 100000]), plus any further datasets; optionally pinned did:fabric networks ({@code
 * enclave.fabricNetworks}) and {@code evidence.askHost}, written only when given (so a policy
 * without them keeps its hash). It builds the policy records and writes them with {@link
 * SovereigntyPolicy#toYaml()}; the enclave checks the YAML like any other policy ({@link
 * PolicyLoader}).
 */
public final class DevPolicy {
  private DevPolicy() {}

  /** The development dataset. */
  public static final String DATASET = "loyalty-points";

  /** The development enclave's region. */
  public static final String REGION = "eu-central-1";

  /** A zone: countries, the regions its data may be processed in, its trust anchor DID. */
  public record Zone(
      String name, List<String> countries, List<String> processingRegions, String trustAnchor) {
    SovereigntyPolicy.Zone toPolicy() {
      return new SovereigntyPolicy.Zone(
          name, countries, processingRegions, List.of(String.valueOf(trustAnchor)));
    }
  }

  /** A dataset grouped by country with one metric bounded to [0, {@code upperBound}]. */
  public record Dataset(
      String name,
      List<String> zones,
      int minGroupSize,
      String metric,
      List<String> functions,
      long upperBound,
      List<Long> histogram) {
    /** The policy record: grouped by country, one metric bounded to [0, upperBound]. */
    public SovereigntyPolicy.Dataset toPolicy() {
      EnumSet<AggregateFunction> fns = EnumSet.noneOf(AggregateFunction.class);
      functions.forEach(f -> fns.add(AggregateFunction.valueOf(f.toUpperCase(Locale.ROOT))));
      SortedMap<String, SovereigntyPolicy.Metric> metrics = new TreeMap<>();
      metrics.put(
          metric,
          new SovereigntyPolicy.Metric(
              metric, fns, 0, upperBound, histogram.stream().map(Long::doubleValue).toList()));
      return new SovereigntyPolicy.Dataset(
          name,
          zones,
          List.of("country"),
          metrics,
          minGroupSize,
          Optional.empty(),
          SovereigntyPolicy.Privacy.defaults(Optional.empty()));
    }
  }

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
    private final List<SovereigntyPolicy.Dataset> more = new ArrayList<>();
    private int minGroupSize = 2;
    private List<String> functions = List.of("sum", "count", "mean", "min", "max");
    private List<Long> histogram = List.of();
    private Integer maxRecordsPerPayload;
    private Optional<Double> epsilon = Optional.empty();
    private SovereigntyPolicy.Privacy privacy;

    /** network -> MSP id -> pinned organisation CA certificates. */
    private final Map<String, Map<String, List<X509Certificate>>> fabricNetworks =
        new LinkedHashMap<>();

    private final Map<String, Integer> fabricMinOrgs = new LinkedHashMap<>();
    private boolean askHost;
    private java.time.Duration roundTtl;
    private boolean requireCredentialStatus;
    private java.time.Duration statusListMaxAge =
        SovereigntyPolicy.Evidence.DEFAULT_STATUS_LIST_MAX_AGE;

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

    /** The per-round {@code epsilon} of {@value #DATASET} (default: none, exact release). */
    public Builder epsilon(double e) {
      epsilon = Optional.of(e);
      return this;
    }

    /**
     * {@value #DATASET}'s {@code privacy} section: contribution bounds per producer, clamp or
     * reject, and the total budget (needs {@link #epsilon}); default: not written (the loader's
     * defaults apply).
     */
    public Builder privacy(
        int payloadsPerRound,
        int groupsPerProducer,
        int recordsPerGroup,
        boolean clamp,
        Double budgetEpsilon) {
      privacy =
          new SovereigntyPolicy.Privacy(
              true,
              payloadsPerRound,
              groupsPerProducer,
              recordsPerGroup,
              clamp,
              Optional.ofNullable(budgetEpsilon));
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
      X509Certificate ca;
      try {
        ca = SovereigntyPolicy.FabricNetwork.certificate(caPem);
      } catch (CertificateException e) {
        throw new IllegalArgumentException("not a PEM X.509 certificate", e);
      }
      fabricNetworks
          .computeIfAbsent(network, n -> new LinkedHashMap<>())
          .computeIfAbsent(mspId, m -> new ArrayList<>())
          .add(ca);
      return this;
    }

    /**
     * {@code enclave.fabricNetworks.NETWORK.minEndorsingOrgs}: how many of the pinned organisations
     * must endorse a read of {@code network} (default 1).
     */
    public Builder fabricMinEndorsingOrgs(String network, int orgs) {
      fabricMinOrgs.put(network, orgs);
      return this;
    }

    /** {@code evidence.requireCredentialStatus} (default false, then not written). */
    public Builder requireCredentialStatus(boolean require) {
      requireCredentialStatus = require;
      return this;
    }

    /** {@code evidence.statusListMaxAge} (default P1D, then not written). */
    public Builder statusListMaxAge(java.time.Duration maxAge) {
      statusListMaxAge = maxAge;
      return this;
    }

    /** {@code evidence.askHost} (default false, then not written). */
    public Builder askHost(boolean ask) {
      askHost = ask;
      return this;
    }

    /** {@code retention.roundTtl}: how long a round takes payloads (default PT24H). */
    public Builder roundTtl(java.time.Duration ttl) {
      roundTtl = ttl;
      return this;
    }

    /** A further dataset in the shorthand shape. */
    public Builder dataset(Dataset d) {
      return dataset(d.toPolicy());
    }

    /** A further dataset, any shape. */
    public Builder dataset(SovereigntyPolicy.Dataset d) {
      more.add(d);
      return this;
    }

    /** The policy as records (not validated: {@link PolicyLoader} validates its YAML). */
    SovereigntyPolicy policy() {
      SortedMap<String, SovereigntyPolicy.Zone> zs = new TreeMap<>();
      zones.values().forEach(z -> zs.put(z.name(), z.toPolicy()));
      SortedMap<String, SovereigntyPolicy.Dataset> ds = new TreeMap<>();
      SovereigntyPolicy.Dataset main =
          new Dataset(
                  DATASET,
                  List.copyOf(zones.keySet()),
                  minGroupSize,
                  "points",
                  functions,
                  100_000,
                  histogram)
              .toPolicy();
      main =
          new SovereigntyPolicy.Dataset(
              main.name(),
              main.zones(),
              main.groupBy(),
              main.metrics(),
              main.minGroupSize(),
              epsilon,
              privacy == null ? SovereigntyPolicy.Privacy.defaults(epsilon) : privacy);
      ds.put(main.name(), main);
      more.forEach(d -> ds.put(d.name(), d));
      SortedMap<String, SovereigntyPolicy.FabricNetwork> networks = new TreeMap<>();
      fabricNetworks.forEach(
          (network, orgs) -> {
            SortedMap<String, List<X509Certificate>> cas = new TreeMap<>();
            orgs.forEach((msp, certs) -> cas.put(msp, List.copyOf(certs)));
            networks.put(
                network,
                new SovereigntyPolicy.FabricNetwork(
                    network,
                    SovereigntyPolicy.FabricNetwork.DEFAULT_CHAINCODE,
                    fabricMinOrgs.getOrDefault(
                        network, SovereigntyPolicy.FabricNetwork.DEFAULT_MIN_ENDORSING_ORGS),
                    SovereigntyPolicy.FabricNetwork.DEFAULT_EVIDENCE_MAX_AGE,
                    cas));
          });
      SovereigntyPolicy.Limits limits =
          maxRecordsPerPayload == null
              ? SovereigntyPolicy.Limits.DEFAULT
              : new SovereigntyPolicy.Limits(
                  SovereigntyPolicy.Limits.DEFAULT.maxPayloadBytes(),
                  maxRecordsPerPayload,
                  SovereigntyPolicy.Limits.DEFAULT.maxCredentialsPerPayload());
      return SovereigntyPolicy.of(
          SovereigntyPolicy.VERSION,
          policyId,
          REGION,
          pcr0,
          SovereigntyPolicy.DEFAULT_DID_METHODS,
          networks,
          zs,
          ds,
          SovereigntyPolicy.Output.DEFAULT,
          roundTtl == null
              ? SovereigntyPolicy.Retention.DEFAULT
              : new SovereigntyPolicy.Retention(
                  roundTtl, SovereigntyPolicy.Retention.DEFAULT.sealedStateMaxAge()),
          limits,
          new SovereigntyPolicy.Evidence(askHost, requireCredentialStatus, statusListMaxAge));
    }

    /** The policy as YAML (the effective policy written from its records). */
    public String yaml() {
      return policy().toYaml();
    }

    /** Writes {@link #yaml()} to {@code file}; returns it. */
    public Path write(Path file) throws IOException {
      return Files.writeString(file, yaml());
    }
  }
}
