package dev.sovereign.attestation.nsm.simulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedMeasurementsTest {

  @TempDir Path tmp;

  @Test
  void pcr3IsAwsDocumentedExtensionOfZerosWithTheRoleArn() {
    // AWS Nitro Enclaves User Guide, "Where to get an enclave's measurements", PCR3 example:
    // ROLEARN="arn:aws:iam::123456789012:role/Webserver" -> 78fce75d...6921e6.
    assertEquals(
        "78fce75db17cd4e0a3fb8dad3ad128ca5e77edbb2b2c7f75329dccd99aa5f6ef4fc1f1a452e315b9e98f9e312e6921e6",
        HexFormat.of()
            .formatHex(SimulatedMeasurements.pcr3("arn:aws:iam::123456789012:role/Webserver")));
  }

  @Test
  void pcr4MatchesTheRealUsEast1DocumentsInstance() throws Exception {
    // fixtures/nitro/aws-nitro-attestation-us-east-1-2023-09-07.b64: module_id
    // i-0644948d93f19c17b-enc018a705a4fc6e067, so the parent is i-0644948d93f19c17b.
    Path fixture =
        dev.sovereign.testing.Fixtures.vector(
            "nitro/aws-nitro-attestation-us-east-1-2023-09-07.b64");
    byte[] cose = Base64.getMimeDecoder().decode(Files.readString(fixture).trim());
    AttestationDocument doc = AttestationDocuments.parse(cose).unverifiedDocument();
    String instance = doc.moduleId().substring(0, doc.moduleId().indexOf("-enc"));
    assertEquals("i-0644948d93f19c17b", instance);
    assertArrayEquals(doc.pcr(4), SimulatedMeasurements.pcr4(instance));
  }

  @Test
  void pcr3OfAParentWithoutRoleIsZero() {
    assertArrayEquals(new byte[48], SimulatedMeasurements.pcr3(null));
  }

  @Test
  void pcr0IsTheSha384OfTheJarFile() throws Exception {
    Path jar = TestJars.write(tmp.resolve("a.jar"), "v1", 0L);
    assertArrayEquals(
        MessageDigest.getInstance("SHA-384").digest(Files.readAllBytes(jar)),
        SimulatedMeasurements.pcr0(jar));
  }

  @Test
  void aRebuiltJarWithTheSameContentsKeepsPcr2ButNotPcr0WhenTimestampsDiffer() throws Exception {
    Path a = TestJars.write(tmp.resolve("a.jar"), "v1", 0L);
    Path b = TestJars.write(tmp.resolve("b.jar"), "v1", 1_700_000_000_000L);
    assertArrayEquals(SimulatedMeasurements.pcr2(a), SimulatedMeasurements.pcr2(b));
    assertFalse(Arrays.equals(SimulatedMeasurements.pcr0(a), SimulatedMeasurements.pcr0(b)));
  }

  @Test
  void aChangedEnclaveGetsNewPcr0AndPcr2() throws Exception {
    Path a = TestJars.write(tmp.resolve("a.jar"), "v1", 0L);
    Path b = TestJars.write(tmp.resolve("b.jar"), "v2", 0L);
    assertFalse(Arrays.equals(SimulatedMeasurements.pcr0(a), SimulatedMeasurements.pcr0(b)));
    assertFalse(Arrays.equals(SimulatedMeasurements.pcr2(a), SimulatedMeasurements.pcr2(b)));
  }

  @Test
  void pcr1IsDomainSeparatedSha384OfTheJavaSpecificationVersion() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-384");
    md.update("sovereign-simulated-nsm/PCR1/v1".getBytes());
    md.update((byte) 0);
    md.update("java.specification.version=17".getBytes());
    assertArrayEquals(md.digest(), SimulatedMeasurements.pcr1("17"));
  }
}
