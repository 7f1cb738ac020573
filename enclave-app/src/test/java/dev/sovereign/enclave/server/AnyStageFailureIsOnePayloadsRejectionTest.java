package dev.sovereign.enclave.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

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
import dev.sovereign.enclave.protocol.Message;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cause behind issue 11's attack 1, closed for every stage: whatever a stage throws on one
 * payload (here the credential stage, standing in for any library), that payload is rejected as
 * {@code payload-unprocessable} and counted; the other payloads of the batch keep their verdicts.
 */
class AnyStageFailureIsOnePayloadsRejectionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "r-contained";
  private final ExecutorService verifiers = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    verifiers.shutdownNow();
  }

  @Test
  void aStageThatThrowsOnOnePayloadRejectsThatPayloadAndTheBatchIsAnswered() throws Exception {
    SovereigntyPolicy policy =
        PolicyLoader.parse(
            DevPolicy.builder("contained")
                .pcr0("00".repeat(48))
                .zone("EU", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
                .minGroupSize(1)
                .functions("sum")
                .yaml());
    EnclaveIdentity identity = EnclaveIdentity.generate(new SecureRandom());
    Clock clock = Clock.systemUTC();
    ProducerCredentials throwsOnPoison =
        (producer, jti, credentials, presentation, zone, dataset, anchors, at) -> {
          if (credentials.get(0).equals("poison")) {
            throw new ArithmeticException("a library fell over");
          }
          return new ProducerAuthorization(
              producer, Set.of(zone), Set.of(dataset), List.of(anchors.get(0)));
        };
    PayloadPipeline pipeline =
        new PayloadPipeline(
            policy,
            identity.encryptionPrivateKey(),
            identity.encryptionKid(),
            new DidProducerKeys(DidResolvers.builder().withDidKey().build(), clock),
            throwsOnPoison,
            clock);
    EnclaveService service =
        new EnclaveService(
            policy, identity, null, pipeline, null, verifiers, new EvidenceStore(), null, clock);
    assertInstanceOf(
        Message.RoundOpened.class,
        service.handle(new Message.OpenRound(ROUND, "loyalty-points", policy.sha256Hex())));

    KeyPair k = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Did did = DidKey.fromKey(k.getPublic());
    List<String> batch =
        List.of(
            payload(identity, k, did, "good", 1),
            payload(identity, k, did, "poison", 2),
            payload(identity, k, did, "good", 3));
    Message.PayloadVerdicts v =
        assertInstanceOf(
            Message.PayloadVerdicts.class,
            service.handle(new Message.SubmitPayloads(ROUND, batch)));
    assertEquals("accepted", v.verdicts().get(0).outcome());
    assertEquals("rejected", v.verdicts().get(1).outcome());
    assertEquals("payload-unprocessable", v.verdicts().get(1).reason());
    assertEquals("accepted", v.verdicts().get(2).outcome());
  }

  private static String payload(
      EnclaveIdentity enclave, KeyPair k, Did did, String credential, int n) throws Exception {
    ObjectNode header =
        JSON.createObjectNode()
            .put("alg", "EdDSA")
            .put("typ", "sovereign-payload+jwt")
            .put("kid", did + "#" + did.methodSpecificId());
    ObjectNode claims =
        JSON.createObjectNode()
            .put("iss", did.toString())
            .put("jti", "jti-" + n)
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
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(k.getPrivate());
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    String jws = input + "." + b64.encodeToString(s.sign());
    JWEHeader h =
        new JWEHeader.Builder(JWEAlgorithm.ECDH_ES_A256KW, EncryptionMethod.A256GCM)
            .keyID(enclave.encryptionKid())
            .contentType("JWT")
            .customParam("zone", "EU")
            .build();
    JWEObject o = new JWEObject(h, new Payload(jws));
    o.encrypt(new ECDHEncrypter(enclave.encryptionPublicKey()));
    return o.serialize();
  }
}
