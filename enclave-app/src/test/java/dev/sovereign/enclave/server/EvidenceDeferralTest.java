package dev.sovereign.enclave.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDHEncrypter;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.fabric.core.FabricDidEvidence;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.ledger.EmbeddedLedger;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.DidProducerKeys;
import dev.sovereign.enclave.pipeline.EvidenceFabricResolver;
import dev.sovereign.enclave.pipeline.FabricEvidence;
import dev.sovereign.enclave.pipeline.FabricProducerKeys;
import dev.sovereign.enclave.pipeline.MissingEvidence;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.pipeline.PayloadRejectedException;
import dev.sovereign.enclave.pipeline.ProducerAuthorization;
import dev.sovereign.enclave.pipeline.ProducerCredentials;
import dev.sovereign.enclave.pipeline.RejectionReason;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.Codec;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.round.Round;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code SubmitPayloads} with {@code deferEvidence}: a payload that fails only for evidence the
 * enclave does not hold is {@code deferred} (naming the evidence) and leaves no trace in the round,
 * but only when the host asks for it and the policy allows asking the host. Evidence that does not
 * verify, and everything else, stays a final rejection.
 */
class EvidenceDeferralTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NETWORK = "sovereign";
  private static final String ROUND = "r-defer";
  private static final String STATUS_URL = "https://authority.example/status/1";

  @TempDir Path dir;
  private EmbeddedLedger ledger;
  private EmbeddedLedger rogue;
  private EnclaveIdentity identity;
  private EnclaveService service;
  private SovereigntyPolicy policy;
  private final ExecutorService verifiers = Executors.newFixedThreadPool(2);

  @AfterEach
  void close() {
    verifiers.shutdownNow();
    if (ledger != null) {
      ledger.close();
    }
    if (rogue != null) {
      rogue.close();
    }
  }

  /**
   * An enclave service over the real pipeline; credentials are a stand-in that needs one status
   * list.
   */
  private void start(boolean askHost) throws Exception {
    ledger = EmbeddedLedger.open(dir.resolve("ledger"), NETWORK);
    rogue = EmbeddedLedger.open(dir.resolve("rogue"), NETWORK);
    policy =
        PolicyLoader.parse(policyYaml(ledger.mspId(), pem(ledger.orgCaCertificate()), askHost));
    identity = EnclaveIdentity.generate(new SecureRandom());
    Clock clock = Clock.systemUTC();
    FabricEvidence fabric = new FabricEvidence(policy, clock, new SecureRandom());
    EvidenceStore store = new EvidenceStore();
    var resolver =
        DidResolvers.builder().withDidKey().method(new EvidenceFabricResolver(fabric)).build();
    PayloadPipeline pipeline =
        new PayloadPipeline(
            policy,
            identity.encryptionPrivateKey(),
            identity.encryptionKid(),
            new FabricProducerKeys(fabric, new DidProducerKeys(resolver, clock)),
            statusListCredentials(store),
            clock);
    // a stand-in for the credentials module's list check (this test is about deferral)
    EvidenceStore.StatusListVerifier anyList =
        (url, jwt, at) ->
            new dev.sovereign.vc.VerifiedStatusList(
                url,
                dev.sovereign.did.Did.parse(
                    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
                List.of("revocation"),
                131_072,
                at,
                java.util.Optional.empty());
    service =
        new EnclaveService(
            policy, identity, null, pipeline, null, verifiers, store, fabric, null, anyList, clock);
    assertInstanceOf(
        Message.RoundOpened.class,
        service.handle(new Message.OpenRound(ROUND, "loyalty-points", policy.sha256Hex())));
  }

  /**
   * Credentials that pass when the host supplied the status list at {@link #STATUS_URL}, as the
   * enclave's credential stage does: a missing list is named. A "revoked" credential fails with
   * {@code credential-revoked} after noting the list as missing.
   */
  private static ProducerCredentials statusListCredentials(EvidenceStore store) {
    return (producer, jti, credentials, presentation, zone, dataset, anchors, at) -> {
      if (credentials.get(0).equals("revoked")) {
        MissingEvidence.statusList(STATUS_URL); // missing on the way, but not the reason
        throw new PayloadRejectedException(RejectionReason.CREDENTIAL_REVOKED, "stand-in");
      }
      if (store.statusList(STATUS_URL).isEmpty()) {
        MissingEvidence.statusList(STATUS_URL);
        throw new PayloadRejectedException(
            RejectionReason.CREDENTIAL_STATUS_UNVERIFIED, "stand-in");
      }
      return new ProducerAuthorization(
          producer, Set.of(zone), Set.of(dataset), List.of(anchors.get(0)));
    };
  }

  @Test
  void aFabricProducerWithoutEvidenceIsDeferredOnlyWhenTheHostAsks() throws Exception {
    start(true);
    Producer p = producer(ledger);
    service.handle(new Message.SupplyEvidence(null, null, Map.of(STATUS_URL, "a.b.c")));

    Message.Verdict deferred = submit(true, p.payload("good")).get(0);
    assertEquals("deferred", deferred.outcome());
    assertEquals("did-evidence-missing", deferred.reason());
    assertNull(deferred.leaf());
    assertEquals(List.of(p.did()), deferred.needs().didLogs());
    assertEquals(List.of(), deferred.needs().statusLists());
    assertEquals(0, state().accepted());
    assertTrue(state().rejectedByReason().isEmpty(), "a deferred payload is not counted");
    assertEquals(0, state().unauthenticated(), "a deferred payload is not counted");

    Message.Verdict fin = submit(false, p.payload("good2")).get(0);
    assertEquals(new Message.Verdict("rejected", "did-evidence-missing", null), fin);
  }

  @Test
  void aDeferredPayloadResentAfterTheEvidenceIsAcceptedExactlyOnce() throws Exception {
    start(true);
    Producer p = producer(ledger);
    String jwe = p.payload("good");
    Message.Verdict first = submit(true, jwe).get(0);
    assertEquals(List.of(p.did()), first.needs().didLogs());

    supplyFabric(p.did(), ledger);
    Message.Verdict second = submit(true, jwe).get(0);
    assertEquals("deferred", second.outcome());
    assertEquals("credential-status-unverified", second.reason());
    assertEquals(List.of(STATUS_URL), second.needs().statusLists());

    service.handle(new Message.SupplyEvidence(null, null, Map.of(STATUS_URL, "a.b.c")));
    Message.Verdict third = submit(true, jwe).get(0);
    assertEquals("accepted", third.outcome(), third.reason());
    // the same bytes once more (protocol 1.7): their first verdict again, not a second count
    assertEquals(third, submit(true, jwe).get(0));
    assertEquals(1, state().accepted());
    assertTrue(state().rejectedByReason().isEmpty(), state().rejectedByReason().toString());
  }

  @Test
  void evidenceThatDoesNotVerifyIsAFinalRejection() throws Exception {
    start(true);
    service.handle(new Message.SupplyEvidence(null, null, Map.of(STATUS_URL, "a.b.c")));
    Producer p = producer(rogue);
    supplyFabric(p.did(), rogue);

    Message.Verdict v = submit(true, p.payload("good")).get(0);
    assertEquals(new Message.Verdict("rejected", "did-evidence-invalid", null), v);
    // the key could not be looked up, so no signature verified: noise, not a producer's rejection
    assertEquals(Map.of(), state().rejectedByReason());
    assertEquals(1, state().unauthenticated());
  }

  @Test
  void otherRejectionsStayFinalEvenWhenEvidenceWasMissingOnTheWay() throws Exception {
    start(true);
    Producer p = producer(ledger);
    supplyFabric(p.did(), ledger);
    Message.Verdict revoked = submit(true, p.payload("revoked")).get(0);
    assertEquals(new Message.Verdict("rejected", "credential-revoked", null), revoked);

    Producer stranger = producer(ledger);
    String forged = stranger.payloadSignedBy(SoftwareControllerKey.generate(Multikey.Type.ED25519));
    supplyFabric(stranger.did(), ledger);
    assertEquals("signature-invalid", submit(true, forged).get(0).reason());
  }

  @Test
  void aDidOfANetworkThePolicyDoesNotPinIsNeverNamed() throws Exception {
    start(true);
    try (EmbeddedLedger other = EmbeddedLedger.open(dir.resolve("other"), "othernet")) {
      SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
      String did = other.submit(FabricDocuments.create("othernet", key)).did();
      Message.Verdict v = submit(true, new Producer(did, key).payload("good")).get(0);
      assertEquals(new Message.Verdict("rejected", "did-evidence-missing", null), v);
    }
  }

  @Test
  void withAskHostFalseTheEnclaveNeverDefers() throws Exception {
    start(false);
    Producer p = producer(ledger);
    String jwe = p.payload("good");
    assertEquals(
        new Message.Verdict("rejected", "did-evidence-missing", null), submit(true, jwe).get(0));
    supplyFabric(p.did(), ledger);
    assertEquals(
        new Message.Verdict("rejected", "credential-status-unverified", null),
        submit(true, p.payload("good")).get(0));
    assertEquals(Map.of("credential-status-unverified", 1L), state().rejectedByReason());
    assertEquals(1, state().unauthenticated(), "did-evidence-missing: before any signature");
  }

  @Test
  void theFlagIsOptionalOnTheWireAndVerdictsWithoutNeedsAreUnchanged() throws Exception {
    byte[] old = Codec.encode(new Message.SubmitPayloads("r1", List.of("a.b.c.d.e")));
    assertEquals(
        "{\"payloads\":[\"a.b.c.d.e\"],\"round\":\"r1\"}",
        new String(old, 6, old.length - 6, StandardCharsets.UTF_8));
    byte[] flagged = Codec.encode(new Message.SubmitPayloads("r1", List.of("a.b.c.d.e"), true));
    Message.SubmitPayloads back = (Message.SubmitPayloads) decode(flagged);
    assertEquals(Boolean.TRUE, back.deferEvidence());
    for (Message m :
        List.of(
            new Message.EvidenceStored(1, 1, 2),
            new Message.EvidenceStored(0, 0, 0, 3),
            new Message.SupplyEvidence(null, null, Map.of("u", "a.b.c")),
            new Message.PayloadVerdicts(
                "r1",
                List.of(
                    new Message.Verdict(
                        "deferred",
                        "did-evidence-missing",
                        null,
                        new Message.Needs(List.of("did:fabric:n:x"), List.of())))))) {
      byte[] b = Codec.encode(m);
      assertEquals(m, decode(b), "round trip of " + m);
    }
    byte[] stored = Codec.encode(new Message.EvidenceStored(1, 1, 2));
    assertEquals(
        "{\"didLogs\":1,\"endorsedReads\":1,\"statusLists\":2}",
        new String(stored, 6, stored.length - 6, StandardCharsets.UTF_8));
    byte[] verdicts =
        Codec.encode(
            new Message.PayloadVerdicts(
                "r1", List.of(new Message.Verdict("rejected", "replay", null))));
    assertEquals(
        "{\"round\":\"r1\",\"verdicts\":[{\"leaf\":null,\"outcome\":\"rejected\",\"reason\":\"replay\"}]}",
        new String(verdicts, 6, verdicts.length - 6, StandardCharsets.UTF_8));
  }

  private static Message decode(byte[] frame) throws Exception {
    return Codec.decode(
        new Frames.Frame(
            Frames.VERSION, frame[5] & 0xff, java.util.Arrays.copyOfRange(frame, 6, frame.length)));
  }

  private Round.State state() {
    return service.rounds().stream()
        .filter(r -> r.id().equals(ROUND))
        .findFirst()
        .orElseThrow()
        .state();
  }

  private List<Message.Verdict> submit(boolean defer, String... jwes) {
    Message.Response r =
        service.handle(new Message.SubmitPayloads(ROUND, List.of(jwes), defer ? true : null));
    return assertInstanceOf(Message.PayloadVerdicts.class, r, r.toString()).verdicts();
  }

  private void supplyFabric(String did, EmbeddedLedger on) throws Exception {
    Message.EvidenceNonceIssued n =
        (Message.EvidenceNonceIssued) service.handle(new Message.EvidenceNonce());
    JsonNode bundle = JSON.readTree(FabricDidEvidence.bundle(on, did, n.nonce()));
    service.handle(new Message.SupplyEvidence(List.of(bundle), null, null));
  }

  private Producer producer(EmbeddedLedger on) throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    return new Producer(on.submit(FabricDocuments.create(NETWORK, key)).did(), key);
  }

  /** A did:fabric producer whose genesis key (#key-1) signs its payloads. */
  private final class Producer {
    private final String did;
    private final SoftwareControllerKey key;
    private int n;

    Producer(String did, SoftwareControllerKey key) {
      this.did = did;
      this.key = key;
    }

    String did() {
      return did;
    }

    String payload(String credential) throws Exception {
      return jwe(jws(credential, key));
    }

    String payloadSignedBy(SoftwareControllerKey other) throws Exception {
      return jwe(jws("good", other));
    }

    private String jws(String credential, SoftwareControllerKey signer) throws Exception {
      ObjectNode header =
          JSON.createObjectNode()
              .put("alg", "EdDSA")
              .put("typ", "sovereign-payload+jwt")
              .put("kid", did + "#key-1");
      ObjectNode claims =
          JSON.createObjectNode()
              .put("iss", did)
              .put("jti", did + "-" + (n++))
              .put("iat", Instant.now().getEpochSecond())
              .put("round", ROUND)
              .put("dataset", "loyalty-points")
              .put("region", "EU");
      claims
          .putArray("records")
          .addObject()
          .put("metric", "points")
          .put("value", 10)
          .putObject("group")
          .put("country", "DE");
      claims.putArray("credentials").add(credential);
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String input =
          b64.encodeToString(JSON.writeValueAsBytes(header))
              + "."
              + b64.encodeToString(JSON.writeValueAsBytes(claims));
      return input
          + "."
          + b64.encodeToString(signer.sign(input.getBytes(StandardCharsets.US_ASCII)));
    }

    private String jwe(String jws) throws Exception {
      JWEHeader h =
          new JWEHeader.Builder(JWEAlgorithm.ECDH_ES_A256KW, EncryptionMethod.A256GCM)
              .keyID(identity.encryptionKid())
              .contentType("JWT")
              .customParam("zone", "EU")
              .build();
      JWEObject o = new JWEObject(h, new Payload(jws));
      o.encrypt(new ECDHEncrypter(identity.encryptionPublicKey()));
      return o.serialize();
    }
  }

  static String policyYaml(String mspId, String caPem, boolean askHost) {
    return dev.sovereign.enclave.policy.DevPolicy.builder("deferral")
        .pcr0("00".repeat(48))
        .zone(
            new dev.sovereign.enclave.policy.DevPolicy.Zone(
                "EU",
                java.util.List.of("DE"),
                java.util.List.of(dev.sovereign.enclave.policy.DevPolicy.REGION),
                "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))
        .minGroupSize(1)
        .functions("sum")
        .fabricNetwork("sovereign", mspId, caPem)
        .askHost(askHost)
        .yaml();
  }

  static String pem(X509Certificate c) throws Exception {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(c.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }
}
