package dev.sovereign.host;

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
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.gateway.InProcessFabricGateway;
import dev.sovereign.did.fabric.gateway.TestPki;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.DidProducerKeys;
import dev.sovereign.enclave.pipeline.EvidenceFabricResolver;
import dev.sovereign.enclave.pipeline.FabricEvidence;
import dev.sovereign.enclave.pipeline.FabricProducerKeys;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.pipeline.ProducerAuthorization;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.server.EnclaveService;
import dev.sovereign.enclave.server.EvidenceStore;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.hyperledger.fabric.client.identity.Identities;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * did:fabric evidence from a Fabric network: the relay's ledger comes from the host's DID settings
 * ({@code fabric.gateway} and the rest, as {@code sovereign.host.did.*}), so it reaches the Gateway
 * over TLS (gRPC Netty on 127.0.0.1) through the Fabric Gateway client, exports the DID's log and
 * an endorsed read for the enclave's nonce, and an enclave service (in process, the real payload
 * pipeline and did:fabric verifier; a stand-in credential stage) verifies it against the org CA its
 * policy pins. No Fabric peer runs: the Gateway service is the in-process one of
 * did-fabric-gateway, running the real chaincode and signing endorsements with its peer key.
 */
class EvidenceRelayFabricGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NETWORK = "sovereign";
  static final String ROUND = "r-gateway";

  @TempDir Path dir;
  private final TestPki org1 = new TestPki("Org1MSP");
  private final ExecutorService verifiers = Executors.newFixedThreadPool(2);
  private final List<Map<String, ?>> audit = new ArrayList<>();
  private TlsFabricGateway tls;
  private InProcessFabricGateway gateway;
  private Map<String, String> settings;
  private EnclaveIdentity identity;
  private EnclaveService enclave;
  private EvidenceRelay.EmbeddedLedgers ledgers;

  EvidenceRelayFabricGatewayTest() throws Exception {}

  @BeforeEach
  void startGateway() throws Exception {
    tls = new TlsFabricGateway(dir.resolve("fabric"), org1);
    gateway = tls.service;
    settings = new java.util.HashMap<>(tls.settings);
    settings.put("data.dir", dir.resolve("did").toString());
    ledgers = new EvidenceRelay.EmbeddedLedgers(settings);
  }

  @AfterEach
  void stop() {
    ledgers.close();
    verifiers.shutdownNow();
    tls.close();
  }

  @Test
  void aFabricProducerIsAcceptedOnEvidenceTheRelayGotThroughTheGateway() throws Exception {
    startEnclave(org1.ca);
    Producer p = register();
    int endorsementsBefore = gateway.endorseRequests.size();

    Message.Verdict v = relay().submit(ROUND, List.of(p.payload())).verdicts().get(0);

    assertEquals("accepted", v.outcome(), String.valueOf(v.reason()));
    assertEquals(
        endorsementsBefore + 1,
        gateway.endorseRequests.size(),
        "one endorsed read, for the enclave's nonce");
    assertEquals(
        1,
        gateway.submitRequests.size(),
        "the endorsed read was never submitted (only the registration was)");
    assertEquals(1, audit.get(0).get("didLogsSupplied"));
    assertEquals(Map.of(), audit.get(0).get("failures"));
    assertTrue(
        Files.notExists(dir.resolve("did").resolve("did-fabric")), "no embedded ledger was opened");
  }

  @Test
  void anEndorsementByAPeerWhoseOrgCaIsNotPinnedEndsAsDidEvidenceInvalid() throws Exception {
    TestPki impostor =
        new TestPki(org1.mspId); // same MSP id, another CA: the gateway's peer does not chain to it
    startEnclave(impostor.ca);
    Producer p = register();

    Message.Verdict v = relay().submit(ROUND, List.of(p.payload())).verdicts().get(0);

    assertEquals(new Message.Verdict("rejected", "did-evidence-invalid", null), v);
    assertEquals(Map.of("evidence-rejected", 1), audit.get(0).get("failures"));
    assertEquals(0, audit.get(0).get("didLogsSupplied"));
    assertEquals(0, audit.get(0).get("stillDeferred"));
  }

  @Test
  void theGatewayServesOnlyItsChannelsNetworkAndAnUnreachableGatewayIsLedgerUnavailable()
      throws Exception {
    startEnclave(org1.ca);
    assertTrue(ledgers.apply("othernet").isEmpty());
    Producer p = register();
    tls.server.shutdownNow().awaitTermination();

    Message.Verdict v = relay().submit(ROUND, List.of(p.payload())).verdicts().get(0);

    assertEquals(new Message.Verdict("rejected", "did-evidence-missing", null), v);
    assertEquals(Map.of("ledger-unavailable", 1), audit.get(0).get("failures"));
  }

  @Test
  void theResolverEndpointResolvesDidFabricThroughTheGatewayFromTheSameSettings() throws Exception {
    Producer p = register();
    int evaluations = gateway.evaluateRequests.size();
    HostConfig config =
        (HostConfig)
            Proxy.newProxyInstance(
                HostConfig.class.getClassLoader(),
                new Class<?>[] {HostConfig.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("did")) {
                    return settings;
                  }
                  throw new UnsupportedOperationException(method.getName());
                });

    Response r = new ResolverResource(config).resolve(p.did, null, null);

    assertEquals(200, r.getStatus(), String.valueOf(r.getEntity()));
    JsonNode body = JSON.readTree((String) r.getEntity());
    assertEquals(p.did, body.at("/didDocument/id").asText());
    assertTrue(gateway.evaluateRequests.size() > evaluations, "the log came from the gateway");
    assertFalse(
        DidResolvers.standard(Map.of("data.dir", dir.resolve("did").toString()))
            .resolve(p.did)
            .error()
            .isEmpty(),
        "the embedded ledger does not hold the DID: the endpoint did not resolve from it");
  }

  /**
   * An enclave service whose policy pins {@code ca} for the gateway's MSP id on the network, with
   * askHost.
   */
  private void startEnclave(X509Certificate ca) throws Exception {
    identity = EnclaveIdentity.generate(new SecureRandom());
    enclave =
        enclaveService(policyYaml(org1.mspId, Identities.toPemString(ca)), identity, verifiers);
  }

  /**
   * An enclave service (the real payload pipeline and did:fabric verifier, a stand-in credential
   * stage) for {@code policyYaml}, with round {@value #ROUND} open.
   */
  static EnclaveService enclaveService(
      String policyYaml, EnclaveIdentity identity, ExecutorService verifiers) throws Exception {
    SovereigntyPolicy policy = PolicyLoader.parse(policyYaml);
    Clock clock = Clock.systemUTC();
    FabricEvidence fabric = new FabricEvidence(policy, clock, new SecureRandom());
    var resolver =
        DidResolvers.builder().withDidKey().method(new EvidenceFabricResolver(fabric)).build();
    PayloadPipeline pipeline =
        new PayloadPipeline(
            policy,
            identity.encryptionPrivateKey(),
            identity.encryptionKid(),
            new FabricProducerKeys(fabric, new DidProducerKeys(resolver, clock)),
            (producer, jti, credentials, presentation, zone, dataset, anchors, at) ->
                new ProducerAuthorization(
                    producer, Set.of(zone), Set.of(dataset), List.of(anchors.get(0))),
            clock);
    EnclaveService enclave =
        new EnclaveService(
            policy, identity, null, pipeline, null, verifiers, new EvidenceStore(), fabric, clock);
    assertInstanceOf(
        Message.RoundOpened.class,
        enclave.handle(new Message.OpenRound(ROUND, "loyalty-points", policy.sha256Hex())));
    return enclave;
  }

  private EvidenceRelay relay() {
    return relay(enclave, ledgers, audit);
  }

  /**
   * The relay as the host builds it, over the enclave service with the host's error mapping (code
   * kept).
   */
  static EvidenceRelay relay(
      EnclaveService enclave, EvidenceRelay.EmbeddedLedgers ledgers, List<Map<String, ?>> audit) {
    EvidenceRelay.Enclave e =
        new EvidenceRelay.Enclave() {
          @Override
          public <R extends Message.Response> R call(Message.Request request, Class<R> type) {
            Message.Response r = enclave.handle(request);
            if (r instanceof Message.Error err) {
              throw new Problem(422, err.code(), "the enclave refused");
            }
            return type.cast(r);
          }
        };
    EvidenceRelay.StatusListStore none =
        new EvidenceRelay.StatusListStore() {
          @Override
          public Map<String, String> all() {
            return Map.of();
          }

          @Override
          public void put(String url, String credential) {
            throw new AssertionError("no status list is relayed here");
          }
        };
    return new EvidenceRelay(
        e,
        none,
        ledgers,
        (kind, fields) -> audit.add(fields),
        new EvidenceRelay.Settings(true, false, false, Duration.ofSeconds(2)));
  }

  /**
   * A did:fabric DID written through the gateway (the host's settings), its genesis key signing
   * payloads.
   */
  private Producer register() throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    return new Producer(tls.register(key), key);
  }

  private final class Producer {
    final String did;
    final SoftwareControllerKey key;

    Producer(String did, SoftwareControllerKey key) {
      this.did = did;
      this.key = key;
    }

    String payload() throws Exception {
      return EvidenceRelayFabricGatewayTest.payload(did, key, identity);
    }
  }

  /**
   * A payload of {@code did} signed with {@code key}, encrypted to the enclave {@code identity}.
   */
  static String payload(String did, SoftwareControllerKey key, EnclaveIdentity identity)
      throws Exception {
    ObjectNode header =
        JSON.createObjectNode()
            .put("alg", "EdDSA")
            .put("typ", "sovereign-payload+jwt")
            .put("kid", did + "#key-1");
    ObjectNode claims =
        JSON.createObjectNode()
            .put("iss", did)
            .put("jti", did + "-1")
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
    JWEObject o =
        new JWEObject(
            new JWEHeader.Builder(JWEAlgorithm.ECDH_ES_A256KW, EncryptionMethod.A256GCM)
                .keyID(identity.encryptionKid())
                .contentType("JWT")
                .customParam("zone", "EU")
                .build(),
            new Payload(jws));
    o.encrypt(new ECDHEncrypter(identity.encryptionPublicKey()));
    return o.serialize();
  }

  private static String policyYaml(String mspId, String caPem) {
    return policyYaml(Map.of(mspId, caPem), 1);
  }

  /** The test policy pinning {@code cas} (MSP id to CA PEM) on network sovereign. */
  static String policyYaml(Map<String, String> cas, int minEndorsingOrgs) {
    StringBuilder orgs = new StringBuilder();
    new java.util.TreeMap<>(cas)
        .forEach(
            (msp, pem) ->
                orgs.append("        ")
                    .append(msp)
                    .append(":\n          - |\n")
                    .append(pem.indent(12)));
    return """
        version: 1
        policyId: host-relay-gateway
        enclave:
          region: eu-central-1
          acceptedMeasurements:
            - pcr0: "%s"
          fabricNetworks:
            sovereign:
              minEndorsingOrgs: %d
              organisations:
        %s
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
        .formatted("00".repeat(48), minEndorsingOrgs, orgs.toString().stripTrailing());
  }
}
