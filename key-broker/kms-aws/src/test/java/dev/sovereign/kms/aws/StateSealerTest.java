package dev.sovereign.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.SecretAccess;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import dev.sovereign.attestation.seal.SealBinding;
import dev.sovereign.attestation.seal.SealRejectedException;
import dev.sovereign.attestation.seal.StateSealer;
import java.nio.charset.StandardCharsets;
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
}
