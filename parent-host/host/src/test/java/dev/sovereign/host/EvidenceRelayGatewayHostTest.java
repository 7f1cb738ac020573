package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.gateway.TestPki;
import dev.sovereign.enclave.policy.DevPolicy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.hyperledger.fabric.client.identity.Identities;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The host with {@code sovereign.host.did.fabric.*} settings and a development enclave process
 * whose policy pins the Gateway peer's org CA and sets {@code askHost}: a did:fabric producer whose
 * DID was written through the Gateway is accepted with no evidence posted for it; the enclave
 * deferred the payload, the relay got the log and an endorsed read for the enclave's nonce through
 * the Fabric Gateway client (over TLS, from the in-process Gateway service running the real
 * chaincode; no Fabric peer) and the enclave verified them. With another CA pinned for the peer's
 * MSP id, the payload ends {@code did-evidence-invalid} ({@link
 * EvidenceRelayGatewayUnpinnedOrgTest}).
 */
@QuarkusTest
@TestProfile(EvidenceRelayGatewayHostTest.WithGateway.class)
class EvidenceRelayGatewayHostTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path DIR = Path.of("target/host-relay-gateway").toAbsolutePath();
  private static final String ROUND = "r-relay-gateway";
  private static final String DATASET = "loyalty-points";
  private static final String ADMIN = "Bearer test-admin-token";
  static TlsFabricGateway fabric;
  private static JsonNode keys;
  static String did;

  /**
   * The Gateway over TLS with the producer's DID on it; the dev enclave's policy pins its org CA.
   */
  public static class WithGateway implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return config(DIR, true);
    }
  }

  /** The same, but the policy pins another CA under the Gateway peer's MSP id. */
  public static class WithUnpinnedOrg implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return config(Path.of("target/host-relay-gateway-unpinned").toAbsolutePath(), false);
    }
  }

  private static Map<String, String> config(Path dir, boolean pinTheGatewaysOrg) {
    try {
      Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
      fabric = new TlsFabricGateway(dir.resolve("fabric"), new TestPki("Org1MSP"));
      ObjectNode k =
          (ObjectNode)
              HostEndToEndTest.node(
                  "keys",
                  JSON.createObjectNode()
                      .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU")))
                      .<ObjectNode>set("producers", JSON.valueToTree(List.of()))
                      .set("strangers", JSON.valueToTree(List.of())));
      byte[] seed = new byte[32];
      new SecureRandom().nextBytes(seed);
      did = fabric.register(SoftwareControllerKey.fromSecret(Multikey.Type.ED25519, seed));
      byte[] x = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      ((ObjectNode) k.get("producers"))
          .set(
              "onFabric",
              JSON.createObjectNode()
                  .put("did", did)
                  .put("kid", did + "#key-1")
                  .put("alg", "EdDSA")
                  .set(
                      "jwk",
                      JSON.createObjectNode()
                          .put("kty", "OKP")
                          .put("crv", "Ed25519")
                          .put("x", b64.encodeToString(x))
                          .put("d", b64.encodeToString(seed))));
      keys = k;
      String pinned =
          Identities.toPemString(
              pinTheGatewaysOrg ? fabric.org.ca : new TestPki(fabric.org.mspId).ca);
      Path policy =
          DevEnclaveDir.writePolicy(
              dir,
              jar,
              DevPolicy.builder("host-relay-gateway")
                  .zone("EU", k.at("/zones/EU/root/did").asText())
                  .minGroupSize(1)
                  .functions("sum", "count")
                  .fabricNetwork("sovereign", fabric.org.mspId, pinned)
                  .askHost(true));
      Map<String, String> config = fabric.hostConfig();
      config.put("sovereign.host.data-dir", dir.resolve("host").toString());
      config.put("sovereign.host.did.data.dir", dir.resolve("did").toString());
      config.put("sovereign.host.enclave.launch", "true");
      config.put("sovereign.host.enclave.jar", jar.toString());
      config.put("sovereign.host.enclave.policy", policy.toString());
      config.put("sovereign.host.seal.every-payloads", "1000");
      config.put("sovereign.host.seal.interval", "PT1H");
      return config;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Inject HostService host;

  @AfterAll
  static void stop() {
    if (fabric != null) {
      fabric.close();
    }
  }

  @Test
  void aProducerWhoseDidIsOnTheFabricNetworkIsAcceptedOnEvidenceTheHostGotThroughTheGateway()
      throws Exception {
    int endorsements = fabric.service.endorseRequests.size();

    submitAndDrain(host);

    given().get("/v1/rounds/" + ROUND).then().statusCode(200).body("counts.accepted", equalTo(1));
    assertEquals(
        endorsements + 1,
        fabric.service.endorseRequests.size(),
        "one endorsed read through the gateway");
    assertTrue(
        Files.notExists(DIR.resolve("did").resolve("did-fabric")), "no embedded ledger was used");
    String audit = Files.readString(DIR.resolve("host/audit/audit.jsonl"));
    assertTrue(audit.contains("\"didLogsSupplied\":1"), audit);
    assertFalse(audit.contains(did), "the audit log names no DID");
  }

  /**
   * Opens the round, posts the status list, submits the producer's one payload and waits for its
   * verdict.
   */
  static void submitAndDrain(HostService host) throws Exception {
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
    spec.put("statusBase", "https://authority.example/status");
    spec.set("datasets", JSON.valueToTree(List.of(DATASET)));
    spec.putArray("producers")
        .addObject()
        .put("name", "onFabric")
        .put("zone", "EU")
        .put("region", "EU")
        .set("datasets", JSON.valueToTree(List.of(DATASET)));
    ObjectNode pl =
        spec.putArray("payloads")
            .addObject()
            .put("producer", "onFabric")
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
    JsonNode built = HostEndToEndTest.node("build", spec);
    // The status list is posted by an operator: what the relay fetches here is the DID's evidence
    // only.
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("statusLists", JSON.convertValue(built.get("statusLists"), Map.class)))
        .post("/v1/evidence")
        .then()
        .statusCode(200);
    given()
        .contentType("application/jose")
        .body(built.get("payloads").get(0).asText().getBytes(StandardCharsets.US_ASCII))
        .post("/v1/rounds/" + ROUND + "/payloads")
        .then()
        .statusCode(202);
    for (int i = 0; i < 600 && host.inbox().pendingCount() > 0; i++) {
      Thread.sleep(100);
    }
    assertEquals(0, host.inbox().pendingCount(), "the inbox drained within 60 s");
  }
}
