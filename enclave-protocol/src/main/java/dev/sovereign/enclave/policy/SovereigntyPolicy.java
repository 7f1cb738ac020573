package dev.sovereign.enclave.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.crypto.Jcs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * A validated sovereignty policy. {@link #sha256()} is the SHA-256 of the RFC 8785 canonical JSON
 * of the effective policy ({@link #canonicalJson()}).
 *
 * <p>Each record below owns its part of the schema: {@code read} validates its YAML section through
 * a {@link PolicyReader} (defaults filled in, problems collected with their path) and {@code json}
 * writes its part of the effective policy, the input of the hash. {@link #toYaml()} writes the
 * effective policy back as YAML that loads to the same hash (the development policies are built
 * from these records and written that way, see {@link DevPolicy}). A key added to a record is added
 * to its {@code read} and {@code json} together; a key whose default is not written keeps the hash
 * of every policy written before it existed.
 */
public record SovereigntyPolicy(
    int version,
    String policyId,
    String enclaveRegion,
    List<String> acceptedPcr0,
    Set<String> didMethods,
    SortedMap<String, FabricNetwork> fabricNetworks,
    SortedMap<String, Zone> zones,
    SortedMap<String, Dataset> datasets,
    Output output,
    Retention retention,
    Limits limits,
    Evidence evidence,
    byte[] canonicalJson,
    byte[] sha256) {

  /** The policy format version this enclave reads. */
  public static final int VERSION = 1;

  /** The DID methods a policy may name. */
  static final Set<String> DID_METHODS = Set.of("key", "fabric", "ethr");

  /** The DID methods of a policy that names none. */
  static final Set<String> DEFAULT_DID_METHODS = Set.of("key", "fabric");

  private static final Pattern HEX384 = Pattern.compile("[0-9a-f]{96}");
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /**
   * A policy from its parts, its canonical JSON and hash computed from them. The parts are taken as
   * given: a policy meant for an enclave is validated by loading its YAML ({@link PolicyLoader}).
   */
  public static SovereigntyPolicy of(
      int version,
      String policyId,
      String enclaveRegion,
      List<String> acceptedPcr0,
      Set<String> didMethods,
      SortedMap<String, FabricNetwork> fabricNetworks,
      SortedMap<String, Zone> zones,
      SortedMap<String, Dataset> datasets,
      Output output,
      Retention retention,
      Limits limits,
      Evidence evidence) {
    SovereigntyPolicy draft =
        new SovereigntyPolicy(
            version,
            policyId,
            enclaveRegion,
            List.copyOf(acceptedPcr0),
            Collections.unmodifiableSet(new LinkedHashSet<>(didMethods)),
            Collections.unmodifiableSortedMap(new TreeMap<>(fabricNetworks)),
            Collections.unmodifiableSortedMap(new TreeMap<>(zones)),
            Collections.unmodifiableSortedMap(new TreeMap<>(datasets)),
            output,
            retention,
            limits,
            evidence,
            new byte[0],
            new byte[0]);
    byte[] canonical = Jcs.canonicalize(draft.json(false));
    return new SovereigntyPolicy(
        draft.version,
        draft.policyId,
        draft.enclaveRegion,
        draft.acceptedPcr0,
        draft.didMethods,
        draft.fabricNetworks,
        draft.zones,
        draft.datasets,
        output,
        retention,
        limits,
        evidence,
        canonical,
        sha256(canonical));
  }

  /** Reads and validates a whole policy document; problems go to {@code r}. */
  static SovereigntyPolicy read(PolicyReader r, Object root) {
    Map<String, Object> top = r.map("", root, true);
    if (top == null) {
      return null;
    }
    r.known(
        "",
        top,
        "version",
        "policyId",
        "enclave",
        "zones",
        "datasets",
        "output",
        "retention",
        "limits",
        "evidence");
    Integer version = r.integer("version", top.get("version"), 1, 1, true);
    if (version != null && version != VERSION) {
      r.problem("version", "must be " + VERSION);
    }
    String policyId = r.name("policyId", top.get("policyId"));
    EnclaveSection enclave = EnclaveSection.read(r, top.get("enclave"));
    SortedMap<String, Zone> zones = Zone.readAll(r, top.get("zones"));
    if (enclave.region() != null
        && !zones.isEmpty()
        && zones.values().stream().noneMatch(z -> z.processableIn(enclave.region()))) {
      r.problem("enclave.region", "no zone allows processing in '" + enclave.region() + "'");
    }
    SortedMap<String, Dataset> datasets = Dataset.readAll(r, top.get("datasets"), zones);
    Output output = Output.read(r, top.getOrDefault("output", Map.of()));
    Retention retention = Retention.read(r, top.getOrDefault("retention", Map.of()));
    Limits limits = Limits.read(r, top.getOrDefault("limits", Map.of()));
    Evidence evidence = Evidence.read(r, top.getOrDefault("evidence", Map.of()));
    if (!r.problems.isEmpty()) {
      return null;
    }
    return of(
        version,
        policyId,
        enclave.region(),
        enclave.pcr0(),
        enclave.methods(),
        enclave.fabricNetworks(),
        zones,
        datasets,
        output,
        retention,
        limits,
        evidence);
  }

  /** The {@code enclave} section: region, accepted measurements, DID methods, Fabric networks. */
  private record EnclaveSection(
      String region,
      List<String> pcr0,
      Set<String> methods,
      SortedMap<String, FabricNetwork> fabricNetworks) {
    static EnclaveSection read(PolicyReader r, Object value) {
      Map<String, Object> enclave = r.map("enclave", value, true);
      if (enclave == null) {
        return new EnclaveSection(null, List.of(), DEFAULT_DID_METHODS, new TreeMap<>());
      }
      r.known("enclave", enclave, "region", "acceptedMeasurements", "didMethods", "fabricNetworks");
      String region = r.name("enclave.region", enclave.get("region"));
      List<Object> ms =
          r.list("enclave.acceptedMeasurements", enclave.get("acceptedMeasurements"), true, 1);
      List<String> pcrs = new ArrayList<>();
      for (int i = 0; ms != null && i < ms.size(); i++) {
        String p = "enclave.acceptedMeasurements[" + i + "]";
        Map<String, Object> m = r.map(p, ms.get(i), true);
        if (m != null) {
          r.known(p, m, "pcr0");
          String v = r.string(p + ".pcr0", m.get("pcr0"), true);
          if (v != null && !HEX384.matcher(v).matches()) {
            r.problem(p + ".pcr0", "must be 96 lowercase hex digits (a SHA-384 measurement)");
          } else if (v != null) {
            pcrs.add(v);
          }
        }
      }
      Set<String> methods = new LinkedHashSet<>(List.of("key", "fabric"));
      if (enclave.containsKey("didMethods")) {
        methods =
            new LinkedHashSet<>(
                r.strings(
                    "enclave.didMethods",
                    enclave.get("didMethods"),
                    1,
                    s ->
                        DID_METHODS.contains(s)
                            ? null
                            : "unknown DID method '" + s + "' (known: ethr, fabric, key)"));
      }
      SortedMap<String, FabricNetwork> networks = new TreeMap<>();
      if (enclave.containsKey("fabricNetworks")) {
        Map<String, Object> fm =
            r.map("enclave.fabricNetworks", enclave.get("fabricNetworks"), true);
        for (Map.Entry<String, Object> e : entries(fm)) {
          FabricNetwork n =
              FabricNetwork.read(
                  r, "enclave.fabricNetworks." + e.getKey(), e.getKey(), e.getValue());
          if (n != null) {
            networks.put(e.getKey(), n);
          }
        }
        if (!networks.isEmpty() && !methods.contains("fabric")) {
          r.problem(
              "enclave.fabricNetworks",
              "networks are pinned but 'fabric' is not among enclave.didMethods");
        }
      }
      return new EnclaveSection(region, List.copyOf(pcrs), methods, networks);
    }
  }

  /**
   * The effective policy as JSON, every default filled in: the input of the hash ({@code
   * pemCertificates} false: pinned certificates as base64 DER), or of {@link #toYaml()} ({@code
   * true}: as PEM, which the loader reads).
   */
  JsonNode json(boolean pemCertificates) {
    ObjectNode root = JSON.objectNode();
    root.put("version", version);
    root.put("policyId", policyId);
    ObjectNode enclave = root.putObject("enclave");
    enclave.put("region", enclaveRegion);
    ArrayNode ms = enclave.putArray("acceptedMeasurements");
    acceptedPcr0.forEach(v -> ms.addObject().put("pcr0", v));
    ArrayNode dm = enclave.putArray("didMethods");
    didMethods.stream().sorted().forEach(dm::add);
    if (!fabricNetworks.isEmpty()) {
      // Only when present, so policies without did:fabric pins keep their hash.
      ObjectNode fn = enclave.putObject("fabricNetworks");
      fabricNetworks.forEach((name, n) -> fn.set(name, n.json(pemCertificates)));
    }
    ObjectNode zn = root.putObject("zones");
    zones.forEach((name, z) -> zn.set(name, z.json()));
    ObjectNode dn = root.putObject("datasets");
    datasets.forEach((name, d) -> dn.set(name, d.json()));
    root.set("output", output.json());
    root.set("retention", retention.json());
    root.set("limits", limits.json());
    evidence.json().ifPresent(e -> root.set("evidence", e));
    return root;
  }

  /** The effective policy as YAML; {@link PolicyLoader#parse} reads it back to this hash. */
  public String toYaml() {
    DumpSettings settings =
        DumpSettings.builder().setDefaultFlowStyle(FlowStyle.AUTO).setWidth(120).build();
    return new Dump(settings).dumpToString(plain(json(true)));
  }

  /** JSON as maps, lists and scalars for the YAML writer; integral numbers written as integers. */
  private static Object plain(JsonNode n) {
    if (n.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      n.fields().forEachRemaining(e -> m.put(e.getKey(), plain(e.getValue())));
      return m;
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>();
      n.forEach(e -> l.add(plain(e)));
      return l;
    }
    if (n.isIntegralNumber()) {
      return n.longValue();
    }
    if (n.isNumber()) {
      double d = n.doubleValue();
      return d == Math.rint(d) && Math.abs(d) <= (1L << 53) ? (Object) (long) d : (Object) d;
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    return n.isNull() ? null : n.textValue();
  }

  /**
   * A sovereignty zone: whose data it is (countries), where it may be processed, whom it trusts.
   */
  public record Zone(
      String name,
      List<String> countries,
      List<String> processingRegions,
      List<String> trustAnchors) {
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");

    public boolean processableIn(String region) {
      return processingRegions.contains(region);
    }

    static SortedMap<String, Zone> readAll(PolicyReader r, Object value) {
      SortedMap<String, Zone> zones = new TreeMap<>();
      Map<String, Object> zm = r.map("zones", value, true);
      if (zm != null && zm.isEmpty()) {
        r.problem("zones", "at least one zone is required");
      }
      for (Map.Entry<String, Object> e : entries(zm)) {
        Zone z = read(r, "zones." + e.getKey(), e.getKey(), e.getValue());
        if (z != null) {
          zones.put(e.getKey(), z);
        }
      }
      return zones;
    }

    static Zone read(PolicyReader r, String p, String name, Object value) {
      r.checkName(p, name);
      Map<String, Object> z = r.map(p, value, true);
      if (z == null) {
        return null;
      }
      r.known(p, z, "countries", "processingRegions", "trustAnchors");
      List<String> countries =
          r.strings(
              p + ".countries",
              z.get("countries"),
              1,
              s ->
                  COUNTRY.matcher(s).matches()
                      ? null
                      : "'" + s + "' is not an ISO 3166-1 alpha-2 code");
      List<String> regions =
          r.strings(
              p + ".processingRegions",
              z.get("processingRegions"),
              1,
              s ->
                  PolicyReader.NAME.matcher(s).matches()
                      ? null
                      : "'" + s + "' is not a region name");
      List<String> anchors =
          r.strings(
              p + ".trustAnchors",
              z.get("trustAnchors"),
              1,
              s ->
                  s.startsWith("did:") && s.split(":", 3).length == 3
                      ? null
                      : "'" + s + "' is not a DID");
      return new Zone(name, countries, regions, anchors);
    }

    ObjectNode json() {
      ObjectNode o = JSON.objectNode();
      strings(o.putArray("countries"), countries);
      strings(o.putArray("processingRegions"), processingRegions);
      strings(o.putArray("trustAnchors"), trustAnchors);
      return o;
    }
  }

  /** A dataset: contributing zones, group keys, metrics and disclosure rules. */
  public record Dataset(
      String name,
      List<String> zones,
      List<String> groupBy,
      SortedMap<String, Metric> metrics,
      int minGroupSize,
      Optional<Double> epsilon,
      Privacy privacy) {

    /**
     * The functions of {@code metric} the result publishes: all the policy lists except {@code min}
     * and {@code max}, which are never published exactly (an exact order statistic is one
     * producer's value). A policy that declares {@code privacy} and lists them is refused at load;
     * an older policy loads and they are withheld (the result says so).
     */
    public Set<AggregateFunction> published(Metric metric) {
      EnumSet<AggregateFunction> out = EnumSet.noneOf(AggregateFunction.class);
      out.addAll(metric.functions());
      out.remove(AggregateFunction.MIN);
      out.remove(AggregateFunction.MAX);
      return out;
    }

    /**
     * What a result under this dataset states about privacy, from the policy alone: the unit, the
     * threshold and what it counts, the contribution bounds, the clamp range per metric, the
     * functions withheld, and with noise the epsilon per round, delta and the total budget. The
     * enclave writes it into every result; a regulator holding the policy recomputes it and
     * compares ({@code sovereign verify --policy}).
     */
    public ObjectNode privacyStatement() {
      ObjectNode o = JSON.objectNode();
      o.put("unit", Privacy.UNIT);
      o.put("minGroupSize", minGroupSize);
      o.put("thresholdCounts", "distinct-producers");
      ObjectNode b = o.putObject("contributionBounds");
      b.put("declared", privacy.declared());
      b.put("payloadsPerRound", privacy.payloadsPerRound());
      b.put("groupsPerProducer", privacy.groupsPerProducer());
      b.put("recordsPerGroup", privacy.recordsPerGroup());
      b.put("onExcess", privacy.clamp() ? "clamp" : "reject");
      b.put("valuesOutsideBounds", privacy.declared() && privacy.clamp() ? "clamp" : "reject");
      ObjectNode ranges = o.putObject("clampRanges");
      ObjectNode withheld = JSON.objectNode();
      metrics.forEach(
          (name, m) -> {
            ranges.putArray(name).add(plain(m.lower())).add(plain(m.upper()));
            ArrayNode w = JSON.arrayNode();
            for (AggregateFunction f : m.functions()) {
              if (!published(m).contains(f)) {
                w.add(f.wire());
              }
            }
            if (!w.isEmpty()) {
              withheld.set(name, w);
            }
          });
      if (!withheld.isEmpty()) {
        o.set("withheld", withheld);
      }
      epsilon.ifPresent(
          e -> {
            o.put("mechanism", "discrete-laplace");
            o.put("epsilonPerRound", plain(e));
            o.put("delta", 0);
            o.put("budgetEpsilon", plain(privacy.budgetEpsilon().orElseThrow()));
          });
      return o;
    }

    private static java.math.BigDecimal plain(double d) {
      java.math.BigDecimal v = new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros();
      return v.scale() < 0 ? v.setScale(0) : v;
    }

    static SortedMap<String, Dataset> readAll(
        PolicyReader r, Object value, Map<String, Zone> zones) {
      SortedMap<String, Dataset> datasets = new TreeMap<>();
      Map<String, Object> dm = r.map("datasets", value, true);
      if (dm != null && dm.isEmpty()) {
        r.problem("datasets", "at least one dataset is required");
      }
      for (Map.Entry<String, Object> e : entries(dm)) {
        Dataset d = read(r, "datasets." + e.getKey(), e.getKey(), e.getValue(), zones);
        if (d != null) {
          datasets.put(e.getKey(), d);
        }
      }
      return datasets;
    }

    static Dataset read(
        PolicyReader r, String p, String name, Object value, Map<String, Zone> zones) {
      r.checkName(p, name);
      Map<String, Object> d = r.map(p, value, true);
      if (d == null) {
        return null;
      }
      r.known(p, d, "zones", "groupBy", "minGroupSize", "epsilon", "metrics", "privacy");
      List<String> dz =
          r.strings(
              p + ".zones",
              d.get("zones"),
              1,
              s -> zones.containsKey(s) ? null : "zone '" + s + "' is not declared under zones");
      List<String> groupBy =
          d.containsKey("groupBy")
              ? r.strings(
                  p + ".groupBy",
                  d.get("groupBy"),
                  0,
                  s ->
                      PolicyReader.NAME.matcher(s).matches()
                          ? null
                          : "'" + s + "' is not a key name")
              : List.of();
      Integer k = r.integer(p + ".minGroupSize", d.get("minGroupSize"), 1, 1_000_000, true);
      Optional<Double> epsilon = Optional.empty();
      if (d.containsKey("epsilon")) {
        Double eps = r.number(p + ".epsilon", d.get("epsilon"));
        if (eps != null && !(eps > 0 && eps <= 10)) {
          r.problem(p + ".epsilon", "must be in (0, 10]");
        } else if (eps != null) {
          epsilon = Optional.of(eps);
        }
      }
      Privacy privacy =
          d.containsKey("privacy")
              ? Privacy.read(r, p + ".privacy", d.get("privacy"), epsilon)
              : Privacy.defaults(epsilon);
      SortedMap<String, Metric> metrics = new TreeMap<>();
      Map<String, Object> mm = r.map(p + ".metrics", d.get("metrics"), true);
      if (mm != null && mm.isEmpty()) {
        r.problem(p + ".metrics", "at least one metric is required");
      }
      for (Map.Entry<String, Object> e : entries(mm)) {
        Metric m =
            Metric.read(
                r, p + ".metrics." + e.getKey(), e.getKey(), e.getValue(), epsilon, privacy);
        if (m != null) {
          metrics.put(e.getKey(), m);
        }
      }
      return new Dataset(
          name,
          dz,
          groupBy,
          Collections.unmodifiableSortedMap(metrics),
          k == null ? 0 : k,
          epsilon,
          privacy);
    }

    ObjectNode json() {
      ObjectNode o = JSON.objectNode();
      strings(o.putArray("zones"), zones);
      strings(o.putArray("groupBy"), groupBy);
      o.put("minGroupSize", minGroupSize);
      epsilon.ifPresent(e -> o.put("epsilon", e));
      ObjectNode mn = o.putObject("metrics");
      metrics.forEach((name, m) -> mn.set(name, m.json()));
      if (privacy.declared()) {
        // Only when declared, so policies written before it existed keep their hash.
        o.set("privacy", privacy.json());
      }
      return o;
    }
  }

  /**
   * The privacy settings of a dataset. The privacy unit is the producer (the verified DID behind a
   * payload): the minimum group size counts distinct producers, and each producer's contribution to
   * a round is bounded before anything is aggregated: at most {@code payloadsPerRound} accepted
   * payloads, records in at most {@code groupsPerProducer} (metric, group) cells, at most {@code
   * recordsPerGroup} records in each, values within the metric's {@code bounds}. {@code onExcess}
   * says what happens to a payload that goes beyond: {@code reject} it whole (reason {@code
   * contribution-limit-exceeded} or {@code value-out-of-bounds}), or {@code clamp}: clamp values to
   * the bounds and leave out the surplus records (a payload beyond {@code payloadsPerRound} is
   * always rejected, {@code producer-payload-limit}). {@code budgetEpsilon}: the total epsilon the
   * dataset may spend over all rounds (each round with noise spends the dataset's {@code epsilon});
   * the noise is pure epsilon-DP (discrete Laplace), so delta is 0.
   *
   * <p>A dataset without a {@code privacy} section gets {@link #defaults}: conservative bounds, and
   * its hash does not change (docs/sovereignty-policy.md).
   */
  public record Privacy(
      boolean declared,
      int payloadsPerRound,
      int groupsPerProducer,
      int recordsPerGroup,
      boolean clamp,
      Optional<Double> budgetEpsilon) {
    /** The privacy unit, stated in policy and result. */
    public static final String UNIT = "producer";

    static final int DEFAULT_PAYLOADS_PER_ROUND = 10;
    static final int DEFAULT_GROUPS_PER_PRODUCER = 10;
    static final int DEFAULT_RECORDS_PER_GROUP = 1;
    static final int DEFAULT_BUDGET_ROUNDS = 10;

    /**
     * The settings of a dataset that declares none: 10 payloads per round, 10 cells, 1 record per
     * cell, surplus records left out (values outside the bounds are still rejected, as before), and
     * a budget of 10 rounds' epsilon when the dataset has one.
     */
    public static Privacy defaults(Optional<Double> epsilon) {
      return new Privacy(
          false,
          DEFAULT_PAYLOADS_PER_ROUND,
          DEFAULT_GROUPS_PER_PRODUCER,
          DEFAULT_RECORDS_PER_GROUP,
          true,
          epsilon.map(e -> e * DEFAULT_BUDGET_ROUNDS));
    }

    static Privacy read(PolicyReader r, String p, Object value, Optional<Double> epsilon) {
      Map<String, Object> m = r.map(p, value, true);
      if (m == null) {
        return defaults(epsilon);
      }
      r.known(
          p,
          m,
          "unit",
          "payloadsPerRound",
          "groupsPerProducer",
          "recordsPerGroup",
          "onExcess",
          "budget");
      String unit = r.string(p + ".unit", m.getOrDefault("unit", UNIT), true);
      if (unit != null && !unit.equals(UNIT)) {
        r.problem(p + ".unit", "the privacy unit is the producer ('" + UNIT + "')");
      }
      Integer payloads =
          r.integer(p + ".payloadsPerRound", m.get("payloadsPerRound"), 1, 1_000_000, true);
      Integer groups =
          r.integer(p + ".groupsPerProducer", m.get("groupsPerProducer"), 1, 1_000_000, true);
      Integer records =
          r.integer(p + ".recordsPerGroup", m.get("recordsPerGroup"), 1, 1_000_000, true);
      String onExcess = r.string(p + ".onExcess", m.get("onExcess"), true);
      if (onExcess != null && !onExcess.equals("clamp") && !onExcess.equals("reject")) {
        r.problem(p + ".onExcess", "must be clamp or reject");
      }
      Optional<Double> budget = Optional.empty();
      if (m.containsKey("budget")) {
        Map<String, Object> b = r.map(p + ".budget", m.get("budget"), true);
        if (b != null) {
          r.known(p + ".budget", b, "epsilon");
          Double e = r.number(p + ".budget.epsilon", b.get("epsilon"));
          if (e != null && !(e > 0 && e <= 1000)) {
            r.problem(p + ".budget.epsilon", "must be in (0, 1000]");
          } else if (e != null) {
            budget = Optional.of(e);
            if (epsilon.isPresent() && e < epsilon.get()) {
              r.problem(p + ".budget.epsilon", "is below the epsilon of one round");
            }
          }
        }
        if (epsilon.isEmpty()) {
          r.problem(p + ".budget", "a budget needs the dataset's epsilon (the spend per round)");
        }
      } else if (epsilon.isPresent()) {
        r.problem(p + ".budget", "required when the dataset has an epsilon");
      }
      return new Privacy(
          true,
          payloads == null ? 1 : payloads,
          groups == null ? 1 : groups,
          records == null ? 1 : records,
          "clamp".equals(onExcess),
          budget);
    }

    ObjectNode json() {
      ObjectNode o = JSON.objectNode();
      o.put("unit", UNIT);
      o.put("payloadsPerRound", payloadsPerRound);
      o.put("groupsPerProducer", groupsPerProducer);
      o.put("recordsPerGroup", recordsPerGroup);
      o.put("onExcess", clamp ? "clamp" : "reject");
      budgetEpsilon.ifPresent(e -> o.putObject("budget").put("epsilon", e));
      return o;
    }
  }

  /** A metric: allowed functions, the value bounds (also the DP sensitivity), histogram edges. */
  public record Metric(
      String name,
      Set<AggregateFunction> functions,
      double lower,
      double upper,
      List<Double> histogramEdges) {

    static Metric read(
        PolicyReader r,
        String mp,
        String name,
        Object value,
        Optional<Double> epsilon,
        Privacy privacy) {
      r.checkName(mp, name);
      Map<String, Object> m = r.map(mp, value, true);
      if (m == null) {
        return null;
      }
      r.known(mp, m, "functions", "bounds", "histogram");
      EnumSet<AggregateFunction> fns = EnumSet.noneOf(AggregateFunction.class);
      for (String f :
          r.strings(
              mp + ".functions",
              m.get("functions"),
              1,
              s -> {
                try {
                  AggregateFunction.valueOf(s.toUpperCase(Locale.ROOT));
                  return s.equals(s.toLowerCase(Locale.ROOT))
                      ? null
                      : "'" + s + "' must be lowercase";
                } catch (IllegalArgumentException x) {
                  return "unknown function '"
                      + s
                      + "' (known: count, histogram, max, mean, min, sum)";
                }
              })) {
        fns.add(AggregateFunction.valueOf(f.toUpperCase(Locale.ROOT)));
      }
      List<Object> bounds = r.list(mp + ".bounds", m.get("bounds"), true, 2);
      double lo = 0;
      double hi = 0;
      if (bounds != null && bounds.size() != 2) {
        r.problem(mp + ".bounds", "must be [lower, upper]");
      } else if (bounds != null) {
        Double l = r.number(mp + ".bounds[0]", bounds.get(0));
        Double h = r.number(mp + ".bounds[1]", bounds.get(1));
        if (l != null && h != null && !(l < h)) {
          r.problem(
              mp + ".bounds",
              "lower bound " + Jcs.number(l) + " must be below upper bound " + Jcs.number(h));
        }
        lo = l == null ? 0 : l;
        hi = h == null ? 0 : h;
      }
      List<Double> edges = new ArrayList<>();
      if (m.containsKey("histogram")) {
        List<Object> hs = r.list(mp + ".histogram", m.get("histogram"), true, 2);
        for (int i = 0; hs != null && i < hs.size(); i++) {
          Double v = r.number(mp + ".histogram[" + i + "]", hs.get(i));
          if (v != null && !edges.isEmpty() && !(v > edges.get(edges.size() - 1))) {
            r.problem(mp + ".histogram[" + i + "]", "edges must increase strictly");
          }
          if (v != null) {
            edges.add(v);
          }
        }
        if (!fns.contains(AggregateFunction.HISTOGRAM)) {
          r.problem(mp + ".histogram", "edges given but 'histogram' is not among the functions");
        }
      } else if (fns.contains(AggregateFunction.HISTOGRAM)) {
        r.problem(mp + ".histogram", "required when 'histogram' is among the functions");
      }
      if (epsilon.isPresent()
          && (fns.contains(AggregateFunction.MIN) || fns.contains(AggregateFunction.MAX))) {
        r.problem(
            mp + ".functions",
            "min and max cannot be released with differential privacy (epsilon is set)");
      } else if (privacy.declared()
          && (fns.contains(AggregateFunction.MIN) || fns.contains(AggregateFunction.MAX))) {
        r.problem(
            mp + ".functions",
            "min and max are never published: an exact order statistic is one producer's value");
      }
      return new Metric(name, Collections.unmodifiableSet(fns), lo, hi, List.copyOf(edges));
    }

    ObjectNode json() {
      ObjectNode mo = JSON.objectNode();
      ArrayNode fa = mo.putArray("functions");
      functions.forEach(fn -> fa.add(fn.wire()));
      mo.putArray("bounds").add(lower).add(upper);
      if (!histogramEdges.isEmpty()) {
        ArrayNode h = mo.putArray("histogram");
        histogramEdges.forEach(h::add);
      }
      return mo;
    }
  }

  /**
   * A Fabric network whose did:fabric DIDs the enclave can verify: the organisation CA certificates
   * pinned per MSP id, the chaincode whose answers peers endorse, how many distinct organisations
   * must endorse a read, and how long verified evidence serves before the host must supply it
   * again.
   */
  public record FabricNetwork(
      String network,
      String chaincode,
      int minEndorsingOrgs,
      Duration evidenceMaxAge,
      SortedMap<String, List<X509Certificate>> organisations) {
    /** Defaults of a network that names only its organisations. */
    public static final String DEFAULT_CHAINCODE = "didfabric";

    public static final int DEFAULT_MIN_ENDORSING_ORGS = 1;
    public static final Duration DEFAULT_EVIDENCE_MAX_AGE = Duration.ofHours(1);

    private static final Pattern FABRIC_NETWORK = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Pattern MSP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    static FabricNetwork read(PolicyReader r, String p, String name, Object value) {
      if (!FABRIC_NETWORK.matcher(name).matches()) {
        r.problem(p, "network name must match [a-z][a-z0-9-]{0,31} (the did:fabric network)");
      }
      Map<String, Object> n = r.map(p, value, true);
      if (n == null) {
        return null;
      }
      r.known(p, n, "organisations", "chaincode", "minEndorsingOrgs", "evidenceMaxAge");
      String chaincode =
          n.containsKey("chaincode")
              ? r.string(p + ".chaincode", n.get("chaincode"), true)
              : DEFAULT_CHAINCODE;
      if (chaincode != null && !PolicyReader.NAME.matcher(chaincode).matches()) {
        r.problem(p + ".chaincode", "'" + chaincode + "' is not a chaincode name");
      }
      Integer minOrgs =
          r.integer(
              p + ".minEndorsingOrgs",
              n.getOrDefault("minEndorsingOrgs", DEFAULT_MIN_ENDORSING_ORGS),
              1,
              64,
              false);
      Duration maxAge =
          r.duration(
              p + ".evidenceMaxAge",
              n.getOrDefault("evidenceMaxAge", DEFAULT_EVIDENCE_MAX_AGE.toString()));
      SortedMap<String, List<X509Certificate>> orgs = new TreeMap<>();
      Map<String, Object> om = r.map(p + ".organisations", n.get("organisations"), true);
      if (om != null && om.isEmpty()) {
        r.problem(
            p + ".organisations",
            "at least one organisation (MSP id: [CA certificates]) is required");
      }
      for (Map.Entry<String, Object> e : entries(om)) {
        String op = p + ".organisations." + e.getKey();
        if (!MSP_ID.matcher(e.getKey()).matches()) {
          r.problem(op, "'" + e.getKey() + "' is not an MSP id");
        }
        List<X509Certificate> cas = new ArrayList<>();
        for (String pem : r.strings(op, e.getValue(), 1, s -> null)) {
          try {
            X509Certificate x = certificate(pem);
            if (x.getBasicConstraints() < 0) {
              r.problem(
                  op + "[" + cas.size() + "]", "not a CA certificate (no CA basic constraint)");
            } else {
              cas.add(x);
            }
          } catch (CertificateException | ClassCastException ex) {
            r.problem(op + "[" + cas.size() + "]", "not a PEM X.509 certificate");
          }
        }
        orgs.put(e.getKey(), List.copyOf(cas));
      }
      if (minOrgs != null && minOrgs > orgs.size() && om != null && !om.isEmpty()) {
        r.problem(
            p + ".minEndorsingOrgs",
            minOrgs + " exceeds the " + orgs.size() + " pinned organisations");
      }
      return new FabricNetwork(
          name,
          chaincode,
          minOrgs == null ? DEFAULT_MIN_ENDORSING_ORGS : minOrgs,
          maxAge,
          Collections.unmodifiableSortedMap(orgs));
    }

    /** A certificate from PEM (or DER). */
    public static X509Certificate certificate(String pem) throws CertificateException {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    ObjectNode json(boolean pem) {
      ObjectNode o = JSON.objectNode();
      o.put("chaincode", chaincode);
      o.put("minEndorsingOrgs", minEndorsingOrgs);
      o.put("evidenceMaxAge", evidenceMaxAge.toString());
      ObjectNode orgs = o.putObject("organisations");
      organisations.forEach(
          (msp, cas) -> {
            ArrayNode a = orgs.putArray(msp);
            for (X509Certificate c : cas) {
              try {
                String b64 = Base64.getEncoder().encodeToString(c.getEncoded());
                a.add(
                    pem
                        ? "-----BEGIN CERTIFICATE-----\n"
                            + Base64.getMimeEncoder(64, new byte[] {'\n'})
                                .encodeToString(c.getEncoded())
                            + "\n-----END CERTIFICATE-----\n"
                        : b64);
              } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
              }
            }
          });
      return o;
    }
  }

  /** What the result may contain. */
  public record Output(boolean includeAttestation, int maxGroups) {
    public static final Output DEFAULT = new Output(true, 10_000);

    static Output read(PolicyReader r, Object value) {
      Map<String, Object> om = r.map("output", value, false);
      if (om == null) {
        return DEFAULT;
      }
      r.known("output", om, "includeAttestation", "maxGroups");
      boolean includeAttestation =
          r.bool("output.includeAttestation", om.getOrDefault("includeAttestation", true));
      Integer mg =
          r.integer(
              "output.maxGroups",
              om.getOrDefault("maxGroups", DEFAULT.maxGroups),
              1,
              1_000_000,
              false);
      return new Output(includeAttestation, mg == null ? 0 : mg);
    }

    ObjectNode json() {
      ObjectNode on = JSON.objectNode();
      on.put("includeAttestation", includeAttestation);
      on.put("maxGroups", maxGroups);
      return on;
    }
  }

  /** How long rounds and sealed state live. */
  public record Retention(Duration roundTtl, Duration sealedStateMaxAge) {
    public static final Retention DEFAULT =
        new Retention(Duration.ofHours(24), Duration.ofDays(30));

    static Retention read(PolicyReader r, Object value) {
      Map<String, Object> rm = r.map("retention", value, false);
      if (rm == null) {
        return DEFAULT;
      }
      r.known("retention", rm, "roundTtl", "sealedStateMaxAge");
      return new Retention(
          r.duration("retention.roundTtl", rm.getOrDefault("roundTtl", "PT24H")),
          r.duration("retention.sealedStateMaxAge", rm.getOrDefault("sealedStateMaxAge", "P30D")));
    }

    ObjectNode json() {
      ObjectNode rn = JSON.objectNode();
      rn.put("roundTtl", roundTtl.toString());
      rn.put("sealedStateMaxAge", sealedStateMaxAge.toString());
      return rn;
    }
  }

  /**
   * Evidence the enclave may ask the host for. {@code askHost}: a payload that fails only for
   * missing did:fabric evidence or a missing status list may be answered {@code deferred}, naming
   * what is missing (the producer's DID, status list URLs) to the host, which fetches it and
   * resends the payload. Naming a producer's DID tells the host who sent that payload, so it is off
   * unless the policy opts in (docs/sovereignty-policy.md).
   */
  public record Evidence(
      boolean askHost, boolean requireCredentialStatus, Duration statusListMaxAge) {
    /** A status list issued longer ago than this is refused unless the policy says otherwise. */
    public static final Duration DEFAULT_STATUS_LIST_MAX_AGE = Duration.ofDays(1);

    public static final Evidence DEFAULT = new Evidence(false);

    /** Only {@code askHost}; the status settings at their defaults. */
    public Evidence(boolean askHost) {
      this(askHost, false, DEFAULT_STATUS_LIST_MAX_AGE);
    }

    static Evidence read(PolicyReader r, Object value) {
      Map<String, Object> em = r.map("evidence", value, false);
      if (em == null) {
        return DEFAULT;
      }
      r.known("evidence", em, "askHost", "requireCredentialStatus", "statusListMaxAge");
      return new Evidence(
          r.bool("evidence.askHost", em.getOrDefault("askHost", false)),
          r.bool(
              "evidence.requireCredentialStatus",
              em.getOrDefault("requireCredentialStatus", false)),
          r.duration(
              "evidence.statusListMaxAge",
              em.getOrDefault("statusListMaxAge", DEFAULT_STATUS_LIST_MAX_AGE.toString())));
    }

    /**
     * Only the members that differ from their defaults, so existing policies (and explicit
     * defaults) keep their hash.
     */
    Optional<ObjectNode> json() {
      ObjectNode o = JSON.objectNode();
      if (askHost) {
        o.put("askHost", true);
      }
      if (requireCredentialStatus) {
        o.put("requireCredentialStatus", true);
      }
      if (!DEFAULT_STATUS_LIST_MAX_AGE.equals(statusListMaxAge)) {
        o.put("statusListMaxAge", statusListMaxAge.toString());
      }
      return o.isEmpty() ? Optional.empty() : Optional.of(o);
    }
  }

  /** Input limits enforced before any cryptography. */
  public record Limits(
      int maxPayloadBytes, int maxRecordsPerPayload, int maxCredentialsPerPayload) {
    public static final Limits DEFAULT = new Limits(1 << 20, 1000, 4);

    static Limits read(PolicyReader r, Object value) {
      Map<String, Object> lm = r.map("limits", value, false);
      if (lm == null) {
        return DEFAULT;
      }
      r.known("limits", lm, "maxPayloadBytes", "maxRecordsPerPayload", "maxCredentialsPerPayload");
      Integer a =
          r.integer(
              "limits.maxPayloadBytes",
              lm.getOrDefault("maxPayloadBytes", DEFAULT.maxPayloadBytes),
              256,
              8 << 20,
              false);
      Integer b =
          r.integer(
              "limits.maxRecordsPerPayload",
              lm.getOrDefault("maxRecordsPerPayload", DEFAULT.maxRecordsPerPayload),
              1,
              100_000,
              false);
      Integer c =
          r.integer(
              "limits.maxCredentialsPerPayload",
              lm.getOrDefault("maxCredentialsPerPayload", DEFAULT.maxCredentialsPerPayload),
              1,
              16,
              false);
      return new Limits(a == null ? 0 : a, b == null ? 0 : b, c == null ? 0 : c);
    }

    ObjectNode json() {
      ObjectNode ln = JSON.objectNode();
      ln.put("maxPayloadBytes", maxPayloadBytes);
      ln.put("maxRecordsPerPayload", maxRecordsPerPayload);
      ln.put("maxCredentialsPerPayload", maxCredentialsPerPayload);
      return ln;
    }
  }

  public SovereigntyPolicy {
    canonicalJson = canonicalJson.clone();
    sha256 = sha256.clone();
  }

  @Override
  public byte[] canonicalJson() {
    return canonicalJson.clone();
  }

  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  /** The policy hash as lowercase hex. */
  public String sha256Hex() {
    return HexFormat.of().formatHex(sha256);
  }

  public Optional<Dataset> dataset(String name) {
    return Optional.ofNullable(datasets.get(name));
  }

  /**
   * The privacy statement each dataset declares ({@link Dataset#privacyStatement()}), by dataset
   * name: what a regulator compares a result's stated privacy parameters with.
   */
  public Map<String, ObjectNode> privacyStatements() {
    Map<String, ObjectNode> m = new TreeMap<>();
    datasets.forEach((name, d) -> m.put(name, d.privacyStatement()));
    return Collections.unmodifiableMap(m);
  }

  public Optional<Zone> zone(String name) {
    return Optional.ofNullable(zones.get(name));
  }

  public Map<String, Zone> zoneMap() {
    return zones;
  }

  private static Iterable<Map.Entry<String, Object>> entries(Map<String, Object> m) {
    return m == null ? List.of() : m.entrySet();
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
