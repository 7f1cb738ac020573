package dev.sovereign.did.fabric.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
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
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sovereign did resolve} settings for a Fabric network: the provider connects over TLS (gRPC
 * Netty on 127.0.0.1) to the Gateway service, which here is the in-process one running the real
 * chaincode, and the embedded ledger steps aside.
 */
class FabricGatewayResolverProviderTest {
  @TempDir Path dir;

  @Test
  void resolverFromSettingsTalksTlsToTheGatewayAndChecksThePinnedOrgCa() throws Exception {
    TestPki org1 = new TestPki("Org1MSP");
    InProcessFabricGateway service = new InProcessFabricGateway(org1, "sovereign", "didfabric");

    KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair tlsKeys = kpg.generateKeyPair();
    X500Name subject = new X500Name("CN=peer0.org1.example.com");
    X509Certificate tlsCert =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        subject,
                        BigInteger.TEN,
                        Date.from(Instant.now().minus(1, ChronoUnit.HOURS)),
                        Date.from(Instant.now().plus(1, ChronoUnit.DAYS)),
                        subject,
                        tlsKeys.getPublic())
                    .addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(
                            new GeneralName(GeneralName.dNSName, "peer0.org1.example.com")))
                    .build(
                        new JcaContentSignerBuilder("SHA256withECDSA")
                            .build(tlsKeys.getPrivate())));
    Path tlsCertFile = Files.writeString(dir.resolve("tls.pem"), Identities.toPemString(tlsCert));
    Path tlsKeyFile =
        Files.writeString(dir.resolve("tls.key"), Identities.toPemString(tlsKeys.getPrivate()));
    Path clientCert =
        Files.writeString(dir.resolve("client.pem"), Identities.toPemString(org1.clientCert));
    Path clientKey =
        Files.writeString(dir.resolve("client.key"), Identities.toPemString(org1.clientKey));
    Path ca = Files.writeString(dir.resolve("org1-ca.pem"), Identities.toPemString(org1.ca));

    Server tls =
        Grpc.newServerBuilderForPort(
                0, TlsServerCredentials.create(tlsCertFile.toFile(), tlsKeyFile.toFile()))
            .addService(service)
            .build()
            .start();
    String name = InProcessServerBuilder.generateName();
    Server inProcess = InProcessServerBuilder.forName(name).addService(service).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try (Gateway writer =
        Gateway.newInstance()
            .identity(new X509Identity("Org1MSP", org1.clientCert))
            .signer(Signers.newPrivateKeySigner(org1.clientKey))
            .connection(channel)
            .connect()) {
      SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
      VersionRecord v1 =
          new FabricGatewayLedger(writer, "sovereign", "didfabric")
              .submit(FabricDocuments.create("sovereign", key));

      Map<String, String> settings =
          Map.of(
              "data.dir",
              dir.resolve("state").toString(),
              "fabric.gateway",
              "127.0.0.1:" + tls.getPort(),
              "fabric.authority",
              "peer0.org1.example.com",
              "fabric.tlsCa",
              tlsCertFile.toString(),
              "fabric.mspId",
              "Org1MSP",
              "fabric.cert",
              clientCert.toString(),
              "fabric.key",
              clientKey.toString(),
              "fabric.pinnedCa",
              "Org1MSP=" + ca);
      DidResolutionResult result = DidResolvers.standard(settings).resolve(v1.did());
      assertTrue(result.error().isEmpty(), result.toString());
      assertEquals(v1.versionId(), result.didDocumentMetadata().versionId().orElseThrow());
      assertTrue(
          service.evaluateRequests.size() >= 1, "the log was evaluated over the TLS connection");
      assertTrue(
          Files.notExists(dir.resolve("state").resolve("did-fabric")),
          "the embedded ledger stepped aside");

      // Writes from the same settings (as `sovereign did update --ledger-setting ...` does), over
      // TLS.
      try (FabricGatewayConnection connection = FabricGatewayConnection.connect(settings)) {
        VersionRecord v2 =
            connection
                .ledger()
                .submit(
                    FabricDocuments.deactivate(v1.did(), v1.versionId(), v1.did() + "#key-1", key));
        assertEquals(2, v2.sequence());
        assertEquals(
            v2.versionId(),
            dev.sovereign.did.fabric.core.FabricDidEvidence.verify(
                    v1.did(),
                    "n",
                    dev.sovereign.did.fabric.core.FabricDidEvidence.bundle(
                        connection.ledger(), v1.did(), "n"),
                    connection.verifier(),
                    Instant.now())
                .current()
                .versionId());
      }
      assertTrue(DidResolvers.standard(settings).resolve(v1.did()).isDeactivated());
    } finally {
      channel.shutdownNow();
      inProcess.shutdownNow();
      tls.shutdownNow();
    }
  }
}
