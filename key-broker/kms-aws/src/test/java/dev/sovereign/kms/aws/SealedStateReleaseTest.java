package dev.sovereign.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.AttestationRejection;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.SecretAccess;
import dev.sovereign.attestation.seal.SealBinding;
import dev.sovereign.attestation.seal.SealRejectedException;
import dev.sovereign.attestation.seal.SealRejection;
import dev.sovereign.attestation.seal.SealedState;
import dev.sovereign.keybroker.AuditLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealed state through the production {@code AwsKmsKeyBroker} (AWS SDK v2) against the local
 * broker: the round trip into a new enclave process and every refusal the issue lists, each with
 * its code.
 */
class SealedStateReleaseTest {
  private static final String EU_POLICY = "EU sovereignty policy v1";
  private static final byte[] MARKER =
      "MARKER-did-signing-key-0f1e2d3c4b5a".getBytes(StandardCharsets.UTF_8);

  @TempDir static Path dir;
  static LocalBrokerFixture f;
  static LocalBrokerFixture.Enclave sealer;
  static String keyArn;
  static SealBinding eu;
  static long sequence;

  @BeforeAll
  static void start() throws Exception {
    f = new LocalBrokerFixture(dir);
    sealer =
        f.boot(f.buildA, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE, EU_POLICY);
    keyArn =
        f.sdk
            .createKey(
                b -> b.policy(LocalBrokerFixture.euKeyPolicy(sealer.pcr0(), sealer.policyHash())))
            .keyMetadata()
            .arn();
    eu = SealBinding.create(keyArn, sealer.pcr0(), "EU", sealer.policyHash());
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static synchronized byte[] seal(byte[] body) throws Exception {
    sequence++;
    return SealedState.seal(
        f.keyBroker,
        sealer.recipient(),
        sealer.keys(),
        eu,
        sequence,
        body,
        LocalBrokerFixture.RANDOM);
  }

  private static SealRejectedException refusedOpen(
      byte[] blob, LocalBrokerFixture.Enclave enclave, SealBinding claimed) {
    return assertThrows(
        SealRejectedException.class,
        () ->
            SealedState.parse(blob)
                .open(f.keyBroker, enclave.recipient(), enclave.keys(), claimed));
  }

  @Test
  void stateSealedByOneEnclaveOpensInANewEnclaveProcessWithTheSameMeasurementAndHosts()
      throws Exception {
    byte[] blob = seal(MARKER);
    LocalBrokerFixture.Enclave restarted =
        f.boot(
            f.buildA,
            LocalBrokerFixture.EU_ROLE,
            "i-0e0e0e0e0e0e0e0e2",
            EU_POLICY); // another EU host, new boot key
    var opened =
        SealedState.parse(blob).open(f.keyBroker, restarted.recipient(), restarted.keys(), eu);
    assertArrayEquals(MARKER, opened.body().toByteArray(SecretAccess.get()));
    assertEquals(sequence, opened.header().sequence());
  }

  @Test
  void anEnclaveWithADifferentPcr0IsRefusedEvenWhenItClaimsTheSealersBinding() throws Exception {
    byte[] blob = seal(MARKER);
    LocalBrokerFixture.Enclave other =
        f.boot(f.buildB, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE, EU_POLICY);
    SealBinding honest = SealBinding.create(keyArn, other.pcr0(), "EU", other.policyHash());
    assertEquals(SealRejection.BINDING_MISMATCH, refusedOpen(blob, other, honest).reason());
    SealRejectedException e = refusedOpen(blob, other, eu);
    assertEquals(SealRejection.KEY_RELEASE_REFUSED, e.reason());
    assertEquals(KeyReleaseRefusal.PCR_NOT_ALLOWED, e.keyReleaseRefusal().orElseThrow());
  }

  @Test
  void euStateIsRefusedToTheSameBuildOnUsHosts() throws Exception {
    byte[] blob = seal(MARKER);
    LocalBrokerFixture.Enclave us =
        f.boot(f.buildA, LocalBrokerFixture.US_ROLE, LocalBrokerFixture.US_INSTANCE, EU_POLICY);
    SealRejectedException e = refusedOpen(blob, us, eu);
    assertEquals(SealRejection.KEY_RELEASE_REFUSED, e.reason());
    assertEquals(KeyReleaseRefusal.HOST_NOT_ALLOWED, e.keyReleaseRefusal().orElseThrow());
  }

  @Test
  void aTamperedBlobIsRefusedWhicheverRegionIsFlipped() throws Exception {
    byte[] blob = seal(MARKER);
    var header = SealedState.parse(blob).unverifiedHeader();
    int headerLength = header.encoded().length;
    int wrappedKeyAt = 6 + 1 + 2 + keyArn.length() + 4 + 10;
    int sequenceAt = headerLength - 12 - 33 - 8 + 7;
    int nonceAt = headerLength - 3;
    for (int at :
        new int[] {wrappedKeyAt, sequenceAt, nonceAt, headerLength + 2, blob.length - 1}) {
      byte[] t = blob.clone();
      t[at] ^= 0x01;
      SealRejectedException e = refusedOpen(t, sealer, eu);
      assertEquals(SealRejection.TAMPERED, e.reason(), "flip at " + at + ": " + e.getMessage());
    }
    byte[] truncated = java.util.Arrays.copyOf(blob, headerLength + 5);
    assertEquals(
        SealRejection.MALFORMED,
        assertThrows(SealRejectedException.class, () -> SealedState.parse(truncated)).reason());
  }

  @Test
  void anOlderSnapshotIsRefusedUntilAnAdministratorOverridesItAndTheOverrideIsAudited()
      throws Exception {
    byte[] older = seal("older".getBytes(StandardCharsets.UTF_8));
    long olderSequence = sequence;
    byte[] newer = seal("newer".getBytes(StandardCharsets.UTF_8));
    SealRejectedException e = refusedOpen(older, sealer, eu);
    assertEquals(SealRejection.KEY_RELEASE_REFUSED, e.reason());
    assertEquals(KeyReleaseRefusal.ROLLBACK_REFUSED, e.keyReleaseRefusal().orElseThrow());
    assertEquals(
        "newer",
        new String(
            SealedState.parse(newer)
                .open(f.keyBroker, sealer.recipient(), sealer.keys(), eu)
                .body()
                .toByteArray(SecretAccess.get()),
            StandardCharsets.UTF_8));

    f.broker.overrideRollback(
        keyArn,
        HexFormat.of().formatHex(sealer.pcr0()),
        "EU",
        olderSequence,
        "restore drill ticket OPS-42");
    assertEquals(
        "older",
        new String(
            SealedState.parse(older)
                .open(f.keyBroker, sealer.recipient(), sealer.keys(), eu)
                .body()
                .toByteArray(SecretAccess.get()),
            StandardCharsets.UTF_8));
    synchronized (SealedStateReleaseTest.class) {
      sequence = Math.max(sequence, olderSequence);
      seal("after override".getBytes(StandardCharsets.UTF_8)); // sealing moves forward again
    }
    String audit = Files.readString(f.brokerState.resolve("audit.log"));
    assertTrue(audit.contains("\"ROLLBACK_OVERRIDE\"") && audit.contains("OPS-42"));
    assertTrue(audit.contains("\"ROLLBACK_REFUSED\""));
  }

  @Test
  void anAttestationDocumentPastTheMaximumAgeIsRefused() throws Exception {
    byte[] blob = seal(MARKER);
    Clock tenMinutesAgo =
        Clock.fixed(
            Instant.now().minus(LocalBrokerFixture.MAX_AGE.multipliedBy(2)), ZoneOffset.UTC);
    LocalBrokerFixture.Enclave stale =
        f.boot(
            f.buildA,
            LocalBrokerFixture.EU_ROLE,
            LocalBrokerFixture.EU_INSTANCE,
            EU_POLICY,
            tenMinutesAgo);
    SealRejectedException e = refusedOpen(blob, stale, eu);
    assertEquals(KeyReleaseRefusal.ATTESTATION_REJECTED, e.keyReleaseRefusal().orElseThrow());
    var cause = (dev.sovereign.attestation.kms.KeyBrokerRefusedException) e.getCause();
    assertEquals(AttestationRejection.TOO_OLD.name(), cause.subCode().orElseThrow());
  }

  @Test
  void anEnclaveThatLoadedAnotherSovereigntyPolicyIsRefusedAsPolicyHashMismatch() throws Exception {
    byte[] blob = seal(MARKER);
    LocalBrokerFixture.Enclave lax =
        f.boot(
            f.buildA,
            LocalBrokerFixture.EU_ROLE,
            LocalBrokerFixture.EU_INSTANCE,
            "EU policy, lax edition");
    SealRejectedException e = refusedOpen(blob, lax, eu);
    assertEquals(SealRejection.KEY_RELEASE_REFUSED, e.reason());
    assertEquals(KeyReleaseRefusal.POLICY_HASH_MISMATCH, e.keyReleaseRefusal().orElseThrow());
  }

  @Test
  void noKeyMaterialOrStatePlaintextReachesTheBrokersFilesOrErrors() throws Exception {
    byte[] blob = seal(MARKER);
    var opened = SealedState.parse(blob).open(f.keyBroker, sealer.recipient(), sealer.keys(), eu);
    // The data key of this blob, as the enclave sees it, in every encoding a leak could take.
    var released =
        f.keyBroker.decrypt(
            opened.header().wrappedDataKey(),
            opened.header().encryptionContext(),
            sealer.recipient());
    byte[] dataKey =
        sealer.keys().open(released.ciphertextForRecipient()).toByteArray(SecretAccess.get());
    List<String> needles =
        List.of(
            HexFormat.of().formatHex(dataKey),
            Base64.getEncoder().encodeToString(dataKey),
            new String(MARKER, StandardCharsets.ISO_8859_1));
    assertFalse(
        contains(blob, dataKey) || contains(blob, MARKER),
        "the sealed blob holds neither key nor body in clear");
    try (Stream<Path> files = Files.walk(f.brokerState)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        if (p.getFileName().toString().equals("master.key")) {
          continue; // the broker's own key-encryption key: mode 0600, checked below
        }
        byte[] content = Files.readAllBytes(p);
        assertFalse(contains(content, dataKey), p + " holds the raw data key");
        String text = new String(content, StandardCharsets.ISO_8859_1);
        for (String n : needles) {
          assertFalse(text.contains(n), p + " holds key material or state plaintext");
        }
        assertEquals(
            "rw-------",
            java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)),
            p.toString());
      }
    }
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(f.brokerState.resolve("master.key"))));
    SealRejectedException e =
        refusedOpen(
            blob,
            f.boot(f.buildB, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE, EU_POLICY),
            eu);
    for (String n : needles) {
      assertFalse(e.getMessage().contains(n) || String.valueOf(e.getCause()).contains(n));
    }
    assertEquals(
        AuditLog.verify(f.brokerState.resolve("audit.log")).head(), f.broker.audit().head());
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
