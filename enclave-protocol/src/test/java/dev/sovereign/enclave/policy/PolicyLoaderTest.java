package dev.sovereign.enclave.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PolicyLoaderTest {
  static final String PCR0 = "ab".repeat(48);
  static final String VALID =
      """
      version: 1
      policyId: demo
      enclave:
        region: eu-central-1
        acceptedMeasurements:
          - pcr0: "%s"
      zones:
        EU:
          countries: [DE, FR]
          processingRegions: [eu-central-1]
          trustAnchors: ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]
      datasets:
        loyalty-points:
          zones: [EU]
          groupBy: [country]
          minGroupSize: 5
          epsilon: 0.5
          metrics:
            points:
              functions: [sum, count, mean, histogram]
              bounds: [0, 10000]
              histogram: [0, 100, 1000]
      """
          .formatted(PCR0);

  @Test
  void aValidPolicyLoadsWithDefaultsFilledIn() throws Exception {
    SovereigntyPolicy p = PolicyLoader.parse(VALID);
    assertEquals("eu-central-1", p.enclaveRegion());
    assertEquals(List.of(PCR0), p.acceptedPcr0());
    assertEquals(Optional.of(0.5), p.dataset("loyalty-points").orElseThrow().epsilon());
    assertEquals(1 << 20, p.limits().maxPayloadBytes());
    assertEquals(java.util.Set.of("key", "fabric"), p.didMethods());
  }

  @Test
  void theHashIsSha256OfTheCanonicalJsonOfTheEffectivePolicy() throws Exception {
    SovereigntyPolicy p = PolicyLoader.parse(VALID);
    assertEquals(
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(p.canonicalJson())),
        p.sha256Hex());
    String json = new String(p.canonicalJson(), StandardCharsets.UTF_8);
    assertTrue(
        json.startsWith(
            "{\"datasets\":{\"loyalty-points\":{\"epsilon\":0.5,\"groupBy\":[\"country\"]"),
        json);
  }

  @Test
  void layoutCommentsAndKeyOrderDoNotChangeTheHash() throws Exception {
    String reordered =
        """
        # the same policy, written differently
        datasets: {loyalty-points: {metrics: {points: {histogram: [0, 100, 1000], bounds: [0, 10000.0],
          functions: [sum, count, mean, histogram]}}, epsilon: 0.5, minGroupSize: 5, groupBy: [country], zones: [EU]}}
        zones: {EU: {trustAnchors: ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"],
          processingRegions: [eu-central-1], countries: [DE, FR]}}
        enclave: {acceptedMeasurements: [{pcr0: "%s"}], region: eu-central-1}
        policyId: demo
        version: 1
        limits: {maxPayloadBytes: 1048576}
        """
            .formatted(PCR0);
    assertEquals(PolicyLoader.parse(VALID).sha256Hex(), PolicyLoader.parse(reordered).sha256Hex());
  }

  @Test
  void anyChangeOfMeaningChangesTheHash() throws Exception {
    assertNotEquals(
        PolicyLoader.parse(VALID).sha256Hex(),
        PolicyLoader.parse(VALID.replace("minGroupSize: 5", "minGroupSize: 4")).sha256Hex());
  }

  @Test
  void everyProblemIsReportedWithItsPath() {
    String bad =
        VALID
            .replace("minGroupSize: 5", "minGroupSize: 0")
            .replace("bounds: [0, 10000]", "bounds: [10, 5]")
            .replace("zones: [EU]", "zones: [EU, APAC]")
            .replace("countries: [DE, FR]", "countries: [DE, France]")
            .replace(
                "functions: [sum, count, mean, histogram]",
                "functions: [sum, count, mean, histogram, max]")
            .replace(
                "policyId: demo", "policyId: demo\nretention: {roundTtl: forever}\nunknownKey: 1");
    InvalidPolicyException e =
        assertThrows(InvalidPolicyException.class, () -> PolicyLoader.parse(bad));
    assertEquals(
        List.of(
            "unknownKey: unknown key (allowed here: datasets, enclave, evidence, limits, output, policyId, retention, version, zones)",
            "zones.EU.countries[1]: 'France' is not an ISO 3166-1 alpha-2 code",
            "datasets.loyalty-points.zones[1]: zone 'APAC' is not declared under zones",
            "datasets.loyalty-points.minGroupSize: must be between 1 and 1000000",
            "datasets.loyalty-points.metrics.points.bounds: lower bound 10 must be below upper bound 5",
            "datasets.loyalty-points.metrics.points.functions: min and max cannot be released with differential privacy (epsilon is set)",
            "retention.roundTtl: 'forever' is not an ISO-8601 duration (e.g. PT24H, P30D)"),
        e.problems());
  }

  @Test
  void missingSectionsAreNamed() {
    InvalidPolicyException e =
        assertThrows(InvalidPolicyException.class, () -> PolicyLoader.parse("version: 1\n"));
    assertEquals(
        List.of(
            "policyId: required (a string)",
            "enclave: required (a mapping)",
            "zones: required (a mapping)",
            "datasets: required (a mapping)"),
        e.problems());
  }

  @Test
  void duplicateKeysAndAliasesAreRejectedAsInvalidYaml() {
    assertTrue(
        assertThrows(InvalidPolicyException.class, () -> PolicyLoader.parse(VALID + "version: 2\n"))
            .problems()
            .get(0)
            .contains("not valid YAML"));
    assertThrows(InvalidPolicyException.class, () -> PolicyLoader.parse("a: &x [1]\nb: *x\n"));
  }

  @Test
  void anEnclaveRegionNoZoneMayBeProcessedInIsRefused() {
    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class,
            () -> PolicyLoader.parse(VALID.replace("region: eu-central-1", "region: us-east-1")));
    assertEquals(List.of("enclave.region: no zone allows processing in 'us-east-1'"), e.problems());
  }

  @Test
  void aMeasurementMustBeASha384Digest() {
    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class, () -> PolicyLoader.parse(VALID.replace(PCR0, "abc")));
    assertEquals(
        List.of(
            "enclave.acceptedMeasurements[0].pcr0: must be 96 lowercase hex digits (a SHA-384 measurement)"),
        e.problems());
  }
}
