package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.gateway.FabricGatewayConnection;
import dev.sovereign.did.fabric.gateway.InProcessFabricGateway;
import dev.sovereign.did.fabric.gateway.TestPki;
import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.hyperledger.fabric.client.identity.Identities;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The running Quarkus host with {@code sovereign.host.did.fabric.*} settings: gRPC and the Fabric
 * Gateway client load in the application's class loader, and {@code GET /1.0/identifiers/{did}}
 * resolves a did:fabric DID over TLS from the Gateway (the in-process service running the real
 * chaincode, no Fabric peer), checking the peer's endorsement against {@code fabric.pinnedCa}; a DID
 * the Gateway does not hold is 404.
 */
@QuarkusTest
@TestProfile(ResolverFabricGatewayTest.WithGateway.class)
class ResolverFabricGatewayTest {
  static final Path DIR = Path.of("target/host-resolver-gateway").toAbsolutePath();
  private static final String PEER = "peer0.org1.example.com";
  private static Server server;
  private static InProcessFabricGateway gateway;
  private static String did;

  /** The Gateway over TLS on 127.0.0.1, one DID written through it, the host's DID settings pointing at it. */
  public static class WithGateway implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        Files.createDirectories(DIR);
        TestPki org1 = new TestPki("Org1MSP");
        gateway = new InProcessFabricGateway(org1, "sovereign", "didfabric");
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair tls = kpg.generateKeyPair();
        X500Name subject = new X500Name("CN=" + PEER);
        Instant now = Instant.now();
        X509Certificate tlsCert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
            subject, BigInteger.TWO, Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)),
            subject, tls.getPublic())
            .addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, PEER)))
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(tls.getPrivate())));
        Path tlsCa = Files.writeString(DIR.resolve("tls.pem"), Identities.toPemString(tlsCert));
        Path tlsKey = Files.writeString(DIR.resolve("tls.key"), Identities.toPemString(tls.getPrivate()));
        server = Grpc.newServerBuilderForPort(0, TlsServerCredentials.create(tlsCa.toFile(), tlsKey.toFile()))
            .addService(gateway).build().start();
        Map<String, String> settings = Map.of(
            "fabric.gateway", "127.0.0.1:" + server.getPort(),
            "fabric.authority", PEER,
            "fabric.tlsCa", tlsCa.toString(),
            "fabric.mspId", org1.mspId,
            "fabric.cert", Files.writeString(DIR.resolve("client.pem"), Identities.toPemString(org1.clientCert)).toString(),
            "fabric.key", Files.writeString(DIR.resolve("client.key"), Identities.toPemString(org1.clientKey)).toString(),
            "fabric.pinnedCa", org1.mspId + "=" + Files.writeString(DIR.resolve("org1-ca.pem"),
                Identities.toPemString(org1.ca)));
        try (FabricGatewayConnection c = FabricGatewayConnection.connect(settings)) {
          did = c.ledger().submit(FabricDocuments.create("sovereign",
              SoftwareControllerKey.generate(Multikey.Type.ED25519))).did();
        }
        Map<String, String> config = new java.util.HashMap<>(Map.of(
            "sovereign.host.enclave.launch", "false",
            "sovereign.host.enclave.address", "unix:/tmp/sovereign-no-enclave-here.sock",
            "sovereign.host.data-dir", DIR.resolve("host").toString(),
            "sovereign.host.did.data.dir", DIR.resolve("did").toString()));
        settings.forEach((k, v) -> config.put("sovereign.host.did." + k, v));
        return config;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void theResolverEndpointAnswersADidFabricDidFromTheGateway() {
    int evaluations = gateway.evaluateRequests.size();
    given().get("/1.0/identifiers/" + did).then().statusCode(200)
        .body("didDocument.id", equalTo(did))
        .body("didDocumentMetadata.deactivated", equalTo(null));
    assertTrue(gateway.evaluateRequests.size() > evaluations, "the host read the log from the gateway");
    assertTrue(Files.notExists(DIR.resolve("did").resolve("did-fabric")), "the embedded ledger stepped aside");
  }

  @Test
  void aDidTheGatewayDoesNotHoldIsNotFound() {
    String unknown = FabricDocuments.create("sovereign", SoftwareControllerKey.generate(Multikey.Type.ED25519)).did();
    given().get("/1.0/identifiers/" + unknown).then().statusCode(404)
        .body("didResolutionMetadata.error", equalTo("notFound"));
  }
}
