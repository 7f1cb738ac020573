package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bad input at the edge, with no enclave behind the host: every answer is problem+json with a
 * stable code.
 */
@QuarkusTest
@TestProfile(EdgeOfTheApiTest.NoEnclave.class)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class EdgeOfTheApiTest {

  /** A host whose enclave is not running. */
  public static class NoEnclave implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "sovereign.host.enclave.launch", "false",
          "sovereign.host.enclave.address", "unix:/tmp/sovereign-no-enclave-here.sock",
          "sovereign.host.data-dir", "target/test-host-edge",
          "sovereign.host.rate-per-client", "5",
          "sovereign.host.burst-per-client", "20");
    }
  }

  @jakarta.inject.Inject HostService host;

  @Test
  void anUnwritableStoreAnswers503AndLosesNothingItAlreadyAcknowledged() throws Exception {
    // The enclave is away: the host still stores and acknowledges, then forwards later.
    String round = "r-store-" + System.nanoTime(); // the data directory outlives a test run
    host.inbox().openRound(round, "loyalty-points", "00", java.time.Instant.now());
    String first = jweWithZone("EU") + "B" + System.nanoTime();
    String second = jweWithZone("EU") + "C" + System.nanoTime();
    given()
        .contentType("application/jose")
        .body(bytes(first))
        .post("/v1/rounds/" + round + "/payloads")
        .then()
        .statusCode(202)
        .contentType("application/json")
        .body("status", equalTo("stored"))
        .body("round", equalTo(round))
        .body("payloadId", equalTo(Inbox.payloadId(first)));
    // per-request metrics are tagged with the route template, not the round (bounded label
    // cardinality)
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    org.junit.jupiter.api.Assertions.assertTrue(
        metrics.contains("uri=\"/v1/rounds/{round}/payloads\""), "route template");
    org.junit.jupiter.api.Assertions.assertFalse(
        metrics.contains(round), "a round id in a metric label");
    host.inbox().failWritesForTesting(true);
    try {
      given()
          .contentType("application/jose")
          .body(bytes(second))
          .post("/v1/rounds/" + round + "/payloads")
          .then()
          .statusCode(503)
          .contentType("application/problem+json")
          .body("code", equalTo("store-unavailable"))
          .body("detail", not(containsString("SQL")));
    } finally {
      host.inbox().failWritesForTesting(false);
    }
    org.junit.jupiter.api.Assertions.assertEquals(
        1,
        host.inbox().allOf(round).size(),
        "the acknowledged payload is still there; the refused one was never stored");
    given()
        .contentType("application/jose")
        .body(bytes(second))
        .post("/v1/rounds/" + round + "/payloads")
        .then()
        .statusCode(202)
        .body("status", equalTo("stored"));
  }

  @Test
  void adminEndpointsRefuseRequestsWithoutTheToken() {
    given()
        .contentType("application/json")
        .body("{\"round\":\"r1\",\"dataset\":\"d\"}")
        .post("/v1/rounds")
        .then()
        .statusCode(401)
        .contentType("application/problem+json")
        .body("code", equalTo("unauthorized"));
  }

  @Test
  void anUnreachableEnclaveIsAClear503() {
    given()
        .queryParam("nonce", "00ff")
        .get("/v1/attestation")
        .then()
        .statusCode(503)
        .contentType("application/problem+json")
        .body("code", equalTo("enclave-unavailable"))
        .body("detail", not(containsString("Exception")));
  }

  @Test
  void aNonceThatIsNotHexIsRejected() {
    given()
        .queryParam("nonce", "xyz")
        .get("/v1/attestation")
        .then()
        .statusCode(400)
        .body("code", equalTo("invalid-nonce"));
  }

  @Test
  void aPayloadForAnUnknownRoundIsA404() {
    given()
        .contentType("application/jose")
        .body(bytes(jweWithZone("EU")))
        .post("/v1/rounds/nope/payloads")
        .then()
        .statusCode(404)
        .body("code", equalTo("unknown-round"));
  }

  @Test
  void garbageInsteadOfAJweIsRejectedWithoutDetailsOfTheParser() {
    given()
        .contentType("application/jose")
        .body(bytes("this is not a JWE"))
        .post("/v1/rounds/r1/payloads")
        .then()
        .statusCode(400)
        .body("code", equalTo("malformed-payload"))
        .body("detail", not(containsString("Exception")));
  }

  @Test
  void aPayloadForAZoneThisHostDoesNotServeIsRefused() {
    given()
        .contentType("application/jose")
        .body(bytes(jweWithZone("MARS")))
        .post("/v1/rounds/r1/payloads")
        .then()
        .statusCode(421)
        .body("code", equalTo("zone-not-served"));
  }

  @Test
  void aWrongContentTypeIsA415() {
    given()
        .contentType("application/xml")
        .body("<x/>")
        .post("/v1/rounds/r1/payloads")
        .then()
        .statusCode(415)
        .contentType("application/problem+json")
        .body("code", equalTo("unsupported-media-type"));
  }

  @Test
  void anOversizedPayloadIsA413ProblemBeforeAnythingIsStored() {
    // Above the payload limit (256 KiB) and below the HTTP body limit (1 MiB, where the server
    // closes the connection instead of reading on).
    String big = jweWithZone("EU") + "A".repeat(300 * 1024);
    given()
        .contentType("application/jose")
        .body(bytes(big))
        .post("/v1/rounds/r1/payloads")
        .then()
        .statusCode(413)
        .contentType("application/problem+json")
        .body("code", equalTo("payload-too-large"));
  }

  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE) // last: it empties this client's token bucket
  void aFloodFromOneClientIsRateLimited() throws Exception {
    int before = auditLines().size();
    // All at once: sent one after another, a loaded machine can take longer per request than the
    // bucket needs to refill (5 per second), and then no request is ever refused.
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(30);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<Integer>> sent = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 60; i++) {
        sent.add(
            pool.submit(
                () -> {
                  go.await();
                  return given().queryParam("nonce", "zz").get("/v1/attestation").statusCode();
                }));
      }
      go.countDown();
    } finally {
      pool.shutdown();
    }
    int limited = 0;
    for (java.util.concurrent.Future<Integer> f : sent) {
      if (f.get() == 429) {
        limited++;
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(
        limited > 0, "60 requests at once from one client must hit the limit");
    List<com.fasterxml.jackson.databind.JsonNode> added =
        edgeRefusals(auditLines().subList(before, auditLines().size()));
    org.junit.jupiter.api.Assertions.assertEquals(
        1, added.size(), "one entry for the whole flood: " + added);
    org.junit.jupiter.api.Assertions.assertEquals(
        "rate-limited", added.get(0).at("/fields/code").asText());
    org.junit.jupiter.api.Assertions.assertEquals(
        limited, added.get(0).at("/fields/count").asInt());
  }

  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE - 1)
  void refusalsAtTheEdgeAreCountedInTheAuditLogByCodeWithoutTheClientAddress() throws Exception {
    auditLines(); // writes what earlier tests left counted
    int before = auditLines().size();
    for (int i = 0; i < 2; i++) {
      given()
          .contentType("application/jose")
          .body(bytes(jweWithZone("MARS")))
          .post("/v1/rounds/r1/payloads")
          .then()
          .statusCode(421);
    }
    given()
        .contentType("application/jose")
        .body(bytes("not a JWE"))
        .post("/v1/rounds/r1/payloads")
        .then()
        .statusCode(400);
    given()
        .contentType("application/xml")
        .body("<x/>")
        .post("/v1/rounds/r1/payloads")
        .then()
        .statusCode(415);
    given()
        .contentType("application/jose")
        .body(bytes(jweWithZone("EU") + "A".repeat(300 * 1024)))
        .post("/v1/rounds/r1/payloads")
        .then()
        .statusCode(413);
    given()
        .contentType("application/jose")
        .body(bytes(jweWithZone("EU")))
        .post("/v1/rounds/nope/payloads")
        .then()
        .statusCode(404); // not an edge refusal: nothing counted
    List<String> lines = auditLines();
    List<com.fasterxml.jackson.databind.JsonNode> added =
        edgeRefusals(lines.subList(before, lines.size()));
    Map<String, Integer> counts = new java.util.TreeMap<>();
    added.forEach(
        e ->
            counts.merge(
                e.at("/fields/code").asText(), e.at("/fields/count").asInt(), Integer::sum));
    org.junit.jupiter.api.Assertions.assertEquals(
        Map.of(
            "zone-not-served",
            2,
            "malformed-payload",
            1,
            "unsupported-media-type",
            1,
            "payload-too-large",
            1),
        counts);
    String text = String.join("\n", lines.subList(before, lines.size()));
    org.junit.jupiter.api.Assertions.assertFalse(
        text.contains("127.0.0.1") || text.contains("MARS"), text);
  }

  private List<String> auditLines() {
    try {
      host.exportAudit();
    } catch (Problem p) {
      // no enclave here, so no signed head and no export (503); the refusal counts are written
      // before the export asks for a head, so the host's own file holds them
      org.junit.jupiter.api.Assertions.assertEquals("audit-head-unavailable", p.code());
    }
    try {
      return java.nio.file.Files.readAllLines(
          java.nio.file.Path.of("target/test-host-edge/audit/audit.jsonl"),
          java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<com.fasterxml.jackson.databind.JsonNode> edgeRefusals(List<String> lines)
      throws Exception {
    List<com.fasterxml.jackson.databind.JsonNode> out = new java.util.ArrayList<>();
    for (String line : lines) {
      com.fasterxml.jackson.databind.JsonNode n =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
      if (n.get("kind").asText().equals("edge-refused")) {
        out.add(n);
      }
    }
    return out;
  }

  @Test
  void theOpenApiDocumentDescribesThePayloadEndpoint() {
    given()
        .get("/q/openapi?format=json")
        .then()
        .statusCode(200)
        .body(containsString("/v1/rounds/{round}/payloads"));
  }

  @Test
  void theResolverAnswersADidKeyAsAUniversalResolverDriverWould() {
    String did = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
    given()
        .get("/1.0/identifiers/" + did)
        .then()
        .statusCode(200)
        .body("didDocument.id", equalTo(did))
        .body("didResolutionMetadata.contentType", org.hamcrest.Matchers.notNullValue());
  }

  @Test
  void theResolverReportsAMalformedDidAsInvalidDid() {
    given()
        .get("/1.0/identifiers/did:key:zNotAKey")
        .then()
        .statusCode(400)
        .body("didResolutionMetadata.error", equalTo("invalidDid"));
  }

  @Test
  void theResolverReportsAnUnknownMethodAsNotSupported() {
    given()
        .get("/1.0/identifiers/did:example:123")
        .then()
        .statusCode(501)
        .body("didResolutionMetadata.error", equalTo("methodNotSupported"));
  }

  static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  static String jweWithZone(String zone) {
    String header =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                ("{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"kid\":\"k\",\"cty\":\"JWT\",\"zone\":\""
                        + zone
                        + "\"}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return header + ".AAAA.AAAA.AAAA.AAAA";
  }
}
