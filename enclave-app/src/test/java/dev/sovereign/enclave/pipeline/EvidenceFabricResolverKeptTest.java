package dev.sovereign.enclave.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.fabric.VerifiedLogResolution;
import dev.sovereign.did.fabric.core.FabricDidEvidence;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.ledger.EmbeddedLedger;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.testing.MutableClock;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documents {@link EvidenceFabricResolver} keeps never outlive the evidence they were built
 * from: each test first has a payload verified (so the producer's document is kept), then changes
 * what the enclave holds for the DID (a rotated key, a deactivation, evidence past its maximum age)
 * and checks that the next payload is judged on the new state, as a resolver that keeps nothing
 * would judge it.
 */
class EvidenceFabricResolverKeptTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NETWORK = "sovereign";

  @TempDir Path dir;
  private EmbeddedLedger ledger;
  private SovereigntyPolicy policy;
  private MutableClock clock;
  private FabricEvidence evidence;
  private EvidenceFabricResolver fabric;
  private JwsPayloadVerifier verifier;

  @BeforeEach
  void setUp() throws Exception {
    ledger = EmbeddedLedger.open(dir.resolve("ledger"), NETWORK);
    policy =
        PolicyLoader.parse(
            FabricProducerEvidenceTest.policyYaml(
                ledger.mspId(), FabricProducerEvidenceTest.pem(ledger.orgCaCertificate())));
    // the enclave's clock runs a little ahead of the ledger's, so that a payload's iat (whole
    // seconds, from this clock) is never before the version the ledger just wrote
    clock = new MutableClock(Instant.now().plusSeconds(30));
    evidence = new FabricEvidence(policy, clock, new SecureRandom());
    fabric = new EvidenceFabricResolver(evidence);
    var resolver = DidResolvers.builder().withDidKey().method(fabric).build();
    verifier =
        new JwsPayloadVerifier(
            new FabricProducerKeys(evidence, new DidProducerKeys(resolver, clock)),
            dev.sovereign.crypto.Crypto.system());
  }

  @AfterEach
  void close() {
    ledger.close();
  }

  private void supply(String did) throws Exception {
    evidence.supply(JSON.readTree(FabricDidEvidence.bundle(ledger, did, evidence.issueNonce())));
  }

  private String payload(String did, SoftwareControllerKey key) throws Exception {
    return FabricProducerEvidenceTest.payload(did, key, clock.instant().getEpochSecond());
  }

  /** Two payloads verified under the held log: the second is served from the kept document. */
  private void verifiedTwiceSoItsDocumentIsKept(String did, SoftwareControllerKey key)
      throws Exception {
    assertEquals(did, verifier.verify(payload(did, key), policy).iss());
    int kept = fabric.keptCount();
    assertTrue(kept >= 1, "the producer's document is kept after its first payload");
    assertEquals(did, verifier.verify(payload(did, key), policy).iss());
    assertEquals(kept, fabric.keptCount(), "the second payload used the kept document");
  }

  @Test
  void aKeyRotatedAwayAfterItsDocumentWasKeptIsRefusedAsSoonAsTheNewLogIsHeld() throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    var v1 = ledger.submit(FabricDocuments.create(NETWORK, a));
    String did = v1.did();
    supply(did);
    verifiedTwiceSoItsDocumentIsKept(did, a);

    ledger.submit(
        FabricDocuments.update(
            did,
            v1.versionId(),
            FabricDocuments.document(did, List.of(b.publicKey()), 1),
            did + "#key-1",
            a));
    // the host has not supplied the new log yet: the enclave still holds (and keeps) the old one
    assertEquals(did, verifier.verify(payload(did, a), policy).iss());

    supply(did);
    assertEquals(
        RejectionReason.SIGNATURE_INVALID,
        assertThrows(
                PayloadRejectedException.class,
                () -> verifier.verify(payload(did, a), policy),
                "the rotated-away key, once the rotation is held")
            .reason());
    assertEquals(did, verifier.verify(payload(did, b), policy).iss());
  }

  @Test
  void aDidDeactivatedAfterItsDocumentWasKeptIsUnresolvableAsSoonAsTheNewLogIsHeld()
      throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    var v1 = ledger.submit(FabricDocuments.create(NETWORK, a));
    String did = v1.did();
    supply(did);
    verifiedTwiceSoItsDocumentIsKept(did, a);

    ledger.submit(FabricDocuments.deactivate(did, v1.versionId(), did + "#key-1", a));
    supply(did);
    assertEquals(
        RejectionReason.PRODUCER_DID_UNRESOLVABLE,
        assertThrows(
                PayloadRejectedException.class,
                () -> verifier.verify(payload(did, a), policy),
                "a payload of a deactivated DID")
            .reason());
    assertTrue(
        fabric.resolve(Did.parse(did), ResolutionOptions.latest()).isDeactivated(),
        "the current document is reported deactivated");
  }

  @Test
  void evidencePastItsMaximumAgeIsMissingThoughTheDocumentBuiltFromItWasKept() throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String did = ledger.submit(FabricDocuments.create(NETWORK, a)).did();
    supply(did);
    verifiedTwiceSoItsDocumentIsKept(did, a);

    clock.advance(
        SovereigntyPolicy.FabricNetwork.DEFAULT_EVIDENCE_MAX_AGE.plus(Duration.ofSeconds(1)));
    assertEquals(
        RejectionReason.DID_EVIDENCE_MISSING,
        assertThrows(
                PayloadRejectedException.class,
                () -> verifier.verify(payload(did, a), policy),
                "evidence older than the network's evidenceMaxAge")
            .reason());
    DidResolutionResult r = fabric.resolve(Did.parse(did), ResolutionOptions.latest());
    assertEquals(ResolutionError.NOT_FOUND, r.error().orElseThrow(), r.toString());

    supply(did); // fresh evidence for the same log: accepted again
    assertEquals(did, verifier.verify(payload(did, a), policy).iss());
  }

  @Test
  void aKeptDocumentIsWhatAFreshResolutionOfTheHeldLogBuildsForEveryVersionAsked()
      throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    var v1 = ledger.submit(FabricDocuments.create(NETWORK, a));
    String did = v1.did();
    var v2 =
        ledger.submit(
            FabricDocuments.update(
                did,
                v1.versionId(),
                FabricDocuments.document(did, List.of(b.publicKey()), 1),
                did + "#key-1",
                a));
    supply(did);
    var log = ((FabricEvidence.Verified) evidence.lookup(did)).log();
    ResolutionOptions current = ResolutionOptions.latest();
    ResolutionOptions first = ResolutionOptions.atVersion(v1.versionId());
    for (ResolutionOptions o : List.of(current, first, current, first)) {
      DidResolutionResult kept = fabric.resolve(Did.parse(did), o);
      DidResolutionResult fresh =
          VerifiedLogResolution.of(
              log,
              o.versionId().isPresent()
                  ? log.byVersionId(o.versionId().get()).orElseThrow()
                  : log.current());
      assertEquals(fresh, kept, "version " + o.versionId().orElse("current"));
    }
    assertEquals(
        v2.versionId(),
        fabric.resolve(Did.parse(did), current).didDocumentMetadata().versionId().orElseThrow());
    assertNotEquals(fabric.resolve(Did.parse(did), current), fabric.resolve(Did.parse(did), first));
    assertSame(
        fabric.resolve(Did.parse(did), current),
        fabric.resolve(Did.parse(did), current),
        "the same record of the same held log is built once");
    assertEquals(2, fabric.keptCount());
  }
}
