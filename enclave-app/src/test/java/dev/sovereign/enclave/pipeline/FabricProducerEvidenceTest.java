package dev.sovereign.enclave.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.fabric.core.FabricDidEvidence;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.ledger.EmbeddedLedger;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * did:fabric producers inside the enclave: a DID created on the embedded ledger (host side, test
 * scope only), its evidence exported for a nonce the enclave issued, verified against the CA the
 * policy pins, and the payload signature verified with the key from the verified log. Tampered
 * logs, endorsements from an unpinned CA, stale nonces and missing evidence are typed rejections.
 */
class FabricProducerEvidenceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NETWORK = "sovereign";

  @TempDir Path dir;
  private EmbeddedLedger ledger;
  private EmbeddedLedger rogue;
  private SovereigntyPolicy policy;
  private FabricEvidence evidence;
  private JwsPayloadVerifier verifier;

  @BeforeEach
  void setUp() throws Exception {
    ledger = EmbeddedLedger.open(dir.resolve("ledger"), NETWORK);
    rogue = EmbeddedLedger.open(dir.resolve("rogue"), NETWORK);
    policy = PolicyLoader.parse(policyYaml(ledger.mspId(), pem(ledger.orgCaCertificate())));
    Clock clock = Clock.systemUTC();
    evidence = new FabricEvidence(policy, clock, new SecureRandom());
    var resolver =
        DidResolvers.builder().withDidKey().method(new EvidenceFabricResolver(evidence)).build();
    verifier =
        new JwsPayloadVerifier(
            new FabricProducerKeys(evidence, new DidProducerKeys(resolver, clock)),
            dev.sovereign.crypto.Crypto.system());
  }

  @AfterEach
  void close() {
    ledger.close();
    rogue.close();
  }

  static String policyYaml(String mspId, String caPem) {
    return dev.sovereign.enclave.policy.DevPolicy.builder("fabric-producers")
        .pcr0("00".repeat(48))
        .zone(
            new dev.sovereign.enclave.policy.DevPolicy.Zone(
                "EU",
                java.util.List.of("DE"),
                java.util.List.of(dev.sovereign.enclave.policy.DevPolicy.REGION),
                "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))
        .minGroupSize(2)
        .functions("sum")
        .fabricNetwork("sovereign", mspId, caPem)
        .yaml();
  }

  static String pem(X509Certificate c) throws Exception {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(c.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  @Test
  void aFabricProducerWithVerifiedEvidenceHasItsPayloadSignatureAccepted() throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String did = ledger.submit(FabricDocuments.create(NETWORK, key)).did();
    String nonce = evidence.issueNonce();
    evidence.supply(JSON.readTree(FabricDidEvidence.bundle(ledger, did, nonce)));

    PayloadClaims claims = verifier.verify(payload(did, key), policy);
    assertEquals(did, claims.iss());
    assertTrue(evidence.lookup(did) instanceof FabricEvidence.Verified);
  }

  @Test
  void aFabricProducerWithoutEvidenceIsRejectedAsDidEvidenceMissing() throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String did = ledger.submit(FabricDocuments.create(NETWORK, key)).did();
    PayloadRejectedException e =
        assertThrows(
            PayloadRejectedException.class, () -> verifier.verify(payload(did, key), policy));
    assertEquals(RejectionReason.DID_EVIDENCE_MISSING, e.reason());
    assertEquals("did-evidence-missing", e.reason().code());
  }

  @Test
  void aTamperedLogIsRejectedAndThePayloadIsRejectedAsDidEvidenceInvalid() throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String did = ledger.submit(FabricDocuments.create(NETWORK, key)).did();
    ObjectNode bundle =
        (ObjectNode) JSON.readTree(FabricDidEvidence.bundle(ledger, did, evidence.issueNonce()));
    ObjectNode first = (ObjectNode) bundle.get("log").get("versions").get(0);
    first.put(
        "versionTime",
        Instant.parse(first.get("versionTime").asText()).minusSeconds(60).toString());

    RejectedException rejected =
        assertThrows(RejectedException.class, () -> evidence.supply(bundle));
    assertEquals(ReasonCode.LOG_VERSION_ID_MISMATCH, rejected.reason());
    PayloadRejectedException e =
        assertThrows(
            PayloadRejectedException.class, () -> verifier.verify(payload(did, key), policy));
    assertEquals(RejectionReason.DID_EVIDENCE_INVALID, e.reason());
  }

  @Test
  void anEndorsementFromACaThePolicyDoesNotPinIsRejected() throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String did = rogue.submit(FabricDocuments.create(NETWORK, key)).did();
    JsonNode bundle = JSON.readTree(FabricDidEvidence.bundle(rogue, did, evidence.issueNonce()));

    RejectedException rejected =
        assertThrows(RejectedException.class, () -> evidence.supply(bundle));
    assertEquals(ReasonCode.ENDORSEMENT_INVALID, rejected.reason());
    PayloadRejectedException e =
        assertThrows(
            PayloadRejectedException.class, () -> verifier.verify(payload(did, key), policy));
    assertEquals(RejectionReason.DID_EVIDENCE_INVALID, e.reason());
  }

  @Test
  void evidenceForANonceTheEnclaveDidNotIssueIsRejected() throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String did = ledger.submit(FabricDocuments.create(NETWORK, key)).did();
    JsonNode bundle =
        JSON.readTree(FabricDidEvidence.bundle(ledger, did, "a-nonce-the-host-chose-itself"));

    RejectedException rejected =
        assertThrows(RejectedException.class, () -> evidence.supply(bundle));
    assertEquals(ReasonCode.ENDORSEMENT_MISMATCH, rejected.reason());
  }

  @Test
  void badEvidenceNeverReplacesVerifiedEvidence() throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String did = ledger.submit(FabricDocuments.create(NETWORK, key)).did();
    evidence.supply(JSON.readTree(FabricDidEvidence.bundle(ledger, did, evidence.issueNonce())));
    JsonNode replay = JSON.readTree(FabricDidEvidence.bundle(ledger, did, "not-issued"));
    assertThrows(RejectedException.class, () -> evidence.supply(replay));
    assertEquals(did, verifier.verify(payload(did, key), policy).iss());
  }

  @Test
  void aPayloadSignedByAKeyOutsideTheFabricDidIsRejected() throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey mallory = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String did = ledger.submit(FabricDocuments.create(NETWORK, key)).did();
    evidence.supply(JSON.readTree(FabricDidEvidence.bundle(ledger, did, evidence.issueNonce())));
    PayloadRejectedException e =
        assertThrows(
            PayloadRejectedException.class, () -> verifier.verify(payload(did, mallory), policy));
    assertEquals(RejectionReason.SIGNATURE_INVALID, e.reason());
  }

  /**
   * Issue 17 (5): a payload signed with the rotated-away key and an iat before the rotation, and
   * one of a deactivated DID dated before the deactivation, are rejected (the signer chooses iat);
   * the new key verifies whatever the iat.
   */
  @Test
  void aRotatedAwayKeyOrADeactivatedDidIsRejectedWhateverThePayloadsIat() throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    var v1 = ledger.submit(FabricDocuments.create(NETWORK, a));
    String did = v1.did();
    long before = v1.versionTime().getEpochSecond() + 1;
    Thread.sleep(2100);
    var v2 =
        ledger.submit(
            FabricDocuments.update(
                did,
                v1.versionId(),
                FabricDocuments.document(did, List.of(b.publicKey()), 1),
                did + "#key-1",
                a));
    long after = v2.versionTime().getEpochSecond() + 1;
    evidence.supply(JSON.readTree(FabricDidEvidence.bundle(ledger, did, evidence.issueNonce())));

    assertEquals(did, verifier.verify(payload(did, b, after), policy).iss());
    assertEquals(did, verifier.verify(payload(did, b, before), policy).iss());
    for (long iat : new long[] {before, before - 2, after}) {
      assertEquals(
          RejectionReason.SIGNATURE_INVALID,
          assertThrows(
                  PayloadRejectedException.class,
                  () -> verifier.verify(payload(did, a, iat), policy),
                  "the rotated-away key with iat " + iat)
              .reason());
    }

    Thread.sleep(1100);
    var v3 = ledger.submit(FabricDocuments.deactivate(did, v2.versionId(), did + "#key-1", b));
    long beforeDeactivation = v3.versionTime().getEpochSecond() - 1;
    evidence.supply(JSON.readTree(FabricDidEvidence.bundle(ledger, did, evidence.issueNonce())));
    assertEquals(
        RejectionReason.PRODUCER_DID_UNRESOLVABLE,
        assertThrows(
                PayloadRejectedException.class,
                () -> verifier.verify(payload(did, b, beforeDeactivation), policy))
            .reason());
  }

  private static String payload(String did, SoftwareControllerKey key) throws Exception {
    return payload(did, key, Instant.now().getEpochSecond());
  }

  static String payload(String did, SoftwareControllerKey key, long iat) throws Exception {
    ObjectNode header =
        JSON.createObjectNode()
            .put("alg", "EdDSA")
            .put("typ", JwsPayloadVerifier.TYP)
            .put("kid", did + "#key-1");
    ObjectNode claims =
        JSON.createObjectNode()
            .put("iss", did)
            .put("jti", "jti-" + System.nanoTime())
            .put("iat", iat)
            .put("round", "r1")
            .put("dataset", "loyalty-points")
            .put("region", "EU");
    claims
        .putArray("records")
        .addObject()
        .put("metric", "points")
        .put("value", 10)
        .putObject("group")
        .put("country", "DE");
    claims.putArray("credentials").add("not-checked-at-this-stage");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input =
        b64.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + b64.encodeToString(JSON.writeValueAsBytes(claims));
    return input + "." + b64.encodeToString(key.sign(input.getBytes(StandardCharsets.US_ASCII)));
  }
}
