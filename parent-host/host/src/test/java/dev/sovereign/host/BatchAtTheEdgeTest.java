package dev.sovereign.host;

import static dev.sovereign.host.EdgeOfTheApiTest.jweWithZone;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/rounds/{round}/payloads/batch} at the edge, with no enclave behind the host (the
 * host stores and acknowledges, then forwards later): a stranger's bad input is a typed refusal,
 * one bad item never harms the others, and a refusal of the whole request stores nothing.
 */
@QuarkusTest
@TestProfile(BatchAtTheEdgeTest.SmallBatches.class)
class BatchAtTheEdgeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A host without an enclave, with small limits so that the tests can reach them. */
  public static class SmallBatches implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "sovereign.host.enclave.launch", "false",
          "sovereign.host.enclave.address", "unix:/tmp/sovereign-no-enclave-here.sock",
          "sovereign.host.data-dir", "target/test-host-batch-edge",
          "sovereign.host.max-batch-payloads", "8",
          "sovereign.host.max-batch-bytes", "65536",
          "sovereign.host.max-payload-bytes", "4096");
    }
  }

  @jakarta.inject.Inject HostService host;

  /** An open round of its own (the data directory outlives a test run). */
  private String round() throws Exception {
    String round = "r-batch-" + System.nanoTime();
    host.inbox().openRound(round, "loyalty-points", "00", Instant.now());
    return round;
  }

  /** A distinct payload the envelope check takes (the enclave would refuse it; none is here). */
  private static String good(String tag) {
    return jweWithZone("EU") + "B" + tag + System.nanoTime();
  }

  private static String body(List<?> items) throws Exception {
    return JSON.writeValueAsString(Map.of("payloads", items));
  }

  private static ValidatableResponse post(String round, String body) {
    return given()
        .contentType("application/json")
        .body(EdgeOfTheApiTest.bytes(body))
        .post("/v1/rounds/" + round + "/payloads/batch")
        .then();
  }

  private int stored(String round) throws Exception {
    return host.inbox().allOf(round).size();
  }

  @Test
  void aStrangersJunkBodyIsRefusedWholeWithoutDetailsOfTheParser() throws Exception {
    String round = round();
    for (String junk :
        List.of(
            "\u0000\u00ff\u0010garbage",
            "{\"payloads\": [\"abc\"",
            "[\"a\",\"b\"]",
            "{\"payloads\": \"x.y.z\"}",
            "{\"other\": []}",
            "{\"payloads\": [], \"payloads\": []}",
            "{\"payloads\": [\"a\"], \"more\": 1}",
            "{\"payloads\": [\"a\"]} trailing",
            "null")) {
      post(round, junk)
          .statusCode(400)
          .contentType("application/problem+json")
          .body("code", equalTo("malformed-batch"))
          .body("detail", not(containsString("Exception")))
          .body("detail", not(containsString("Unexpected")))
          .body("detail", not(containsString("line:")));
    }
    assertEquals(0, stored(round));
  }

  @Test
  void aBodyThatIsNotJsonIsRefusedAndAJoseBodyIsTheWrongMediaType() throws Exception {
    String round = round();
    post(round, "this is not JSON").statusCode(400).body("code", equalTo("malformed-batch"));
    given()
        .contentType("application/jose")
        .body(EdgeOfTheApiTest.bytes(good("jose")))
        .post("/v1/rounds/" + round + "/payloads/batch")
        .then()
        .statusCode(415)
        .contentType("application/problem+json")
        .body("code", equalTo("unsupported-media-type"));
    given()
        .contentType("application/json")
        .post("/v1/rounds/" + round + "/payloads/batch")
        .then()
        .statusCode(400)
        .body("code", equalTo("malformed-batch"));
    assertEquals(0, stored(round));
  }

  @Test
  void anEmptyListIsRefused() throws Exception {
    String round = round();
    post(round, "{\"payloads\": []}")
        .statusCode(400)
        .body("code", equalTo("malformed-batch"))
        .body("detail", containsString("no payloads"));
  }

  @Test
  void tooManyItemsAreRefusedWholeAndNothingIsStored() throws Exception {
    String round = round();
    List<String> nine = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      nine.add(good("n" + i));
    }
    post(round, body(nine))
        .statusCode(413)
        .contentType("application/problem+json")
        .body("code", equalTo("too-many-payloads"));
    assertEquals(0, stored(round));
    post(round, body(nine.subList(0, 8))).statusCode(200).body("stored", equalTo(8));
    assertEquals(8, stored(round));
  }

  @Test
  void aBatchOverTheByteLimitIsRefusedWhole() throws Exception {
    String round = round();
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      items.add(good("big" + i) + "A".repeat(9000)); // 8 x 9 KB > 64 KiB
    }
    post(round, body(items))
        .statusCode(413)
        .contentType("application/problem+json")
        .body("code", equalTo("batch-too-large"));
    assertEquals(0, stored(round));
  }

  @Test
  void anOversizedItemAmongGoodOnesIsRefusedAloneAndTheOthersAreStored() throws Exception {
    String round = round();
    String a = good("a");
    String b = good("b");
    String big = good("big") + "A".repeat(5000); // over max-payload-bytes (4096)
    post(round, body(List.of(a, big, b)))
        .statusCode(200)
        .contentType("application/json")
        .body("round", equalTo(round))
        .body("stored", equalTo(2))
        .body("alreadyStored", equalTo(0))
        .body("refused", equalTo(1))
        .body("results", hasSize(3))
        .body("results[0].payloadId", equalTo(Inbox.payloadId(a)))
        .body("results[0].status", equalTo("stored"))
        .body("results[1].status", equalTo("refused"))
        .body("results[1].code", equalTo("payload-too-large"))
        .body("results[1].payloadId", nullValue())
        .body("results[2].payloadId", equalTo(Inbox.payloadId(b)))
        .body("results[2].status", equalTo("stored"));
    assertEquals(
        List.of(Inbox.payloadId(a), Inbox.payloadId(b)),
        host.inbox().allOf(round).stream().map(Inbox.Entry::payloadId).toList());
  }

  @Test
  void malformedItemsAmongGoodOnesAreRefusedAloneWithTheirCodes() throws Exception {
    String round = round();
    String a = good("a");
    String b = good("b");
    List<Object> items = new ArrayList<>();
    items.add(a);
    items.add("not a JWE");
    items.add(42);
    items.add(Map.of("jwe", "x"));
    items.add(null);
    items.add(jweWithZone("MARS"));
    items.add("  ");
    items.add(b);
    String answer =
        post(round, body(items))
            .statusCode(200)
            .body("stored", equalTo(2))
            .body("refused", equalTo(6))
            .body("results[0].status", equalTo("stored"))
            .body("results[1].code", equalTo("malformed-payload"))
            .body("results[2].code", equalTo("malformed-payload"))
            .body("results[3].code", equalTo("malformed-payload"))
            .body("results[4].code", equalTo("malformed-payload"))
            .body("results[5].code", equalTo("zone-not-served"))
            .body("results[6].code", equalTo("malformed-payload"))
            .body("results[7].payloadId", equalTo(Inbox.payloadId(b)))
            .extract()
            .asString();
    assertFalse(answer.contains("Exception"), answer);
    assertFalse(answer.contains("Jackson"), answer);
    assertEquals(2, stored(round));
  }

  @Test
  void duplicatesWithinTheBatchAndItemsStoredBeforeAreAnsweredAlreadyStored() throws Exception {
    String round = round();
    String a = good("a");
    String b = good("b");
    post(round, body(List.of(a, a, b)))
        .statusCode(200)
        .body("stored", equalTo(2))
        .body("alreadyStored", equalTo(1))
        .body("results[0].status", equalTo("stored"))
        .body("results[1].status", equalTo("already-stored"))
        .body("results[1].payloadId", equalTo(Inbox.payloadId(a)))
        .body("results[2].status", equalTo("stored"));
    post(round, body(List.of(b, a)))
        .statusCode(200)
        .body("stored", equalTo(0))
        .body("alreadyStored", equalTo(2));
    // the single endpoint sees the same store
    given()
        .contentType("application/jose")
        .body(EdgeOfTheApiTest.bytes(a))
        .post("/v1/rounds/" + round + "/payloads")
        .then()
        .statusCode(202)
        .body("status", equalTo("already-stored"));
    assertEquals(2, stored(round));
  }

  @Test
  void aBatchToAClosedRoundStoresNothing() throws Exception {
    String round = round();
    host.inbox().closeRound(round, "a.result.credential");
    post(round, body(List.of(good("a"), good("b"))))
        .statusCode(409)
        .contentType("application/problem+json")
        .body("code", equalTo("round-closed"));
    post("nope", body(List.of(good("a")))).statusCode(404).body("code", equalTo("unknown-round"));
    post("-bad", body(List.of(good("a")))).statusCode(404);
  }

  @Test
  void aStoreFailingMidBatchAcknowledgesNothingAndStoresNothing() throws Exception {
    String round = round();
    List<String> items = List.of(good("a"), good("b"), good("c"), good("d"));
    host.inbox().failAfterRowsForTesting = 2; // two rows written, then the disk fails
    try {
      post(round, body(items))
          .statusCode(503)
          .contentType("application/problem+json")
          .body("code", equalTo("store-unavailable"))
          .body("detail", not(containsString("SQL")))
          .body("detail", not(containsString("injected")));
    } finally {
      host.inbox().failAfterRowsForTesting = -1;
    }
    assertEquals(0, stored(round), "the two rows written were rolled back with the rest");
    host.inbox().failWritesForTesting(true); // the disk refuses every write
    try {
      post(round, body(items)).statusCode(503).body("code", equalTo("store-unavailable"));
    } finally {
      host.inbox().failWritesForTesting(false);
    }
    assertEquals(0, stored(round));
    post(round, body(items)).statusCode(200).body("stored", equalTo(4));
    assertEquals(4, stored(round));
  }

  @Test
  void theOpenApiDocumentDescribesTheBatchEndpoint() {
    given()
        .get("/q/openapi?format=json")
        .then()
        .statusCode(200)
        .body(containsString("/v1/rounds/{round}/payloads/batch"))
        .body(containsString("too-many-payloads"));
  }
}
