package dev.sovereign.host;

import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.gateway.FabricGatewayConnection;
import dev.sovereign.did.fabric.gateway.InProcessFabricGateway;
import dev.sovereign.did.fabric.gateway.TestPki;
import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
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
import java.util.HashMap;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.hyperledger.fabric.client.identity.Identities;

/**
 * did-fabric-gateway's in-process Gateway service (the real chaincode, one peer of {@code org})
 * served over TLS on a free port (gRPC Netty), and the host's {@code fabric.*} DID settings for it,
 * with the PEM files they name written under {@code dir}. Not a Fabric peer.
 */
final class TlsFabricGateway implements AutoCloseable {
  static final String PEER = "peer0.org1.example.com";

  final TestPki org;
  final InProcessFabricGateway service;
  final Server server;

  /**
   * {@code fabric.gateway}, {@code fabric.tlsCa}, ... as the DID settings name them (no prefix).
   */
  final Map<String, String> settings;

  TlsFabricGateway(Path dir, TestPki org) throws Exception {
    this.org = org;
    Files.createDirectories(dir);
    service = new InProcessFabricGateway(org, "sovereign", "didfabric");
    KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair tls = kpg.generateKeyPair();
    X500Name subject = new X500Name("CN=" + PEER);
    Instant now = Instant.now();
    X509Certificate tlsCert =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        subject,
                        BigInteger.valueOf(now.toEpochMilli()),
                        Date.from(now.minus(1, ChronoUnit.HOURS)),
                        Date.from(now.plus(1, ChronoUnit.DAYS)),
                        subject,
                        tls.getPublic())
                    .addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, PEER)))
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(tls.getPrivate())));
    Path tlsCa = Files.writeString(dir.resolve("tls.pem"), Identities.toPemString(tlsCert));
    Path tlsKey =
        Files.writeString(dir.resolve("tls.key"), Identities.toPemString(tls.getPrivate()));
    server =
        Grpc.newServerBuilderForPort(
                0, TlsServerCredentials.create(tlsCa.toFile(), tlsKey.toFile()))
            .addService(service)
            .build()
            .start();
    settings =
        Map.of(
            "fabric.gateway",
            "127.0.0.1:" + server.getPort(),
            "fabric.authority",
            PEER,
            "fabric.tlsCa",
            tlsCa.toString(),
            "fabric.mspId",
            org.mspId,
            "fabric.cert",
            Files.writeString(dir.resolve("client.pem"), Identities.toPemString(org.clientCert))
                .toString(),
            "fabric.key",
            Files.writeString(dir.resolve("client.key"), Identities.toPemString(org.clientKey))
                .toString(),
            "fabric.pinnedCa",
            org.mspId
                + "="
                + Files.writeString(dir.resolve("org-ca.pem"), Identities.toPemString(org.ca)));
  }

  /** The settings as Quarkus configuration ({@code sovereign.host.did.} prefixed). */
  Map<String, String> hostConfig() {
    Map<String, String> out = new HashMap<>();
    settings.forEach((k, v) -> out.put("sovereign.host.did." + k, v));
    return out;
  }

  /**
   * A did:fabric DID on network {@code sovereign} written through the Gateway with these settings.
   */
  String register(SoftwareControllerKey key) throws Exception {
    try (FabricGatewayConnection c = FabricGatewayConnection.connect(settings)) {
      return c.ledger().submit(FabricDocuments.create("sovereign", key)).did();
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
