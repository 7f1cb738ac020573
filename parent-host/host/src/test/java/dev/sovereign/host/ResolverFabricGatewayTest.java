package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.gateway.TestPki;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The running Quarkus host with {@code sovereign.host.did.fabric.*} settings: gRPC and the Fabric
 * Gateway client load in the application's class loader, and {@code GET /1.0/identifiers/{did}}
 * resolves a did:fabric DID over TLS from the Gateway (the in-process service running the real
 * chaincode, no Fabric peer), checking the peer's endorsement against {@code fabric.pinnedCa}; a
 * DID the Gateway does not hold is 404.
 */
@QuarkusTest
@TestProfile(ResolverFabricGatewayTest.WithGateway.class)
class ResolverFabricGatewayTest {
  static final Path DIR = Path.of("target/host-resolver-gateway").toAbsolutePath();
  private static TlsFabricGateway fabric;
  private static String did;

  /**
   * The Gateway over TLS on 127.0.0.1, one DID written through it, the host's DID settings pointing
   * at it.
   */
  public static class WithGateway implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        fabric = new TlsFabricGateway(DIR, new TestPki("Org1MSP"));
        did = fabric.register(SoftwareControllerKey.generate(Multikey.Type.ED25519));
        Map<String, String> config = fabric.hostConfig();
        config.put("sovereign.host.enclave.launch", "false");
        config.put("sovereign.host.enclave.address", "unix:/tmp/sovereign-no-enclave-here.sock");
        config.put("sovereign.host.data-dir", DIR.resolve("host").toString());
        config.put("sovereign.host.did.data.dir", DIR.resolve("did").toString());
        return config;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @AfterAll
  static void stop() {
    if (fabric != null) {
      fabric.close();
    }
  }

  @Test
  void theResolverEndpointAnswersADidFabricDidFromTheGateway() {
    int evaluations = fabric.service.evaluateRequests.size();
    given()
        .get("/1.0/identifiers/" + did)
        .then()
        .statusCode(200)
        .body("didDocument.id", equalTo(did))
        .body("didDocumentMetadata.deactivated", equalTo(null));
    assertTrue(
        fabric.service.evaluateRequests.size() > evaluations,
        "the host read the log from the gateway");
    assertTrue(
        Files.notExists(DIR.resolve("did").resolve("did-fabric")),
        "the embedded ledger stepped aside");
  }

  @Test
  void aDidTheGatewayDoesNotHoldIsNotFound() {
    String unknown =
        FabricDocuments.create("sovereign", SoftwareControllerKey.generate(Multikey.Type.ED25519))
            .did();
    given()
        .get("/1.0/identifiers/" + unknown)
        .then()
        .statusCode(404)
        .body("didResolutionMetadata.error", equalTo("notFound"));
  }
}
