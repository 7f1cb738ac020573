package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The console's status endpoints, hostile side first: no admin data without the admin credential,
 * nothing a stranger sends comes back in an answer, the page is served with a policy that forbids
 * anything but its own files. The host has no enclave here (the console against a real enclave
 * process runs in the CLI module's ConsoleBrowserTest).
 */
@QuarkusTest
@TestProfile(StatusResourceTest.NoEnclave.class)
class StatusResourceTest {

  /** A host whose enclave is not running. */
  public static class NoEnclave implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "sovereign.host.enclave.launch", "false",
          "sovereign.host.enclave.address", "unix:/tmp/sovereign-no-enclave-status.sock",
          "sovereign.host.data-dir", "target/test-host-status");
    }
  }

  @jakarta.inject.Inject HostService host;

  @Test
  void operationsAndAuditStatusRefuseAnyoneWithoutTheAdminCredential() {
    for (String path : new String[] {"/v1/status/operations", "/v1/status/audit"}) {
      given()
          .get(path)
          .then()
          .statusCode(401)
          .contentType("application/problem+json")
          .body("code", equalTo("unauthorized"))
          .body(not(containsString("rounds")));
      given()
          .header("Authorization", "Bearer not-the-token")
          .get(path)
          .then()
          .statusCode(401)
          .body("code", equalTo("unauthorized"))
          .body(not(containsString("edgeRefusals")));
      given()
          .header("Authorization", "Basic dGVzdC1hZG1pbi10b2tlbg==")
          .get(path)
          .then()
          .statusCode(401);
      given().header("Authorization", "Bearer test-admin-token").get(path).then().statusCode(200);
    }
  }

  @Test
  void thePublicStatusHoldsNoAdminDataAndSaysPlainlyThatTheEnclaveIsAway() {
    given()
        .get("/v1/status")
        .then()
        .statusCode(200)
        .body("enclave.reachable", equalTo(false))
        .body("enclave.code", equalTo("enclave-unavailable"))
        .body("host.zones[0]", equalTo("EU"))
        .body("host.protocol.revision", equalTo(dev.sovereign.enclave.protocol.Frames.REVISION))
        .body("$", not(hasKey("rounds")))
        .body("$", not(hasKey("edgeRefusals")))
        .body("$", not(hasKey("seals")));
  }

  @Test
  void aRefusedPayloadIsCountedByCodeWithoutItsBytesOrItsSender() throws Exception {
    String round = "r-status-" + System.nanoTime();
    host.inbox().openRound(round, "loyalty-points", "00", java.time.Instant.now());
    String marker = "MARKER" + System.nanoTime();
    String refused = EdgeOfTheApiTest.jweWithZone("MARS") + marker;
    given()
        .contentType("application/jose")
        .body(EdgeOfTheApiTest.bytes(refused))
        .post("/v1/rounds/" + round + "/payloads")
        .then()
        .statusCode(421);
    String stored = EdgeOfTheApiTest.jweWithZone("EU") + marker + "S";
    given()
        .contentType("application/jose")
        .body(EdgeOfTheApiTest.bytes(stored))
        .post("/v1/rounds/" + round + "/payloads")
        .then()
        .statusCode(202);
    String ops =
        given()
            .header("Authorization", "Bearer test-admin-token")
            .get("/v1/status/operations")
            .then()
            .statusCode(200)
            .body("edgeRefusals.zone-not-served", org.hamcrest.Matchers.greaterThanOrEqualTo(1))
            .body("rounds.round", org.hamcrest.Matchers.hasItem(round))
            .body("queue.pending", org.hamcrest.Matchers.greaterThanOrEqualTo(1))
            .extract()
            .asString();
    assertFalse(ops.contains(marker), "no payload bytes in the status");
    assertFalse(ops.contains("127.0.0.1"), "no client address in the status");
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    assertTrue(
        metrics.contains("sovereign_host_edge_refusals_total{code=\"zone-not-served\"}"),
        "edge refusals exported under their Prometheus name");
    assertTrue(metrics.contains("sovereign_host_inbox_pending"), "queue depth gauge");
    assertFalse(metrics.contains(marker));
  }

  @Test
  void theConsoleIsServedWithAPolicyThatAllowsOnlyItsOwnFiles() {
    given()
        .redirects()
        .follow(false)
        .get("/console")
        .then()
        .statusCode(303)
        .header("Location", containsString("/console/"));
    given()
        .get("/console/")
        .then()
        .statusCode(200)
        .contentType(containsString("text/html"))
        .header("Content-Security-Policy", containsString("default-src 'none'"))
        .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
        .header("X-Content-Type-Options", "nosniff")
        .body(containsString("console.js"))
        .body(not(containsString("http://")))
        .body(not(containsString("https://")));
    given()
        .get("/console/console.js")
        .then()
        .statusCode(200)
        .body(not(containsString("innerHTML")));
  }
}
