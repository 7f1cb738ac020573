package dev.sovereign.enclave.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.DidProducerKeys;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.pipeline.ProducerAuthorization;
import dev.sovereign.enclave.pipeline.ProducerCredentials;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.ErrorCode;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.round.ResultIssuer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 through the enclave's request handler: rounds over the same population, the producer as
 * the privacy unit, and a privacy budget that a round cannot overspend. Producers are did:key
 * signers whose credentials are taken as verified (the credential stage is not under test).
 */
class PrivacyAcrossRoundsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
  private final ExecutorService verifiers = Executors.newFixedThreadPool(2);
  private EnclaveIdentity identity;
  private EnclaveService service;
  private SovereigntyPolicy policy;

  @AfterEach
  void stop() {
    verifiers.shutdownNow();
  }

  private void start(Consumer<DevPolicy.Builder> edit) throws Exception {
    DevPolicy.Builder b =
        DevPolicy.builder("privacy").pcr0("00".repeat(48)).zone("EU", ANCHOR).minGroupSize(2);
    edit.accept(b);
    policy = PolicyLoader.parse(b.yaml());
    identity = EnclaveIdentity.generate(new SecureRandom());
    Clock clock = Clock.systemUTC();
    ProducerCredentials anyone =
        (producer, jti, credentials, presentation, zone, dataset, anchors, at) ->
            new ProducerAuthorization(
                producer, Set.of(zone), Set.of(dataset), List.of(anchors.get(0)));
    PayloadPipeline pipeline =
        new PayloadPipeline(
            policy,
            identity.encryptionPrivateKey(),
            identity.encryptionKid(),
            new DidProducerKeys(DidResolvers.builder().withDidKey().build(), clock),
            anyone,
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
            null,
            clock);
  }

  /** A producer: a did:key signer. */
  private record Producer(KeyPair keys, Did did) {
    static Producer fresh() throws Exception {
      KeyPair k = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      return new Producer(k, DidKey.fromKey(k.getPublic()));
    }
  }

  private int jti;

  /** Opens {@code round}, submits each producer's payload, closes; the close's answer. */
  private Message.Response round(String round, List<Producer> producers, List<String> values)
      throws Exception {
    assertInstanceOf(
        Message.RoundOpened.class,
        service.handle(new Message.OpenRound(round, DevPolicy.DATASET, policy.sha256Hex())));
    for (int i = 0; i < producers.size(); i++) {
      Message.PayloadVerdicts v =
          assertInstanceOf(
              Message.PayloadVerdicts.class,
              service.handle(
                  new Message.SubmitPayloads(
                      round, List.of(payload(producers.get(i), round, values.get(i))))));
      assertEquals("accepted", v.verdicts().get(0).outcome(), v.toString());
    }
    return service.handle(new Message.CloseRound(round));
  }

  private static JsonNode subject(Message.Response closed) throws Exception {
    String jwt = assertInstanceOf(Message.RoundResult.class, closed).credential();
    return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]))
        .get("credentialSubject");
  }

  @Test
  void aGroupSuppressedInOneRoundIsNotUnmaskedByASecondProducerAddingZeroInTheNext()
      throws Exception {
    start(b -> b.functions("sum", "count", "mean").epsilon(1.0).privacy(1, 1, 1, false, 2.0));
    Producer victim = Producer.fresh();
    Producer attacker = Producer.fresh();

    JsonNode first = subject(round("r1", List.of(victim), List.of("4242")));
    assertEquals(0, first.get("aggregates").size(), "one producer is below k = 2");
    assertEquals(1, first.get("suppressedGroups").asInt());

    JsonNode second = subject(round("r2", List.of(victim, attacker), List.of("4242", "0")));
    JsonNode cell = second.get("aggregates").get(0);
    assertFalse(cell.has("max") || cell.has("min"), cell.toString());
    assertNotEquals(4242, cell.get("sum").asLong(), "the sum carries discrete noise: " + cell);
    assertEquals("producer", second.at("/privacy/unit").asText());
    assertEquals("discrete-laplace", second.at("/privacy/mechanism").asText());
    assertEquals(2, second.at("/privacy/budget/epsilonSpent").asInt());
    assertEquals(0, second.at("/privacy/budget/epsilonRemaining").asInt());

    // averaging the noise away needs more rounds: the budget refuses the third
    Message.Error refused =
        assertInstanceOf(
            Message.Error.class, round("r3", List.of(victim, attacker), List.of("4242", "0")));
    assertEquals(ErrorCode.PRIVACY_BUDGET_EXHAUSTED.wire(), refused.code());
    assertTrue(refused.detail().contains("has spent 2 of 2"), refused.detail());
    assertEquals(
        ErrorCode.PRIVACY_BUDGET_EXHAUSTED.wire(),
        assertInstanceOf(Message.Error.class, service.handle(new Message.CloseRound("r3"))).code(),
        "the round stays open and refused; no result is issued");
  }

  @Test
  void withoutNoiseTheResultStillCountsProducersAndStatesItsBounds() throws Exception {
    start(b -> b.functions("sum", "count", "mean", "min", "max"));
    Producer a = Producer.fresh();
    JsonNode padded = subject(round("p1", List.of(a, a), List.of("4242", "1")));
    assertEquals(
        0, padded.get("aggregates").size(), "one producer with two payloads stays below k = 2");
    JsonNode s = subject(round("p2", List.of(a, Producer.fresh()), List.of("4242", "0")));
    JsonNode cell = s.get("aggregates").get(0);
    assertFalse(cell.has("max") || cell.has("min"), cell.toString());
    assertEquals("distinct-producers", s.at("/privacy/thresholdCounts").asText());
    assertEquals(1, s.at("/privacy/contributionBounds/recordsPerGroup").asInt());
    assertEquals("[\"min\",\"max\"]", s.at("/privacy/withheld/points").toString());
    assertFalse(s.at("/privacy").has("budget"), "no noise, nothing spent");
  }

  private String payload(Producer p, String round, String value) throws Exception {
    ObjectNode header =
        JSON.createObjectNode()
            .put("alg", "EdDSA")
            .put("typ", "sovereign-payload+jwt")
            .put("kid", p.did() + "#" + p.did().methodSpecificId());
    ObjectNode claims =
        JSON.createObjectNode()
            .put("iss", p.did().toString())
            .put("jti", "jti-" + (jti++))
            .put("iat", Instant.now().getEpochSecond())
            .put("round", round)
            .put("dataset", DevPolicy.DATASET)
            .put("region", "EU");
    claims
        .putArray("records")
        .addObject()
        .put("metric", "points")
        .put("value", new java.math.BigDecimal(value))
        .putObject("group")
        .put("country", "DE");
    claims.putArray("credentials").add("taken-as-verified");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input =
        b64.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + b64.encodeToString(JSON.writeValueAsBytes(claims));
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(p.keys().getPrivate());
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    String jws = input + "." + b64.encodeToString(s.sign());
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
