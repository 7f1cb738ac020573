package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.ledger.EmbeddedLedger;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The host relays what the enclave asks for: a did:fabric producer registered on the host's
 * embedded ledger is accepted with no evidence posted by an operator (the enclave defers the
 * payload naming the DID and the status list; the host exports the DID's evidence for a fresh
 * enclave nonce, GETs the status list from its issuer's URL, supplies both and resends). A producer
 * whose DID the host's ledger does not hold gets a final {@code did-evidence-missing}. The audit
 * log records counts only.
 */
@QuarkusTest
@TestProfile(EvidenceRelayTest.WithLedger.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvidenceRelayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path DIR = Path.of("target/host-evidence-relay").toAbsolutePath();
  private static final String ROUND = "r-relay-1";
  private static final String DATASET = "loyalty-points";
  private static final String NETWORK = "sovereign";
  private static final String ADMIN = "Bearer test-admin-token";

  /** Status list credentials the issuer serves over HTTP (filled once the payloads are built). */
  private static final Map<String, String> SERVED = new ConcurrentHashMap<>();

  private static final AtomicInteger GETS = new AtomicInteger();
  private static HttpServer issuer;
  private static final Map<String, String> dids = new ConcurrentHashMap<>();
  private static JsonNode keys;

  /**
   * Ledger with the producers' DIDs, an issuer's HTTP server, a policy pinning the ledger's CA and
   * askHost.
   */
  public static class WithLedger implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        Path jar = DevEnclaveDir.freshWithEnclaveJar(DIR);
        issuer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        issuer.createContext(
            "/",
            exchange -> {
              GETS.incrementAndGet();
              String url =
                  "http://127.0.0.1:" + issuer.getAddress().getPort() + exchange.getRequestURI();
              String jwt = SERVED.get(url);
              byte[] body = (jwt == null ? "" : jwt).getBytes(StandardCharsets.US_ASCII);
              exchange.sendResponseHeaders(jwt == null ? 404 : 200, jwt == null ? -1 : body.length);
              try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
              }
            });
        issuer.start();
        Path didDir = DIR.resolve("did");
        ObjectNode k =
            (ObjectNode)
                EvidenceRelayTest.node(
                    "keys",
                    JSON.createObjectNode()
                        .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU")))
                        .<ObjectNode>set("producers", JSON.valueToTree(List.of()))
                        .set("strangers", JSON.valueToTree(List.of())));
        String mspId;
        String caPem;
        EvidenceRelay.EmbeddedLedgers.registerSqliteDriver();
        try (EmbeddedLedger ledger =
                EmbeddedLedger.open(didDir.resolve("did-fabric").resolve(NETWORK), NETWORK);
            EmbeddedLedger elsewhere = EmbeddedLedger.open(DIR.resolve("elsewhere"), NETWORK)) {
          ObjectNode producers = (ObjectNode) k.get("producers");
          producers.set("onLedger", fabricProducer("onLedger", ledger));
          producers.set("unknown", fabricProducer("unknown", elsewhere));
          mspId = ledger.mspId();
          caPem = pem(ledger.orgCaCertificate());
        }
        keys = k;
        Path policy = DIR.resolve("policy.yaml");
        Files.writeString(
            policy,
            policyYaml(
                HexFormat.of().formatHex(SimulatedMeasurements.pcr0(jar)),
                k.at("/zones/EU/root/did").asText(),
                mspId,
                caPem));
        return Map.ofEntries(
            Map.entry("sovereign.host.data-dir", DIR.resolve("host").toString()),
            Map.entry("sovereign.host.did.data.dir", didDir.toString()),
            Map.entry("sovereign.host.enclave.launch", "true"),
            Map.entry("sovereign.host.enclave.jar", jar.toString()),
            Map.entry("sovereign.host.enclave.policy", policy.toString()),
            Map.entry("sovereign.host.enclave.batch", "4"),
            Map.entry("sovereign.evidence.fetch-private-addresses", "true"),
            Map.entry("sovereign.host.seal.every-payloads", "1000"),
            Map.entry("sovereign.host.seal.interval", "PT1H"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Inject HostService host;

  static JsonNode node(String cmd, JsonNode input) {
    return HostEndToEndTest.node(cmd, input);
  }

  /**
   * A did:fabric DID on {@code on} whose genesis key is also the producer's payload key (#key-1).
   */
  private static ObjectNode fabricProducer(String name, EmbeddedLedger on) throws Exception {
    byte[] seed = new byte[32];
    new SecureRandom().nextBytes(seed);
    SoftwareControllerKey key = SoftwareControllerKey.fromSecret(Multikey.Type.ED25519, seed);
    String did = on.submit(FabricDocuments.create(NETWORK, key)).did();
    dids.put(name, did);
    byte[] x = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    ObjectNode jwk =
        JSON.createObjectNode()
            .put("kty", "OKP")
            .put("crv", "Ed25519")
            .put("x", b64.encodeToString(x))
            .put("d", b64.encodeToString(seed));
    return JSON.createObjectNode()
        .put("did", did)
        .put("kid", did + "#key-1")
        .put("alg", "EdDSA")
        .set("jwk", jwk);
  }

  static String policyYaml(String pcr0, String euRoot, String mspId, String caPem) {
    return dev.sovereign.enclave.policy.DevPolicy.builder("host-evidence-relay")
        .pcr0(pcr0)
        .zone(
            new dev.sovereign.enclave.policy.DevPolicy.Zone(
                "EU",
                List.of("DE", "FR"),
                List.of(dev.sovereign.enclave.policy.DevPolicy.REGION),
                euRoot))
        .minGroupSize(1)
        .functions("sum", "count")
        .fabricNetwork(NETWORK, mspId, caPem)
        .askHost(true)
        .yaml();
  }

  static String pem(X509Certificate c) throws Exception {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(c.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  private static JsonNode built;

  @Test
  @Order(1)
  void aFabricProducerOnTheHostsLedgerIsAcceptedWithoutEvidencePostedByAnOperator()
      throws Exception {
    JsonNode att =
        JSON.readTree(
            given()
                .queryParam("nonce", "0011")
                .get("/v1/attestation")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("round", ROUND, "dataset", DATASET))
        .post("/v1/rounds")
        .then()
        .statusCode(201);
    ObjectNode spec = JSON.createObjectNode();
    spec.set("keys", keys);
    spec.set(
        "enclave",
        JSON.createObjectNode()
            .<ObjectNode>set("jwk", att.get("encryptionKey"))
            .put("kid", att.get("kid").asText())
            .put("did", att.get("enclaveDid").asText()));
    spec.put("now", Instant.now().getEpochSecond());
    spec.put("statusBase", "http://127.0.0.1:" + issuer.getAddress().getPort() + "/status");
    spec.set("datasets", JSON.valueToTree(List.of(DATASET)));
    ArrayNode ps = spec.putArray("producers");
    ArrayNode payloads = spec.putArray("payloads");
    for (String p : List.of("onLedger", "unknown")) {
      ps.addObject()
          .put("name", p)
          .put("zone", "EU")
          .put("region", "EU")
          .set("datasets", JSON.valueToTree(List.of(DATASET)));
    }
    for (String p : List.of("onLedger", "unknown", "onLedger")) {
      ObjectNode pl =
          payloads
              .addObject()
              .put("producer", p)
              .put("zone", "EU")
              .put("region", "EU")
              .put("dataset", DATASET)
              .put("round", ROUND);
      pl.putArray("records")
          .addObject()
          .put("metric", "points")
          .put("value", 10)
          .putObject("group")
          .put("country", "DE");
    }
    built = node("build", spec);
    built
        .get("statusLists")
        .properties()
        .forEach(e -> SERVED.put(e.getKey(), e.getValue().asText()));
    assertTrue(host.inbox().statusLists().isEmpty(), "no operator posted evidence");

    submit(0);
    waitUntilDrained();
    given().get("/v1/rounds/" + ROUND).then().statusCode(200).body("counts.accepted", equalTo(1));
    assertTrue(GETS.get() >= 1, "the host fetched the status list from its issuer");
    assertEquals(
        SERVED.keySet(),
        host.inbox().statusLists().keySet(),
        "relayed status lists are kept for a restarted enclave");
  }

  @Test
  @Order(2)
  void aProducerTheHostsLedgerDoesNotHoldGetsAFinalDidEvidenceMissing() throws Exception {
    submit(1);
    waitUntilDrained();
    given()
        .get("/v1/rounds/" + ROUND)
        .then()
        .statusCode(200)
        .body("counts.accepted", equalTo(1))
        .body("counts.did-evidence-missing", equalTo(1));
  }

  @Test
  @Order(3)
  void theAuditLogCountsTheRelaysAndNamesNoDid() throws Exception {
    List<String> lines = Files.readAllLines(DIR.resolve("host/audit/audit.jsonl"));
    List<JsonNode> relayed =
        lines.stream()
            .map(EvidenceRelayTest::json)
            .filter(e -> e.toString().contains("evidence-relayed"))
            .toList();
    assertEquals(2, relayed.size(), relayed.toString());
    String all = String.join("\n", lines);
    for (String did : dids.values()) {
      assertFalse(all.contains(did), "a DID was written to the audit log");
    }
    assertTrue(
        relayed.get(1).toString().contains("ledger-"),
        "the second relay records why the ledger had nothing: " + relayed.get(1));
  }

  @Test
  @Order(4)
  void aRestartedEnclaveGetsTheEvidenceAgainWhenTheHostResendsTheRound() throws Exception {
    host.sealNow();
    submit(2); // answered after the seal, so resent to the successor, which holds no did:fabric
    // evidence
    waitUntilDrained();
    ProcessHandle enclave = ProcessHandle.of(host.launcher().orElseThrow().pid()).orElseThrow();
    assertTrue(enclave.destroyForcibly(), "SIGKILL sent");
    enclave.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    host.health(); // starts a successor, restores the seal and resends the uncovered payload

    String credential =
        given()
            .header("Authorization", ADMIN)
            .post("/v1/rounds/" + ROUND + "/close")
            .then()
            .statusCode(200)
            .extract()
            .path("result");
    JsonNode inputs =
        JSON.readTree(Base64.getUrlDecoder().decode(credential.split("\\.")[1]))
            .at("/credentialSubject/inputs");
    assertEquals(
        2, inputs.get("accepted").asInt(), "the resent did:fabric payload counts: " + inputs);
    // did-evidence-missing comes before any signature verified: the result counts it as
    // unauthenticated, never under a reason code
    assertEquals(1, inputs.get("unauthenticated").asInt(), inputs.toString());
    assertEquals(0, inputs.get("rejectedByReason").size(), inputs.toString());
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void submit(int i) {
    byte[] jwe = built.get("payloads").get(i).asText().getBytes(StandardCharsets.US_ASCII);
    given()
        .contentType("application/jose")
        .body(jwe)
        .post("/v1/rounds/" + ROUND + "/payloads")
        .then()
        .statusCode(202);
  }

  private void waitUntilDrained() throws Exception {
    for (int i = 0; i < 600; i++) {
      if (host.inbox().pendingCount() == 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the inbox did not drain within 60 s");
  }
}
