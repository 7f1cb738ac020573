package dev.sovereign.attestation.nsm.simulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.AttestationRejection;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.TrustAnchors;
import dev.sovereign.attestation.VerifiedAttestation;
import dev.sovereign.attestation.nsm.DevNsm;
import dev.sovereign.attestation.nsm.Digest;
import dev.sovereign.attestation.nsm.ErrorCode;
import dev.sovereign.attestation.nsm.Nsm;
import dev.sovereign.attestation.nsm.NsmCodec;
import dev.sovereign.attestation.nsm.NsmException;
import dev.sovereign.attestation.nsm.Nsms;
import dev.sovereign.attestation.nsm.Request;
import dev.sovereign.attestation.nsm.Response;
import dev.sovereign.testing.MutableClock;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedNsmTest {

  @TempDir Path tmp;
  Path jar;
  MutableClock clock;
  SimulationConfig config;

  @BeforeEach
  void setUp() throws Exception {
    jar = TestJars.write(tmp.resolve("enclave.jar"), "v1", 0L);
    clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
    config =
        SimulationConfig.of(tmp.resolve("state"), jar)
            .withParentRoleArn("arn:aws:iam::123456789012:role/sovereign-eu")
            .withParentInstanceId("i-0123456789abcdef0")
            .withClock(clock);
  }

  private AttestationPolicy.Builder policy(X509Certificate root) throws Exception {
    SortedMap<Integer, byte[]> expected =
        SimulatedMeasurements.boot(jar, config.parentRoleArn(), config.parentInstanceId());
    return AttestationPolicy.builder()
        .pinnedRoot(root)
        .verifyNow(clock)
        .requiredPcrs(Set.of(0, 1, 2, 3, 4))
        .allowPcr(0, expected.get(0))
        .allowPcr(1, expected.get(1))
        .allowPcr(2, expected.get(2))
        .allowPcr(3, expected.get(3))
        .allowPcr(4, expected.get(4));
  }

  @Test
  void aSimulatedDocumentVerifiesWithTheSimulationRootAndTheExpectedMeasurements()
      throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      byte[] nonce = {1, 2, 3, 4};
      byte[] doc = nsm.attestation(new byte[] {9}, nonce, new byte[] {7, 7});
      VerifiedAttestation v =
          AttestationVerifier.create(policy(nsm.rootCertificate()).expectedNonce(nonce).build())
              .verify(doc);
      assertArrayEquals(new byte[] {9}, v.userData());
      assertArrayEquals(new byte[] {7, 7}, v.publicKey());
      assertEquals(clock.instant(), v.timestamp());
      assertEquals(nsm.describeNsm().moduleId(), v.document().moduleId());
      assertFalse(v.debugMode());
    }
  }

  @Test
  void aSimulatedDocumentIsRejectedByAVerifierPinnedToTheAwsRoot() throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      byte[] doc = nsm.attestation(null, null, null);
      AttestationRejectedException e =
          assertThrows(
              AttestationRejectedException.class,
              () ->
                  AttestationVerifier.create(policy(TrustAnchors.awsNitroRoot()).build())
                      .verify(doc));
      assertEquals(AttestationRejection.UNTRUSTED_ROOT, e.reason());
    }
  }

  @Test
  void documentsAreByteCompatibleWithTheNsmsEncoding() throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      byte[] doc = nsm.attestation(null, new byte[] {5}, null);
      var parsed = AttestationDocuments.parse(doc);
      assertFalse(parsed.tagged());
      assertArrayEquals(doc, parsed.encode());
      AttestationDocument d = parsed.unverifiedDocument();
      assertEquals(AttestationDocument.DIGEST_SHA384, d.digest());
      assertEquals(
          16, d.pcrs().size(), "every PCR locked at boot, as in the real us-east-1 document");
      assertEquals(4, d.cabundle().size());
      assertEquals(null, d.userData());
    }
  }

  @Test
  void theChainHasTheShapeOfAwssRootRegionalZonalInstanceLeaf() throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      AttestationDocument d =
          AttestationDocuments.parse(nsm.attestation(null, null, null)).unverifiedDocument();
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      List<X509Certificate> bundle =
          d.cabundle().stream()
              .map(
                  b -> {
                    try {
                      return (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b));
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  })
              .toList();
      X509Certificate leaf =
          (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(d.certificate()));
      assertEquals(nsm.rootCertificate(), bundle.get(0));
      assertEquals(Integer.MAX_VALUE, bundle.get(0).getBasicConstraints());
      assertEquals(2, bundle.get(1).getBasicConstraints());
      assertEquals(1, bundle.get(2).getBasicConstraints());
      assertEquals(0, bundle.get(3).getBasicConstraints());
      assertEquals(-1, leaf.getBasicConstraints());
      // Key usage: [digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment,
      // keyAgreement, keyCertSign, cRLSign, ...]
      assertTrue(
          bundle.get(3).getKeyUsage()[5] && !bundle.get(3).getKeyUsage()[0],
          "instance: keyCertSign only");
      assertTrue(leaf.getKeyUsage()[0] && leaf.getKeyUsage()[1] && !leaf.getKeyUsage()[5]);
      assertFalse(
          leaf.getCriticalExtensionOIDs().contains("2.5.29.15"),
          "leaf key usage is not critical, as AWS's");
      assertEquals(
          Duration.ofHours(3),
          Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()));
      // RFC 2253 strings list RDNs last first: AWS's zonal subject starts with CN, the others end
      // with it.
      assertTrue(
          bundle.get(2).getSubjectX500Principal().getName().startsWith("L=Local"),
          "zonal subject starts with CN");
      assertTrue(
          bundle.get(1).getSubjectX500Principal().getName().startsWith("CN="),
          "regional subject ends with CN");
      assertTrue(leaf.getSubjectX500Principal().getName().contains(d.moduleId()));
      assertTrue(d.moduleId().startsWith("i-0123456789abcdef0-enc"));
      assertEquals("SHA384withECDSA", leaf.getSigAlgName());
    }
  }

  @Test
  void pcrsZeroToFifteenAreLockedAndSixteenUpAreExtendableUntilLocked() throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      Response.DescribeNsm d = nsm.describeNsm();
      assertEquals(32, d.maxPcrs());
      assertEquals(Digest.SHA384, d.digest());
      assertEquals(16, d.lockedPcrs().size());
      assertEquals(
          ErrorCode.READ_ONLY_INDEX,
          assertThrows(NsmException.class, () -> nsm.extendPcr(0, new byte[] {1})).code());
      assertEquals(
          ErrorCode.READ_ONLY_INDEX, assertThrows(NsmException.class, () -> nsm.lockPcr(4)).code());
      assertEquals(
          ErrorCode.INVALID_INDEX,
          assertThrows(NsmException.class, () -> nsm.describePcr(32)).code());
      assertEquals(
          ErrorCode.INVALID_INDEX, assertThrows(NsmException.class, () -> nsm.lockPcrs(33)).code());

      assertArrayEquals(new byte[48], nsm.describePcr(16).data());
      byte[] once = nsm.extendPcr(16, new byte[] {1, 2, 3});
      assertArrayEquals(SimulatedMeasurements.extend(new byte[48], new byte[] {1, 2, 3}), once);
      nsm.lockPcr(16);
      assertTrue(nsm.describePcr(16).lock());
      assertEquals(
          ErrorCode.READ_ONLY_INDEX,
          assertThrows(NsmException.class, () -> nsm.extendPcr(16, new byte[] {4})).code());
      nsm.lockPcr(16);
      nsm.lockPcrs(32);
      assertEquals(32, nsm.describeNsm().lockedPcrs().size());
      AttestationDocument doc =
          AttestationDocuments.parse(nsm.attestation(null, null, null)).unverifiedDocument();
      assertEquals(32, doc.pcrs().size());
      assertArrayEquals(once, doc.pcr(16));
    }
  }

  @Test
  void theBootPcrsAreTheDocumentedMeasurements() throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      assertArrayEquals(SimulatedMeasurements.pcr0(jar), nsm.describePcr(0).data());
      assertArrayEquals(
          SimulatedMeasurements.pcr3("arn:aws:iam::123456789012:role/sovereign-eu"),
          nsm.describePcr(3).data());
      assertArrayEquals(
          SimulatedMeasurements.pcr4("i-0123456789abcdef0"), nsm.describePcr(4).data());
      assertArrayEquals(new byte[48], nsm.describePcr(8).data());
    }
  }

  @Test
  void oversizedAttestationFieldsAreInputTooLargeAndAnEmptyPublicKeyInvalid() throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      assertEquals(
          ErrorCode.INPUT_TOO_LARGE,
          assertThrows(NsmException.class, () -> nsm.attestation(new byte[1025], null, null))
              .code());
      assertEquals(
          ErrorCode.INVALID_ARGUMENT,
          assertThrows(NsmException.class, () -> nsm.attestation(null, null, new byte[0])).code());
      // three 1024-byte fields fit in the 4 KiB request limit, as nsm-check exercises
      nsm.attestation(new byte[1024], new byte[1024], new byte[1024]);
      assertEquals(
          new Response.Error(ErrorCode.INPUT_TOO_LARGE),
          nsm.process(new Request.ExtendPcr(16, new byte[5000])));
    }
  }

  @Test
  void garbageOnTheWireIsAnInvalidArgument() throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      assertEquals(
          new Response.Error(ErrorCode.INVALID_ARGUMENT),
          NsmCodec.decodeResponse(nsm.exchange(new byte[] {(byte) 0xa0})));
    }
  }

  @Test
  void getRandomReturnsFreshBytes() throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      byte[] a = nsm.getRandom();
      assertEquals(256, a.length);
      assertFalse(Arrays.equals(a, nsm.getRandom()));
    }
  }

  @Test
  void thePkiPersistsWithPrivateKeysReadableOnlyByTheOwner() throws Exception {
    X509Certificate root;
    String moduleId;
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      root = nsm.rootCertificate();
      moduleId = nsm.describeNsm().moduleId();
    }
    try (SimulatedNsm again = SimulatedNsm.open(config)) {
      assertEquals(root, again.rootCertificate());
      assertEquals(moduleId, again.describeNsm().moduleId());
    }
    assertEquals(root, SimulatedNsm.rootCertificate(config.stateDir()));
    Path dir = config.stateDir().resolve("nsm");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    for (String level : List.of("root", "regional", "zonal", "instance", "leaf")) {
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(level + ".key"))),
          level);
      assertEquals(
          "rw-r--r--",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(level + ".pem"))),
          level);
    }
  }

  @Test
  void theLeafIsReissuedWhenLessThanTwoHoursRemainAndDocumentsStayVerifiable() throws Exception {
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      byte[] first =
          AttestationDocuments.parse(nsm.attestation(null, null, null))
              .unverifiedDocument()
              .certificate();
      clock.advance(Duration.ofMinutes(59));
      byte[] same =
          AttestationDocuments.parse(nsm.attestation(null, null, null))
              .unverifiedDocument()
              .certificate();
      assertArrayEquals(first, same);
      clock.advance(Duration.ofMinutes(2));
      byte[] doc = nsm.attestation(null, null, null);
      assertNotEquals(
          Arrays.toString(first),
          Arrays.toString(AttestationDocuments.parse(doc).unverifiedDocument().certificate()));
      AttestationVerifier.create(policy(nsm.rootCertificate()).build()).verify(doc);
      // Two days later every intermediate below the regional one has been rotated too.
      clock.advance(Duration.ofDays(2));
      AttestationVerifier.create(policy(nsm.rootCertificate()).build())
          .verify(nsm.attestation(null, null, null));
      // Thirty days later even the regional one.
      clock.advance(Duration.ofDays(30));
      AttestationVerifier.create(policy(nsm.rootCertificate()).build())
          .verify(nsm.attestation(null, null, null));
    }
  }

  @Test
  void aRebuiltChangedEnclaveNoLongerMatchesTheOldAllowList() throws Exception {
    AttestationPolicy old;
    try (SimulatedNsm before = SimulatedNsm.open(config)) {
      old = policy(before.rootCertificate()).build();
      AttestationVerifier.create(old).verify(before.attestation(null, null, null));
    }
    TestJars.write(jar, "v2", 0L);
    try (SimulatedNsm nsm = SimulatedNsm.open(config)) {
      AttestationRejectedException e =
          assertThrows(
              AttestationRejectedException.class,
              () -> AttestationVerifier.create(old).verify(nsm.attestation(null, null, null)));
      assertEquals(AttestationRejection.PCR_MISMATCH, e.reason());
    }
  }

  @Test
  void theSimulationOpensOnlyWhenChosenAndTheDeviceIsNeverReplacedByIt() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        DevNsm.available(), "this machine has /dev/nsm (a Nitro Enclave)");
    try (Nsm nsm = SimulatedNsm.open(config)) {
      assertEquals("simulated", nsm.kind());
    }
    Nsms.UnavailableException e = assertThrows(Nsms.UnavailableException.class, Nsms::device);
    assertTrue(e.getMessage().startsWith("no NSM device at /dev/nsm"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line");
  }
}
