package dev.sovereign.enclave.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sovereign.testing.Fixtures;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Policy hashes are what producers and regulators pin: the hashes of existing policies, computed by
 * the loader before its schema moved into the policy records, must not change.
 */
class PolicyHashPinTest {
  private static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
  private static final String PCR0 = "ab".repeat(48);

  static final String EVERY_SECTION =
      """
      version: 1
      policyId: every-section
      enclave:
        region: eu-central-1
        acceptedMeasurements:
          - pcr0: "%s"
          - pcr0: "%s"
        didMethods: [key, ethr, fabric]
        fabricNetworks:
          sovereign:
            chaincode: didregistry
            minEndorsingOrgs: 1
            evidenceMaxAge: PT30M
            organisations:
              Org1MSP:
                - |
      %s
      zones:
        EU:
          countries: [DE, FR]
          processingRegions: [eu-central-1]
          trustAnchors: ["%s"]
        US:
          countries: [US]
          processingRegions: [eu-central-1, us-east-1]
          trustAnchors: ["%s"]
      datasets:
        orders:
          zones: [EU, US]
          minGroupSize: 3
          metrics:
            amount:
              functions: [sum, count, min, max]
              bounds: [-5.5, 1000]
        visits:
          zones: [US]
          groupBy: [country, store]
          minGroupSize: 10
          epsilon: 1.25
          metrics:
            minutes:
              functions: [mean, histogram]
              bounds: [0, 600]
              histogram: [0, 15, 60, 600]
            spend:
              functions: [sum]
              bounds: [0, 100000]
      output:
        includeAttestation: false
        maxGroups: 500
      retention:
        roundTtl: PT6H
        sealedStateMaxAge: P7D
      limits:
        maxPayloadBytes: 65536
        maxRecordsPerPayload: 200
        maxCredentialsPerPayload: 2
      evidence:
        askHost: true
      """;

  private static String everySection() throws Exception {
    String pem = Files.readString(Fixtures.vector("nitro/aws-nitro-root.pem")).strip();
    return EVERY_SECTION.formatted(
        PCR0, "cd".repeat(48), pem.indent(12).stripTrailing(), ANCHOR, ANCHOR);
  }

  @Test
  void theValidTestPolicyKeepsItsHash() throws Exception {
    assertEquals(
        "25e4f177da54d7b619f386e48dcc30f894e867522141a14cb2f9c135c59728dc",
        PolicyLoader.parse(PolicyLoaderTest.VALID).sha256Hex());
  }

  @Test
  void aPolicyUsingEverySectionKeepsItsHash() throws Exception {
    assertEquals(
        "c55c632afb7944b32aa852a6e3ef03ebfe670c1c652683e3fb3fc51d6fbbae92",
        PolicyLoader.parse(everySection()).sha256Hex());
  }

  @Test
  void theDemoShapedDevelopmentPolicyKeepsItsHash() throws Exception {
    String yaml =
        DevPolicy.builder("sovereign-demo")
            .pcr0(PCR0)
            .zone("EU", ANCHOR)
            .zone("US", ANCHOR)
            .zone("APAC", ANCHOR)
            .askHost(true)
            .yaml();
    assertEquals(
        "adee8343091d156bfa5abff2fb64e8bf21c1567c8f721e9f9182b7ed58c29411",
        PolicyLoader.parse(yaml).sha256Hex());
  }

  @Test
  void aTunedDevelopmentPolicyKeepsItsHash() throws Exception {
    String yaml =
        DevPolicy.builder("p")
            .pcr0(PCR0)
            .zone("EU", ANCHOR)
            .minGroupSize(5)
            .functions("sum", "histogram")
            .histogram(0, 10, 100)
            .dataset(
                new DevPolicy.Dataset(
                    "orders", List.of("EU"), 3, "amount", List.of("sum"), 1000, List.of()))
            .maxRecordsPerPayload(10)
            .yaml();
    assertEquals(
        "e161d2f85e2c7652dd457e2d76ea2f601aaa830e3a926d06adadeffb98ffcde7",
        PolicyLoader.parse(yaml).sha256Hex());
  }

  @Test
  void aLoadedPolicyWrittenBackFromItsRecordsLoadsToTheSameHash() throws Exception {
    for (String yaml : List.of(PolicyLoaderTest.VALID, everySection())) {
      SovereigntyPolicy p = PolicyLoader.parse(yaml);
      assertEquals(p.sha256Hex(), PolicyLoader.parse(p.toYaml()).sha256Hex(), p.toYaml());
    }
  }

  @Test
  void aDevelopmentPolicyBuiltFromRecordsHasTheHashItsYamlLoadsTo() throws Exception {
    DevPolicy.Builder b =
        DevPolicy.builder("p").pcr0(PCR0).zone("EU", ANCHOR).zone("US", ANCHOR).askHost(true);
    assertEquals(b.policy().sha256Hex(), PolicyLoader.parse(b.yaml()).sha256Hex());
  }
}
