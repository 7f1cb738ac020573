package dev.sovereign.enclave.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.fabric.ledger.EmbeddedLedger;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy's did:fabric pins: organisation CAs per network, chaincode, endorsement rules, and
 * their hash.
 */
class FabricNetworkPolicyTest {
  @TempDir Path dir;

  private static final String BASE =
      """
      version: 1
      policyId: fabric-pins
      enclave:
        region: eu-central-1
        acceptedMeasurements:
          - pcr0: "%s"
      %s
      zones:
        EU:
          countries: [DE]
          processingRegions: [eu-central-1]
          trustAnchors: ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]
      datasets:
        d:
          zones: [EU]
          minGroupSize: 2
          metrics:
            m:
              functions: [sum]
              bounds: [0, 10]
      """;

  private static String policy(String enclaveExtra) {
    return BASE.formatted("00".repeat(48), enclaveExtra.indent(2).stripTrailing());
  }

  private static String networks(String name, String msp, String pem, String extra) {
    return """
        fabricNetworks:
          %s:
        %s
            organisations:
              %s:
                - |
        %s
        """
        .formatted(
            name,
            extra.isEmpty() ? "" : extra.indent(4).stripTrailing(),
            msp,
            pem.indent(10).stripTrailing());
  }

  private static String pem(X509Certificate c) throws Exception {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(c.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  private X509Certificate ledgerCa() throws Exception {
    try (EmbeddedLedger l = EmbeddedLedger.open(dir.resolve("ledger"), "sovereign")) {
      return l.orgCaCertificate();
    }
  }

  private static X509Certificate endEntity() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=not-a-ca");
    long now = System.currentTimeMillis();
    return new JcaX509CertificateConverter()
        .getCertificate(
            new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.ONE,
                    new Date(now - 60_000),
                    new Date(now + 86_400_000),
                    name,
                    kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
  }

  @Test
  void aPinnedNetworkLoadsWithItsDefaultsAndChangesTheHash() throws Exception {
    X509Certificate ca = ledgerCa();
    SovereigntyPolicy without = PolicyLoader.parse(policy(""));
    SovereigntyPolicy with =
        PolicyLoader.parse(policy(networks("sovereign", "SovereignLedgerMSP", pem(ca), "")));
    SovereigntyPolicy.FabricNetwork n = with.fabricNetworks().get("sovereign");
    assertEquals("didfabric", n.chaincode());
    assertEquals(1, n.minEndorsingOrgs());
    assertEquals(Duration.ofHours(1), n.evidenceMaxAge());
    assertEquals(ca, n.organisations().get("SovereignLedgerMSP").get(0));
    assertTrue(without.fabricNetworks().isEmpty());
    assertTrue(
        new String(without.canonicalJson(), StandardCharsets.UTF_8).indexOf("fabricNetworks") < 0);
    assertNotEquals(without.sha256Hex(), with.sha256Hex());
    SovereigntyPolicy otherChaincode =
        PolicyLoader.parse(
            policy(networks("sovereign", "SovereignLedgerMSP", pem(ca), "chaincode: other")));
    assertNotEquals(with.sha256Hex(), otherChaincode.sha256Hex());
  }

  @Test
  void eachBadPinIsReportedWithItsPath() throws Exception {
    X509Certificate ca = ledgerCa();
    assertProblem(
        policy(networks("Bad_Name", "SovereignLedgerMSP", pem(ca), "")),
        "enclave.fabricNetworks.Bad_Name: network name must match");
    assertProblem(
        policy(
            networks(
                "sovereign",
                "SovereignLedgerMSP",
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                "")),
        "enclave.fabricNetworks.sovereign.organisations.SovereignLedgerMSP[0]: not a PEM X.509 certificate");
    assertProblem(
        policy(networks("sovereign", "SovereignLedgerMSP", pem(endEntity()), "")),
        "enclave.fabricNetworks.sovereign.organisations.SovereignLedgerMSP[0]: not a CA certificate");
    assertProblem(
        policy(networks("sovereign", "SovereignLedgerMSP", pem(ca), "minEndorsingOrgs: 2")),
        "enclave.fabricNetworks.sovereign.minEndorsingOrgs: 2 exceeds the 1 pinned organisations");
    assertProblem(
        policy("didMethods: [key]\n" + networks("sovereign", "SovereignLedgerMSP", pem(ca), "")),
        "enclave.fabricNetworks: networks are pinned but 'fabric' is not among enclave.didMethods");
    assertProblem(
        policy(networks("sovereign", "SovereignLedgerMSP", pem(ca), "evidenceMaxAge: soon")),
        "enclave.fabricNetworks.sovereign.evidenceMaxAge: 'soon' is not an ISO-8601 duration");
  }

  private static void assertProblem(String yaml, String expected) {
    InvalidPolicyException e =
        assertThrows(InvalidPolicyException.class, () -> PolicyLoader.parse(yaml));
    assertTrue(
        e.problems().stream().anyMatch(p -> p.startsWith(expected)), () -> e.problems().toString());
  }
}
