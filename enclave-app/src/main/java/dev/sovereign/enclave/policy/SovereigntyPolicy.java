package dev.sovereign.enclave.policy;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;

/**
 * A validated sovereignty policy. Built only by {@link PolicyLoader}; {@link #sha256()} is the
 * SHA-256 of the RFC 8785 canonical JSON of the effective policy ({@link #canonicalJson()}).
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

  /**
   * A sovereignty zone: whose data it is (countries), where it may be processed, whom it trusts.
   */
  public record Zone(
      String name,
      List<String> countries,
      List<String> processingRegions,
      List<String> trustAnchors) {
    public boolean processableIn(String region) {
      return processingRegions.contains(region);
    }
  }

  /** A dataset: contributing zones, group keys, metrics and disclosure rules. */
  public record Dataset(
      String name,
      List<String> zones,
      List<String> groupBy,
      SortedMap<String, Metric> metrics,
      int minGroupSize,
      Optional<Double> epsilon) {}

  /** A metric: allowed functions, the value bounds (also the DP sensitivity), histogram edges. */
  public record Metric(
      String name,
      Set<AggregateFunction> functions,
      double lower,
      double upper,
      List<Double> histogramEdges) {}

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
      SortedMap<String, List<java.security.cert.X509Certificate>> organisations) {}

  /** What the result may contain. */
  public record Output(boolean includeAttestation, int maxGroups) {}

  /** How long rounds and sealed state live. */
  public record Retention(Duration roundTtl, Duration sealedStateMaxAge) {}

  /**
   * Evidence the enclave may ask the host for. {@code askHost}: a payload that fails only for
   * missing did:fabric evidence or a missing status list may be answered {@code deferred}, naming
   * what is missing (the producer's DID, status list URLs) to the host, which fetches it and
   * resends the payload. Naming a producer's DID tells the host who sent that payload, so it is off
   * unless the policy opts in (docs/sovereignty-policy.md).
   */
  public record Evidence(boolean askHost) {}

  /** Input limits enforced before any cryptography. */
  public record Limits(
      int maxPayloadBytes, int maxRecordsPerPayload, int maxCredentialsPerPayload) {}

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

  public Optional<Zone> zone(String name) {
    return Optional.ofNullable(zones.get(name));
  }

  public Map<String, Zone> zoneMap() {
    return zones;
  }
}
