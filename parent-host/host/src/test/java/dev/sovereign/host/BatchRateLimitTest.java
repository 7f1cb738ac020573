package dev.sovereign.host;

import static dev.sovereign.host.EdgeOfTheApiTest.jweWithZone;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-client rate limit counts payloads, not requests: a batch takes one token per payload, and
 * a batch over what the client's bucket holds is refused whole (nothing stored, no token taken
 * beyond the request's own).
 */
@QuarkusTest
@TestProfile(BatchRateLimitTest.TenTokens.class)
class BatchRateLimitTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A bucket of ten payloads, refilled at one a second. */
  public static class TenTokens implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "sovereign.host.enclave.launch", "false",
          "sovereign.host.enclave.address", "unix:/tmp/sovereign-no-enclave-here.sock",
          "sovereign.host.data-dir", "target/test-host-batch-rate",
          "sovereign.host.rate-per-client", "1",
          "sovereign.host.burst-per-client", "10");
    }
  }

  @jakarta.inject.Inject HostService host;

  @Test
  void aBatchOfMorePayloadsThanTheClientMaySendIsRefusedWholeAndASmallerOneThenPasses()
      throws Exception {
    String round = "r-rate-" + System.nanoTime();
    host.inbox().openRound(round, "loyalty-points", "00", Instant.now());
    List<String> eleven = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      eleven.add(jweWithZone("EU") + "B" + i + System.nanoTime());
    }
    given()
        .contentType("application/json")
        .body(JSON.writeValueAsBytes(Map.of("payloads", eleven)))
        .post("/v1/rounds/" + round + "/payloads/batch")
        .then()
        .statusCode(429)
        .contentType("application/problem+json")
        .body("code", equalTo("rate-limited"));
    assertEquals(0, host.inbox().allOf(round).size(), "nothing of a refused batch is stored");
    // the refused batch took only its request's token: five payloads still fit
    given()
        .contentType("application/json")
        .body(JSON.writeValueAsBytes(Map.of("payloads", eleven.subList(0, 5))))
        .post("/v1/rounds/" + round + "/payloads/batch")
        .then()
        .statusCode(200)
        .body("stored", equalTo(5));
    assertEquals(5, host.inbox().allOf(round).size());
  }
}
