package dev.sovereign.enclave.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The development policy writer: what it writes loads, means what was asked, and nothing else. */
class DevPolicyTest {
  private static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
  private static final String PCR0 = "ab".repeat(48);

  @Test
  void theDemoShapedPolicyLoadsWithItsZonesDatasetAndMeasurement() throws Exception {
    SovereigntyPolicy p =
        PolicyLoader.parse(
            DevPolicy.builder("sovereign-demo")
                .pcr0(PCR0)
                .zone("EU", ANCHOR)
                .zone("US", ANCHOR)
                .zone("APAC", ANCHOR)
                .yaml());
    assertEquals("sovereign-demo", p.policyId());
    assertEquals(List.of(PCR0), p.acceptedPcr0());
    assertEquals(List.of("APAC", "EU", "US"), List.copyOf(p.zones().keySet()));
    SovereigntyPolicy.Dataset d = p.dataset(DevPolicy.DATASET).orElseThrow();
    assertEquals(2, d.minGroupSize());
    assertEquals(List.of("EU", "US", "APAC"), d.zones());
    assertEquals(List.of("JP", "SG"), p.zones().get("APAC").countries());
    assertTrue(
        p.zones().get("US").processableIn(DevPolicy.REGION),
        "every zone may be processed in the enclave's region");
  }

  @Test
  void everyChoiceIsWrittenOutAndChangesTheHash() throws Exception {
    DevPolicy.Builder base = DevPolicy.builder("p").pcr0(PCR0).zone("EU", ANCHOR);
    String plain = base.yaml();
    String tuned =
        DevPolicy.builder("p")
            .pcr0(PCR0)
            .pcr0("cd".repeat(48))
            .zone("EU", ANCHOR)
            .minGroupSize(5)
            .functions("sum", "histogram")
            .histogram(0, 10, 100)
            .dataset(
                new DevPolicy.Dataset(
                    "orders", List.of("EU"), 3, "amount", List.of("sum"), 1000, List.of()))
            .maxRecordsPerPayload(10)
            .yaml();
    SovereigntyPolicy p = PolicyLoader.parse(tuned);
    assertEquals(2, p.acceptedPcr0().size());
    assertEquals(5, p.dataset(DevPolicy.DATASET).orElseThrow().minGroupSize());
    assertEquals(3, p.dataset("orders").orElseThrow().minGroupSize());
    assertEquals(10, p.limits().maxRecordsPerPayload());
    assertTrue(tuned.contains("histogram: [0, 10, 100]"), tuned);
    assertTrue(!PolicyLoader.parse(plain).sha256Hex().equals(p.sha256Hex()));
  }

  @Test
  void aPinnedFabricNetworkAndAskHostLoadAndOnlyOptingInChangesTheHash(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    String ca;
    String msp;
    try (dev.sovereign.did.fabric.ledger.EmbeddedLedger ledger =
        dev.sovereign.did.fabric.ledger.EmbeddedLedger.open(dir.resolve("ledger"), "sovereign")) {
      msp = ledger.mspId();
      ca =
          "-----BEGIN CERTIFICATE-----\n"
              + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                  .encodeToString(ledger.orgCaCertificate().getEncoded())
              + "\n-----END CERTIFICATE-----\n";
    }
    SovereigntyPolicy p =
        PolicyLoader.parse(
            DevPolicy.builder("p")
                .pcr0(PCR0)
                .zone("EU", ANCHOR)
                .fabricNetwork("sovereign", msp, ca)
                .askHost(true)
                .yaml());
    assertTrue(p.evidence().askHost());
    SovereigntyPolicy.FabricNetwork n = p.fabricNetworks().get("sovereign");
    assertEquals(List.of(msp), List.copyOf(n.organisations().keySet()));
    assertEquals(1, n.organisations().get(msp).size());
    String plain =
        PolicyLoader.parse(DevPolicy.builder("p").pcr0(PCR0).zone("EU", ANCHOR).yaml()).sha256Hex();
    assertEquals(
        plain,
        PolicyLoader.parse(
                DevPolicy.builder("p").pcr0(PCR0).zone("EU", ANCHOR).askHost(false).yaml())
            .sha256Hex(),
        "askHost false is not written");
    assertTrue(!plain.equals(p.sha256Hex()));
    assertTrue(
        !plain.equals(
            PolicyLoader.parse(
                    DevPolicy.builder("p")
                        .pcr0(PCR0)
                        .zone("EU", ANCHOR)
                        .fabricNetwork("sovereign", msp, ca)
                        .yaml())
                .sha256Hex()),
        "a pinned network is in the hash");
    // the demo on a real network asks for both organisations' endorsements; the default stays 1
    assertEquals(1, n.minEndorsingOrgs());
    SovereigntyPolicy two =
        PolicyLoader.parse(
            DevPolicy.builder("p")
                .pcr0(PCR0)
                .zone("EU", ANCHOR)
                .fabricNetwork("sovereign", msp, ca)
                .fabricNetwork("sovereign", "Org2MSP", ca)
                .fabricMinEndorsingOrgs("sovereign", 2)
                .yaml());
    assertEquals(2, two.fabricNetworks().get("sovereign").minEndorsingOrgs());
    assertEquals(
        List.of("Org2MSP", msp).stream().sorted().toList(),
        List.copyOf(two.fabricNetworks().get("sovereign").organisations().keySet()));
  }

  @Test
  void aZoneWithoutUsualCountriesMustBeSpelledOutAndAPolicyWithoutMeasurementDoesNotLoad() {
    assertThrows(IllegalArgumentException.class, () -> DevPolicy.builder("p").zone("MARS", ANCHOR));
    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class,
            () -> PolicyLoader.parse(DevPolicy.builder("p").zone("EU", ANCHOR).yaml()));
    assertTrue(
        e.problems().stream().anyMatch(s -> s.startsWith("enclave.acceptedMeasurements")),
        e.problems().toString());
  }
}
