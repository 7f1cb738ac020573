package dev.sovereign.enclave.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.DidProducerKeys;
import dev.sovereign.enclave.pipeline.EvidenceFabricResolver;
import dev.sovereign.enclave.pipeline.FabricEvidence;
import dev.sovereign.enclave.pipeline.FabricProducerKeys;
import dev.sovereign.enclave.pipeline.HostWordDidDocuments;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.pipeline.ProducerAuthorization;
import dev.sovereign.enclave.pipeline.ProducerCredentials;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.round.ResultIssuer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
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

/**
 * did:ethr producers: accepted only where the policy lists {@code ethr}, resolved from the document
 * the host supplied (deferred, naming the DID under {@code needs.didDocuments}, when it supplied
 * none), and every result of such a policy lists {@code ethr} under {@code unverifiedDidMethods}.
 */
class EthrOnTheHostsWordTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "r-ethr";
  private static final String DID = "did:ethr:0x" + "ab".repeat(20);
  private final ExecutorService verifiers = Executors.newFixedThreadPool(2);
  private final SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
  private EnclaveIdentity identity;
  private EnclaveService service;

  @AfterEach
  void stop() {
    verifiers.shutdownNow();
  }

  private void start(String didMethods) throws Exception {
    SovereigntyPolicy policy =
        PolicyLoader.parse(
            """
        version: 1
        policyId: ethr
        enclave:
          region: eu-central-1
          acceptedMeasurements:
            - pcr0: "%s"
          didMethods: %s
        zones:
          EU:
            countries: [DE]
            processingRegions: [eu-central-1]
            trustAnchors: ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]
        datasets:
          loyalty-points:
            zones: [EU]
            groupBy: [country]
            minGroupSize: 1
            metrics:
              points:
                functions: [sum]
                bounds: [0, 100000]
        evidence:
          askHost: true
        """
                .formatted("00".repeat(48), didMethods));
    identity = EnclaveIdentity.generate(new SecureRandom());
    Clock clock = Clock.systemUTC();
    FabricEvidence fabric = new FabricEvidence(policy, clock, new SecureRandom());
    HostWordDidDocuments ethr =
        policy.didMethods().contains("ethr") ? new HostWordDidDocuments(clock) : null;
    var builder = DidResolvers.builder().withDidKey().method(new EvidenceFabricResolver(fabric));
    if (ethr != null) {
      builder.method(ethr);
    }
    var resolver = builder.build();
    ProducerCredentials anyCredential =
        (producer, jti, credentials, presentation, zone, dataset, anchors, at) ->
            new ProducerAuthorization(
                producer, Set.of(zone), Set.of(dataset), List.of(anchors.get(0)));
    PayloadPipeline pipeline =
        new PayloadPipeline(
            policy,
            identity.encryptionPrivateKey(),
            identity.encryptionKid(),
            new FabricProducerKeys(fabric, new DidProducerKeys(resolver, clock)),
            anyCredential,
            clock);
    service =
        new EnclaveService(
            policy,
            identity,
            null,
            pipeline,
            new ResultIssuer(identity, policy, new byte[0], new SecureRandom()),
            verifiers,
            new EvidenceStore(),
            fabric,
            ethr,
            clock);
    assertInstanceOf(
        Message.RoundOpened.class,
        service.handle(new Message.OpenRound(ROUND, "loyalty-points", policy.sha256Hex())));
  }

  /**
   * A resolution result as the host's did:ethr resolver would write it, with the producer's Ed25519
   * key.
   */
  private String resolutionResult(String did) throws Exception {
    ObjectNode r = JSON.createObjectNode();
    r.set("didDocument", FabricDocuments.document(did, List.of(key.publicKey()), 1));
    r.putObject("didDocumentMetadata");
    r.putObject("didResolutionMetadata").put("contentType", "application/did+ld+json");
    return JSON.writeValueAsString(r);
  }

  @Test
  void anEthrProducerIsDeferredThenAcceptedOnTheHostsDocumentAndTheResultSaysSo() throws Exception {
    start("[key, ethr]");
    String jwe = payload(DID);
    Message.Verdict first = submit(jwe);
    assertEquals("deferred", first.outcome(), first.toString());
    assertEquals(List.of(DID), first.needs().didDocuments());
    assertEquals(List.of(), first.needs().didLogs());

    Message.Response stored =
        service.handle(
            new Message.SupplyEvidence(null, null, null, Map.of(DID, resolutionResult(DID))));
    assertEquals(
        1,
        assertInstanceOf(Message.EvidenceStored.class, stored, stored.toString())
            .didDocumentsStored());
    assertEquals("accepted", submit(jwe).outcome());

    Message.RoundResult result =
        (Message.RoundResult) service.handle(new Message.CloseRound(ROUND));
    JsonNode vc = JSON.readTree(Base64.getUrlDecoder().decode(result.credential().split("\\.")[1]));
    assertEquals(
        List.of("ethr"),
        JSON.convertValue(vc.at("/credentialSubject/unverifiedDidMethods"), List.class));
  }

  @Test
  void aDocumentAboutAnotherDidOrANonEthrDidIsRefused() throws Exception {
    start("[key, ethr]");
    String other = "did:ethr:0x" + "cd".repeat(20);
    Message.Error e =
        assertInstanceOf(
            Message.Error.class,
            service.handle(
                new Message.SupplyEvidence(
                    null, null, null, Map.of(DID, resolutionResult(other)))));
    assertTrue(e.detail().contains("another DID"), e.detail());
    assertInstanceOf(
        Message.Error.class,
        service.handle(
            new Message.SupplyEvidence(
                null,
                null,
                null,
                Map.of(
                    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                    resolutionResult(DID)))));
    assertEquals("deferred", submit(payload(DID)).outcome(), "nothing was stored for the DID");
  }

  @Test
  void withoutEthrInThePolicyTheHostsDocumentsAreRefusedAndResultsMakeNoSuchClaim()
      throws Exception {
    start("[key, fabric]");
    Message.Error e =
        assertInstanceOf(
            Message.Error.class,
            service.handle(
                new Message.SupplyEvidence(null, null, null, Map.of(DID, resolutionResult(DID)))));
    assertEquals("evidence-rejected", e.code());
    assertEquals(
        new Message.Verdict("rejected", "producer-did-method-not-allowed", null),
        submit(payload(DID)));
    Message.RoundResult result =
        (Message.RoundResult) service.handle(new Message.CloseRound(ROUND));
    JsonNode vc = JSON.readTree(Base64.getUrlDecoder().decode(result.credential().split("\\.")[1]));
    assertFalse(vc.get("credentialSubject").has("unverifiedDidMethods"));
  }

  private Message.Verdict submit(String jwe) {
    Message.Response r = service.handle(new Message.SubmitPayloads(ROUND, List.of(jwe), true));
    return assertInstanceOf(Message.PayloadVerdicts.class, r, r.toString()).verdicts().get(0);
  }

  private String payload(String did) throws Exception {
    ObjectNode header =
        JSON.createObjectNode()
            .put("alg", "EdDSA")
            .put("typ", "sovereign-payload+jwt")
            .put("kid", did + "#key-1");
    ObjectNode claims =
        JSON.createObjectNode()
            .put("iss", did)
            .put("jti", "j-" + System.nanoTime())
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
    claims.putArray("credentials").add("stand-in");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input =
        b64.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + b64.encodeToString(JSON.writeValueAsBytes(claims));
    String jws =
        input + "." + b64.encodeToString(key.sign(input.getBytes(StandardCharsets.US_ASCII)));
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
