package dev.sovereign.attestation.nsm.simulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated chain, level by level, against the real AWS chain of {@code
 * fixtures/nitro/aws-nitro-attestation-us-east-1-2023-09-07.b64}: the same critical and
 * non-critical extensions (AWS's CRL distribution points aside), key usage, basic constraints,
 * subject attribute order, key size, signature algorithm and roughly the same lifetimes.
 */
class SimulatedChainShapeTest {

  private static final String CRL_DISTRIBUTION_POINTS = "2.5.29.31";
  private static final String[] LEVELS = {"root", "regional", "zonal", "instance", "leaf"};

  @TempDir Path tmp;

  private static List<X509Certificate> chain(AttestationDocument doc) throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    for (byte[] der : doc.cabundle()) {
      out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
    }
    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(doc.certificate())));
    return out;
  }

  private static Set<String> nonCritical(X509Certificate c) {
    Set<String> s =
        new TreeSet<>(
            c.getNonCriticalExtensionOIDs() == null ? Set.of() : c.getNonCriticalExtensionOIDs());
    s.remove(CRL_DISTRIBUTION_POINTS);
    return s;
  }

  private static List<String> attributeOrder(X500Principal p) {
    List<String> out = new ArrayList<>();
    for (RDN rdn : X500Name.getInstance(p.getEncoded()).getRDNs()) {
      out.add(rdn.getFirst().getType().getId());
    }
    return out;
  }

  private static Duration lifetime(X509Certificate c) {
    return Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
  }

  @Test
  void everyLevelHasTheExtensionsKeyUsageConstraintsAndNameShapeOfTheRealChain() throws Exception {
    Path fixture =
        dev.sovereign.testing.Fixtures.vector(
            "nitro/aws-nitro-attestation-us-east-1-2023-09-07.b64");
    List<X509Certificate> real =
        chain(
            AttestationDocuments.parse(
                    Base64.getMimeDecoder().decode(Files.readString(fixture).trim()))
                .unverifiedDocument());
    Path jar = TestJars.write(tmp.resolve("e.jar"), "x", 0L);
    List<X509Certificate> sim;
    try (SimulatedNsm nsm = SimulatedNsm.open(SimulationConfig.of(tmp.resolve("state"), jar))) {
      sim =
          chain(AttestationDocuments.parse(nsm.attestation(null, null, null)).unverifiedDocument());
    }
    assertEquals(real.size(), sim.size());
    for (int i = 0; i < real.size(); i++) {
      X509Certificate r = real.get(i);
      X509Certificate s = sim.get(i);
      String level = LEVELS[i];
      assertEquals(
          r.getCriticalExtensionOIDs(),
          s.getCriticalExtensionOIDs(),
          level + " critical extensions");
      assertEquals(
          nonCritical(r), nonCritical(s), level + " non-critical extensions (CRL DP aside)");
      assertArrayEquals(r.getKeyUsage(), s.getKeyUsage(), level + " key usage");
      assertEquals(r.getBasicConstraints(), s.getBasicConstraints(), level + " basic constraints");
      assertEquals(
          attributeOrder(r.getSubjectX500Principal()),
          attributeOrder(s.getSubjectX500Principal()),
          level + " subject shape");
      assertEquals(r.getSigAlgName(), s.getSigAlgName(), level + " signature algorithm");
      assertEquals(
          ((ECPublicKey) r.getPublicKey()).getParams().getCurve().getField().getFieldSize(),
          ((ECPublicKey) s.getPublicKey()).getParams().getCurve().getField().getFieldSize(),
          level + " curve size");
      double ratio = (double) lifetime(s).toSeconds() / lifetime(r).toSeconds();
      assertTrue(
          ratio > 0.9 && ratio < 1.2,
          level + " lifetime " + lifetime(s) + " vs AWS's " + lifetime(r));
    }
  }
}
