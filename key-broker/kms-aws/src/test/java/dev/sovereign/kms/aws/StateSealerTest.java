package dev.sovereign.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.SecretAccess;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import dev.sovereign.attestation.seal.SealBinding;
import dev.sovereign.attestation.seal.SealRejectedException;
import dev.sovereign.attestation.seal.StateSealer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The enclave's sealing service with a simulated NSM, the AWS SDK and the local broker. */
class StateSealerTest {
  @TempDir Path dir;

  private static SimulatedNsm nsm(LocalBrokerFixture f, Path build, String role, String instance)
      throws Exception {
    return SimulatedNsm.open(
        SimulationConfig.of(f.nsmState, build)
            .withParentRoleArn(role)
            .withParentInstanceId(instance));
  }

  @Test
  void aSealerSealsAndTheNextBootsSealerRestoresWhileAnotherBuildsSealerIsRefused()
      throws Exception {
    try (LocalBrokerFixture f = new LocalBrokerFixture(dir)) {
      byte[] pcr0 = SimulatedMeasurements.pcr0(f.buildA);
      byte[] policyHash = LocalBrokerFixture.sha256("EU policy v1");
      String arn =
          f.sdk
              .createKey(b -> b.policy(LocalBrokerFixture.euKeyPolicy(pcr0, policyHash)))
              .keyMetadata()
              .arn();
      SealBinding eu = SealBinding.create(arn, pcr0, "EU", policyHash);
      byte[] blob;
      try (SimulatedNsm first =
          nsm(f, f.buildA, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE)) {
        blob =
            StateSealer.create(
                    first, f.keyBroker, eu, "did:key:z6MkFirstBoot", LocalBrokerFixture.RANDOM)
                .seal(1, "round 7 partial aggregates".getBytes(StandardCharsets.UTF_8));
      }
      try (SimulatedNsm second =
          nsm(f, f.buildA, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE)) {
        var opened =
            StateSealer.create(second, f.keyBroker, eu, null, LocalBrokerFixture.RANDOM).open(blob);
        assertArrayEquals(
            "round 7 partial aggregates".getBytes(StandardCharsets.UTF_8),
            opened.body().toByteArray(SecretAccess.get()));
      }
      try (SimulatedNsm other =
          nsm(f, f.buildB, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE)) {
        SealRejectedException e =
            assertThrows(
                SealRejectedException.class,
                () ->
                    StateSealer.create(other, f.keyBroker, eu, null, LocalBrokerFixture.RANDOM)
                        .open(blob));
        assertEquals(KeyReleaseRefusal.PCR_NOT_ALLOWED, e.keyReleaseRefusal().orElseThrow());
      }
    }
  }

  @Test
  void aSealThatHoldsTheMarkLeavesTheEarlierSealRestorableAndOnlyARaisingSealOrARestoreMovesIt()
      throws Exception {
    try (LocalBrokerFixture f = new LocalBrokerFixture(dir)) {
      byte[] pcr0 = SimulatedMeasurements.pcr0(f.buildA);
      byte[] policyHash = LocalBrokerFixture.sha256("EU policy v1");
      String arn =
          f.sdk
              .createKey(b -> b.policy(LocalBrokerFixture.euKeyPolicy(pcr0, policyHash)))
              .keyMetadata()
              .arn();
      SealBinding eu = SealBinding.create(arn, pcr0, "EU", policyHash);
      byte[] hostsSeal;
      byte[] lostSeal;
      try (SimulatedNsm first =
          nsm(f, f.buildA, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE)) {
        StateSealer sealer =
            StateSealer.create(
                first, f.keyBroker, eu, "did:key:z6MkHold", LocalBrokerFixture.RANDOM);
        hostsSeal = sealer.sealHoldingMark(10, bytes("the host stored this one"));
        // a seal whose blob never reached the host's disk (a stray Seal, a host killed mid-seal)
        lostSeal = sealer.sealHoldingMark(20, bytes("nobody kept this one"));
      }
      try (SimulatedNsm second =
          nsm(f, f.buildA, LocalBrokerFixture.EU_ROLE, LocalBrokerFixture.EU_INSTANCE)) {
        StateSealer next =
            StateSealer.create(second, f.keyBroker, eu, null, LocalBrokerFixture.RANDOM);
        assertArrayEquals(
            bytes("the host stored this one"),
            next.open(hostsSeal).body().toByteArray(SecretAccess.get()),
            "the later seal held the mark: the host's own seal still opens");
        // the restore raised the mark to 10: a held seal still must go above it
        SealRejectedException below =
            assertThrows(
                SealRejectedException.class, () -> next.sealHoldingMark(10, bytes("not above")));
        assertEquals(KeyReleaseRefusal.ROLLBACK_REFUSED, below.keyReleaseRefusal().orElseThrow());
        // a close's seal raises the mark: every snapshot below it is refused from now on
        next.seal(30, bytes("the round closed"));
        for (byte[] older : new byte[][] {hostsSeal, lostSeal}) {
          SealRejectedException e =
              assertThrows(SealRejectedException.class, () -> next.open(older));
          assertEquals(KeyReleaseRefusal.ROLLBACK_REFUSED, e.keyReleaseRefusal().orElseThrow());
        }
      }
      String audit = Files.readString(f.brokerState.resolve("audit.log"));
      assertTrue(audit.contains("\"rollbackMark\":\"held\""), audit);
      assertTrue(audit.contains("\"rollbackMark\":\"raised\""), audit);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
