package dev.sovereign.enclave.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads a sovereignty policy from YAML and validates every field, collecting all problems as {@code
 * path: problem} (for example {@code datasets.loyalty-points.metrics.points.bounds: lower bound 10
 * is above upper bound 5}). Unknown keys are problems too: a typo must not silently weaken a
 * policy.
 */
public final class PolicyLoader {
  /** The policy format version this enclave reads. */
  public static final int VERSION = 1;

  private static final int MAX_POLICY_BYTES = 1 << 20;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
  private static final Pattern HEX384 = Pattern.compile("[0-9a-f]{96}");
  private static final Set<String> DID_METHODS = Set.of("key", "fabric", "ethr");

  private final List<String> problems = new ArrayList<>();

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
    return new PolicyLoader().build(root);
  }

  private SovereigntyPolicy build(Object root) throws InvalidPolicyException {
    Map<String, Object> top = map("", root, true);
    if (top == null) {
      throw new InvalidPolicyException(problems);
    }
    known(
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
    Integer version = integer("version", top.get("version"), 1, 1, true);
    if (version != null && version != VERSION) {
      problems.add("version: must be " + VERSION);
    }
    String policyId = name("policyId", top.get("policyId"));

    Map<String, Object> enclave = map("enclave", top.get("enclave"), true);
    String region = null;
    List<String> pcr0 = List.of();
    Set<String> methods = new LinkedHashSet<>(List.of("key", "fabric"));
    if (enclave != null) {
      known("enclave", enclave, "region", "acceptedMeasurements", "didMethods", "fabricNetworks");
      region = name("enclave.region", enclave.get("region"));
      List<Object> ms =
          list("enclave.acceptedMeasurements", enclave.get("acceptedMeasurements"), true, 1);
      List<String> pcrs = new ArrayList<>();
      for (int i = 0; ms != null && i < ms.size(); i++) {
        String p = "enclave.acceptedMeasurements[" + i + "]";
        Map<String, Object> m = map(p, ms.get(i), true);
        if (m != null) {
          known(p, m, "pcr0");
          String v = string(p + ".pcr0", m.get("pcr0"), true);
          if (v != null && !HEX384.matcher(v).matches()) {
            problems.add(p + ".pcr0: must be 96 lowercase hex digits (a SHA-384 measurement)");
          } else if (v != null) {
            pcrs.add(v);
          }
        }
      }
      pcr0 = List.copyOf(pcrs);
      if (enclave.containsKey("didMethods")) {
        methods =
            new LinkedHashSet<>(
                strings(
                    "enclave.didMethods",
                    enclave.get("didMethods"),
                    1,
                    s -> {
                      return DID_METHODS.contains(s)
                          ? null
                          : "unknown DID method '" + s + "' (known: ethr, fabric, key)";
                    }));
      }
    }

    SortedMap<String, SovereigntyPolicy.FabricNetwork> fabricNetworks = new TreeMap<>();
    if (enclave != null && enclave.containsKey("fabricNetworks")) {
      Map<String, Object> fm = map("enclave.fabricNetworks", enclave.get("fabricNetworks"), true);
      for (Map.Entry<String, Object> e :
          fm == null ? Map.<String, Object>of().entrySet() : fm.entrySet()) {
        SovereigntyPolicy.FabricNetwork n =
            fabricNetwork("enclave.fabricNetworks." + e.getKey(), e.getKey(), e.getValue());
        if (n != null) {
          fabricNetworks.put(e.getKey(), n);
        }
      }
      if (!fabricNetworks.isEmpty() && !methods.contains("fabric")) {
        problems.add(
            "enclave.fabricNetworks: networks are pinned but 'fabric' is not among enclave.didMethods");
      }
    }

    SortedMap<String, SovereigntyPolicy.Zone> zones = new TreeMap<>();
    Map<String, Object> zm = map("zones", top.get("zones"), true);
    if (zm != null && zm.isEmpty()) {
      problems.add("zones: at least one zone is required");
    }
    if (zm != null) {
      for (Map.Entry<String, Object> e : zm.entrySet()) {
        String p = "zones." + e.getKey();
        checkName(p, e.getKey());
        Map<String, Object> z = map(p, e.getValue(), true);
        if (z == null) {
          continue;
        }
        known(p, z, "countries", "processingRegions", "trustAnchors");
        List<String> countries =
            strings(
                p + ".countries",
                z.get("countries"),
                1,
                s ->
                    COUNTRY.matcher(s).matches()
                        ? null
                        : "'" + s + "' is not an ISO 3166-1 alpha-2 code");
        List<String> regions =
            strings(
                p + ".processingRegions",
                z.get("processingRegions"),
                1,
                s -> NAME.matcher(s).matches() ? null : "'" + s + "' is not a region name");
        List<String> anchors =
            strings(
                p + ".trustAnchors",
                z.get("trustAnchors"),
                1,
                s ->
                    s.startsWith("did:") && s.split(":", 3).length == 3
                        ? null
                        : "'" + s + "' is not a DID");
        zones.put(e.getKey(), new SovereigntyPolicy.Zone(e.getKey(), countries, regions, anchors));
      }
    }
    String enclaveRegion = region;
    if (enclaveRegion != null
        && !zones.isEmpty()
        && zones.values().stream().noneMatch(z -> z.processableIn(enclaveRegion))) {
      problems.add("enclave.region: no zone allows processing in '" + region + "'");
    }

    SortedMap<String, SovereigntyPolicy.Dataset> datasets = new TreeMap<>();
    Map<String, Object> dm = map("datasets", top.get("datasets"), true);
    if (dm != null && dm.isEmpty()) {
      problems.add("datasets: at least one dataset is required");
    }
    if (dm != null) {
      for (Map.Entry<String, Object> e : dm.entrySet()) {
        SovereigntyPolicy.Dataset d =
            dataset("datasets." + e.getKey(), e.getKey(), e.getValue(), zones);
        if (d != null) {
          datasets.put(e.getKey(), d);
        }
      }
    }

    Map<String, Object> om = map("output", top.getOrDefault("output", Map.of()), false);
    boolean includeAttestation = true;
    int maxGroups = 10_000;
    if (om != null) {
      known("output", om, "includeAttestation", "maxGroups");
      includeAttestation =
          bool("output.includeAttestation", om.getOrDefault("includeAttestation", true));
      Integer mg =
          integer("output.maxGroups", om.getOrDefault("maxGroups", 10_000), 1, 1_000_000, false);
      maxGroups = mg == null ? 0 : mg;
    }
    Map<String, Object> rm = map("retention", top.getOrDefault("retention", Map.of()), false);
    Duration ttl = Duration.ofHours(24);
    Duration sealedAge = Duration.ofDays(30);
    if (rm != null) {
      known("retention", rm, "roundTtl", "sealedStateMaxAge");
      ttl = duration("retention.roundTtl", rm.getOrDefault("roundTtl", "PT24H"));
      sealedAge =
          duration("retention.sealedStateMaxAge", rm.getOrDefault("sealedStateMaxAge", "P30D"));
    }
    Map<String, Object> lm = map("limits", top.getOrDefault("limits", Map.of()), false);
    int maxBytes = 1 << 20;
    int maxRecords = 1000;
    int maxCreds = 4;
    if (lm != null) {
      known("limits", lm, "maxPayloadBytes", "maxRecordsPerPayload", "maxCredentialsPerPayload");
      Integer a =
          integer(
              "limits.maxPayloadBytes",
              lm.getOrDefault("maxPayloadBytes", maxBytes),
              256,
              8 << 20,
              false);
      Integer b =
          integer(
              "limits.maxRecordsPerPayload",
              lm.getOrDefault("maxRecordsPerPayload", maxRecords),
              1,
              100_000,
              false);
      Integer c =
          integer(
              "limits.maxCredentialsPerPayload",
              lm.getOrDefault("maxCredentialsPerPayload", maxCreds),
              1,
              16,
              false);
      maxBytes = a == null ? 0 : a;
      maxRecords = b == null ? 0 : b;
      maxCreds = c == null ? 0 : c;
    }
    Map<String, Object> em = map("evidence", top.getOrDefault("evidence", Map.of()), false);
    boolean askHost = false;
    if (em != null) {
      known("evidence", em, "askHost");
      askHost = bool("evidence.askHost", em.getOrDefault("askHost", false));
    }
    if (!problems.isEmpty()) {
      throw new InvalidPolicyException(problems);
    }
    SovereigntyPolicy.Evidence evidence = new SovereigntyPolicy.Evidence(askHost);
    SovereigntyPolicy.Output output = new SovereigntyPolicy.Output(includeAttestation, maxGroups);
    SovereigntyPolicy.Retention retention = new SovereigntyPolicy.Retention(ttl, sealedAge);
    SovereigntyPolicy.Limits limits = new SovereigntyPolicy.Limits(maxBytes, maxRecords, maxCreds);
    byte[] canonical =
        Jcs.canonicalize(
            effective(
                version,
                policyId,
                region,
                pcr0,
                methods,
                fabricNetworks,
                zones,
                datasets,
                output,
                retention,
                limits,
                evidence));
    return new SovereigntyPolicy(
        version,
        policyId,
        region,
        pcr0,
        Collections.unmodifiableSet(methods),
        Collections.unmodifiableSortedMap(fabricNetworks),
        Collections.unmodifiableSortedMap(zones),
        Collections.unmodifiableSortedMap(datasets),
        output,
        retention,
        limits,
        evidence,
        canonical,
        sha256(canonical));
  }

  private static final Pattern FABRIC_NETWORK = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  private static final Pattern MSP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /**
   * One pinned Fabric network: organisations (MSP id to CA certificates, PEM), chaincode,
   * endorsement rules.
   */
  private SovereigntyPolicy.FabricNetwork fabricNetwork(String p, String name, Object value) {
    if (!FABRIC_NETWORK.matcher(name).matches()) {
      problems.add(p + ": network name must match [a-z][a-z0-9-]{0,31} (the did:fabric network)");
    }
    Map<String, Object> n = map(p, value, true);
    if (n == null) {
      return null;
    }
    known(p, n, "organisations", "chaincode", "minEndorsingOrgs", "evidenceMaxAge");
    String chaincode =
        n.containsKey("chaincode")
            ? string(p + ".chaincode", n.get("chaincode"), true)
            : "didfabric";
    if (chaincode != null && !NAME.matcher(chaincode).matches()) {
      problems.add(p + ".chaincode: '" + chaincode + "' is not a chaincode name");
    }
    Integer minOrgs =
        integer(p + ".minEndorsingOrgs", n.getOrDefault("minEndorsingOrgs", 1), 1, 64, false);
    Duration maxAge = duration(p + ".evidenceMaxAge", n.getOrDefault("evidenceMaxAge", "PT1H"));
    SortedMap<String, List<X509Certificate>> orgs = new TreeMap<>();
    Map<String, Object> om = map(p + ".organisations", n.get("organisations"), true);
    if (om != null && om.isEmpty()) {
      problems.add(
          p + ".organisations: at least one organisation (MSP id: [CA certificates]) is required");
    }
    for (Map.Entry<String, Object> e :
        om == null ? Map.<String, Object>of().entrySet() : om.entrySet()) {
      String op = p + ".organisations." + e.getKey();
      if (!MSP_ID.matcher(e.getKey()).matches()) {
        problems.add(op + ": '" + e.getKey() + "' is not an MSP id");
      }
      List<X509Certificate> cas = new ArrayList<>();
      for (String pem : strings(op, e.getValue(), 1, s -> null)) {
        try {
          java.security.cert.Certificate c =
              java.security.cert.CertificateFactory.getInstance("X.509")
                  .generateCertificate(
                      new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
          X509Certificate x = (X509Certificate) c;
          if (x.getBasicConstraints() < 0) {
            problems.add(
                op + "[" + cas.size() + "]: not a CA certificate (no CA basic constraint)");
          } else {
            cas.add(x);
          }
        } catch (java.security.cert.CertificateException | ClassCastException ex) {
          problems.add(op + "[" + cas.size() + "]: not a PEM X.509 certificate");
        }
      }
      orgs.put(e.getKey(), List.copyOf(cas));
    }
    if (minOrgs != null && minOrgs > orgs.size() && om != null && !om.isEmpty()) {
      problems.add(
          p
              + ".minEndorsingOrgs: "
              + minOrgs
              + " exceeds the "
              + orgs.size()
              + " pinned organisations");
    }
    return new SovereigntyPolicy.FabricNetwork(
        name,
        chaincode,
        minOrgs == null ? 1 : minOrgs,
        maxAge,
        Collections.unmodifiableSortedMap(orgs));
  }

  private SovereigntyPolicy.Dataset dataset(
      String p, String name, Object value, Map<String, SovereigntyPolicy.Zone> zones) {
    checkName(p, name);
    Map<String, Object> d = map(p, value, true);
    if (d == null) {
      return null;
    }
    known(p, d, "zones", "groupBy", "minGroupSize", "epsilon", "metrics");
    List<String> dz =
        strings(
            p + ".zones",
            d.get("zones"),
            1,
            s -> zones.containsKey(s) ? null : "zone '" + s + "' is not declared under zones");
    List<String> groupBy =
        d.containsKey("groupBy")
            ? strings(
                p + ".groupBy",
                d.get("groupBy"),
                0,
                s -> NAME.matcher(s).matches() ? null : "'" + s + "' is not a key name")
            : List.of();
    Integer k = integer(p + ".minGroupSize", d.get("minGroupSize"), 1, 1_000_000, true);
    Optional<Double> epsilon = Optional.empty();
    if (d.containsKey("epsilon")) {
      Double eps = number(p + ".epsilon", d.get("epsilon"));
      if (eps != null && !(eps > 0 && eps <= 10)) {
        problems.add(p + ".epsilon: must be in (0, 10]");
      } else if (eps != null) {
        epsilon = Optional.of(eps);
      }
    }
    SortedMap<String, SovereigntyPolicy.Metric> metrics = new TreeMap<>();
    Map<String, Object> mm = map(p + ".metrics", d.get("metrics"), true);
    if (mm != null && mm.isEmpty()) {
      problems.add(p + ".metrics: at least one metric is required");
    }
    if (mm != null) {
      for (Map.Entry<String, Object> e : mm.entrySet()) {
        String mp = p + ".metrics." + e.getKey();
        checkName(mp, e.getKey());
        Map<String, Object> m = map(mp, e.getValue(), true);
        if (m == null) {
          continue;
        }
        known(mp, m, "functions", "bounds", "histogram");
        EnumSet<AggregateFunction> fns = EnumSet.noneOf(AggregateFunction.class);
        for (String f :
            strings(
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
        List<Object> bounds = list(mp + ".bounds", m.get("bounds"), true, 2);
        double lo = 0;
        double hi = 0;
        if (bounds != null && bounds.size() != 2) {
          problems.add(mp + ".bounds: must be [lower, upper]");
        } else if (bounds != null) {
          Double l = number(mp + ".bounds[0]", bounds.get(0));
          Double h = number(mp + ".bounds[1]", bounds.get(1));
          if (l != null && h != null && !(l < h)) {
            problems.add(
                mp
                    + ".bounds: lower bound "
                    + Jcs.number(l)
                    + " must be below upper bound "
                    + Jcs.number(h));
          }
          lo = l == null ? 0 : l;
          hi = h == null ? 0 : h;
        }
        List<Double> edges = new ArrayList<>();
        if (m.containsKey("histogram")) {
          List<Object> hs = list(mp + ".histogram", m.get("histogram"), true, 2);
          for (int i = 0; hs != null && i < hs.size(); i++) {
            Double v = number(mp + ".histogram[" + i + "]", hs.get(i));
            if (v != null && !edges.isEmpty() && !(v > edges.get(edges.size() - 1))) {
              problems.add(mp + ".histogram[" + i + "]: edges must increase strictly");
            }
            if (v != null) {
              edges.add(v);
            }
          }
          if (!fns.contains(AggregateFunction.HISTOGRAM)) {
            problems.add(mp + ".histogram: edges given but 'histogram' is not among the functions");
          }
        } else if (fns.contains(AggregateFunction.HISTOGRAM)) {
          problems.add(mp + ".histogram: required when 'histogram' is among the functions");
        }
        if (epsilon.isPresent()
            && (fns.contains(AggregateFunction.MIN) || fns.contains(AggregateFunction.MAX))) {
          problems.add(
              mp
                  + ".functions: min and max cannot be released with differential privacy (epsilon is set)");
        }
        metrics.put(
            e.getKey(),
            new SovereigntyPolicy.Metric(
                e.getKey(), Collections.unmodifiableSet(fns), lo, hi, List.copyOf(edges)));
      }
    }
    return new SovereigntyPolicy.Dataset(
        name, dz, groupBy, Collections.unmodifiableSortedMap(metrics), k == null ? 0 : k, epsilon);
  }

  // ---- typed readers that record "path: problem" ----

  @SuppressWarnings("unchecked")
  private Map<String, Object> map(String p, Object v, boolean required) {
    if (v == null) {
      if (required) {
        problems.add(label(p) + ": required (a mapping)");
      }
      return null;
    }
    if (!(v instanceof Map<?, ?> m)) {
      problems.add(label(p) + ": must be a mapping");
      return null;
    }
    for (Object key : m.keySet()) {
      if (!(key instanceof String)) {
        problems.add(label(p) + ": key " + key + " must be a string");
        return null;
      }
    }
    return (Map<String, Object>) m;
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(String p, Object v, boolean required, int min) {
    if (v == null) {
      if (required) {
        problems.add(p + ": required (a list)");
      }
      return null;
    }
    if (!(v instanceof List<?> l)) {
      problems.add(p + ": must be a list");
      return null;
    }
    if (l.size() < min) {
      problems.add(p + ": needs at least " + min + " entr" + (min == 1 ? "y" : "ies"));
    }
    return (List<Object>) l;
  }

  private List<String> strings(String p, Object v, int min, Function<String, String> check) {
    List<Object> l = list(p, v, true, min);
    List<String> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; l != null && i < l.size(); i++) {
      String s = string(p + "[" + i + "]", l.get(i), true);
      if (s == null) {
        continue;
      }
      String problem = check.apply(s);
      if (problem != null) {
        problems.add(p + "[" + i + "]: " + problem);
      } else if (!seen.add(s)) {
        problems.add(p + "[" + i + "]: duplicate '" + s + "'");
      } else {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }

  private String string(String p, Object v, boolean required) {
    if (v == null) {
      if (required) {
        problems.add(p + ": required (a string)");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      problems.add(p + ": must be a string");
      return null;
    }
    return s;
  }

  private String name(String p, Object v) {
    String s = string(p, v, true);
    if (s != null && !NAME.matcher(s).matches()) {
      problems.add(p + ": '" + s + "' must match " + NAME.pattern());
      return null;
    }
    return s;
  }

  private void checkName(String p, String key) {
    if (!NAME.matcher(key).matches()) {
      problems.add(p + ": the name must match " + NAME.pattern());
    }
  }

  private Integer integer(String p, Object v, long min, long max, boolean required) {
    if (v == null) {
      if (required) {
        problems.add(p + ": required (an integer)");
      }
      return null;
    }
    if (!(v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger)) {
      problems.add(p + ": must be an integer");
      return null;
    }
    long n = ((Number) v).longValue();
    if (v instanceof java.math.BigInteger || n < min || n > max) {
      problems.add(p + ": must be between " + min + " and " + max);
      return null;
    }
    return (int) n;
  }

  private Double number(String p, Object v) {
    if (v instanceof Integer || v instanceof Long) {
      long n = ((Number) v).longValue();
      if (Math.abs(n) > (1L << 53)) {
        problems.add(p + ": integer too large to be exact as a double");
        return null;
      }
      return (double) n;
    }
    if (v instanceof Double d && Double.isFinite(d)) {
      return d;
    }
    problems.add(p + (v == null ? ": required (a number)" : ": must be a finite number"));
    return null;
  }

  private boolean bool(String p, Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    problems.add(p + ": must be true or false");
    return false;
  }

  private Duration duration(String p, Object v) {
    String s = string(p, v, true);
    if (s == null) {
      return Duration.ZERO;
    }
    try {
      Duration d = Duration.parse(s);
      if (d.isNegative() || d.isZero()) {
        problems.add(p + ": must be positive");
      }
      return d;
    } catch (DateTimeParseException e) {
      problems.add(p + ": '" + s + "' is not an ISO-8601 duration (e.g. PT24H, P30D)");
      return Duration.ZERO;
    }
  }

  private void known(String p, Map<String, Object> m, String... keys) {
    Set<String> allowed = Set.of(keys);
    for (String k : m.keySet()) {
      if (!allowed.contains(k)) {
        problems.add(
            (p.isEmpty() ? "" : p + ".")
                + k
                + ": unknown key (allowed here: "
                + String.join(", ", new java.util.TreeSet<>(allowed))
                + ")");
      }
    }
  }

  private static String label(String p) {
    return p.isEmpty() ? "(document)" : p;
  }

  // ---- the effective policy as JSON, the input of the hash ----

  private static JsonNode effective(
      int version,
      String policyId,
      String region,
      List<String> pcr0,
      Set<String> methods,
      SortedMap<String, SovereigntyPolicy.FabricNetwork> fabricNetworks,
      SortedMap<String, SovereigntyPolicy.Zone> zones,
      SortedMap<String, SovereigntyPolicy.Dataset> datasets,
      SovereigntyPolicy.Output output,
      SovereigntyPolicy.Retention retention,
      SovereigntyPolicy.Limits limits,
      SovereigntyPolicy.Evidence evidence) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("version", version);
    root.put("policyId", policyId);
    ObjectNode enclave = root.putObject("enclave");
    enclave.put("region", region);
    ArrayNode ms = enclave.putArray("acceptedMeasurements");
    pcr0.forEach(v -> ms.addObject().put("pcr0", v));
    ArrayNode dm = enclave.putArray("didMethods");
    methods.stream().sorted().forEach(dm::add);
    if (!fabricNetworks.isEmpty()) {
      // Only when present, so policies without did:fabric pins keep their hash.
      ObjectNode fn = enclave.putObject("fabricNetworks");
      fabricNetworks.forEach(
          (name, n) -> {
            ObjectNode o = fn.putObject(name);
            o.put("chaincode", n.chaincode());
            o.put("minEndorsingOrgs", n.minEndorsingOrgs());
            o.put("evidenceMaxAge", n.evidenceMaxAge().toString());
            ObjectNode orgs = o.putObject("organisations");
            n.organisations()
                .forEach(
                    (msp, cas) -> {
                      ArrayNode a = orgs.putArray(msp);
                      for (X509Certificate c : cas) {
                        try {
                          a.add(java.util.Base64.getEncoder().encodeToString(c.getEncoded()));
                        } catch (java.security.cert.CertificateEncodingException e) {
                          throw new IllegalStateException(e);
                        }
                      }
                    });
          });
    }
    ObjectNode zn = root.putObject("zones");
    zones.forEach(
        (name, z) -> {
          ObjectNode o = zn.putObject(name);
          strings(o.putArray("countries"), z.countries());
          strings(o.putArray("processingRegions"), z.processingRegions());
          strings(o.putArray("trustAnchors"), z.trustAnchors());
        });
    ObjectNode dn = root.putObject("datasets");
    datasets.forEach(
        (name, d) -> {
          ObjectNode o = dn.putObject(name);
          strings(o.putArray("zones"), d.zones());
          strings(o.putArray("groupBy"), d.groupBy());
          o.put("minGroupSize", d.minGroupSize());
          d.epsilon().ifPresent(e -> o.put("epsilon", e));
          ObjectNode mn = o.putObject("metrics");
          d.metrics()
              .forEach(
                  (mname, m) -> {
                    ObjectNode mo = mn.putObject(mname);
                    ArrayNode fa = mo.putArray("functions");
                    m.functions().forEach(fn -> fa.add(fn.wire()));
                    mo.putArray("bounds").add(m.lower()).add(m.upper());
                    if (!m.histogramEdges().isEmpty()) {
                      ArrayNode h = mo.putArray("histogram");
                      m.histogramEdges().forEach(h::add);
                    }
                  });
        });
    ObjectNode on = root.putObject("output");
    on.put("includeAttestation", output.includeAttestation());
    on.put("maxGroups", output.maxGroups());
    ObjectNode rn = root.putObject("retention");
    rn.put("roundTtl", retention.roundTtl().toString());
    rn.put("sealedStateMaxAge", retention.sealedStateMaxAge().toString());
    ObjectNode ln = root.putObject("limits");
    ln.put("maxPayloadBytes", limits.maxPayloadBytes());
    ln.put("maxRecordsPerPayload", limits.maxRecordsPerPayload());
    ln.put("maxCredentialsPerPayload", limits.maxCredentialsPerPayload());
    if (evidence.askHost()) {
      // Only when it differs from the default, so existing policies (and an explicit askHost:
      // false) keep their hash.
      root.putObject("evidence").put("askHost", true);
    }
    return root;
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
