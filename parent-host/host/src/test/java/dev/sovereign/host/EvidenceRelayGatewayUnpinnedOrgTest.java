package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link EvidenceRelayGatewayHostTest}'s host and Gateway, but the development enclave's policy
 * pins another CA under the Gateway peer's MSP id: the relay gets the evidence through the Gateway
 * and supplies it, the enclave refuses the peer's endorsement and the payload's final verdict is
 * {@code did-evidence-invalid}, never accepted.
 */
@QuarkusTest
@TestProfile(EvidenceRelayGatewayHostTest.WithUnpinnedOrg.class)
class EvidenceRelayGatewayUnpinnedOrgTest {
  @Inject HostService host;

  @AfterAll
  static void stop() {
    if (EvidenceRelayGatewayHostTest.fabric != null) {
      EvidenceRelayGatewayHostTest.fabric.close();
    }
  }

  @Test
  void anEndorsementByAPeerOfAnUnpinnedOrgCaEndsAsDidEvidenceInvalid() throws Exception {
    int endorsements = EvidenceRelayGatewayHostTest.fabric.service.endorseRequests.size();

    EvidenceRelayGatewayHostTest.submitAndDrain(host);

    given()
        .get("/v1/rounds/r-relay-gateway")
        .then()
        .statusCode(200)
        .body("counts.did-evidence-invalid", equalTo(1))
        .body("counts.accepted", nullValue());
    assertEquals(
        endorsements + 1,
        EvidenceRelayGatewayHostTest.fabric.service.endorseRequests.size(),
        "the evidence came through the gateway");
  }
}
