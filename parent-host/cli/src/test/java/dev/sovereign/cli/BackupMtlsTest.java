package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sovereign backup} against an https host that authenticates admins by client certificate:
 * the certificate and key come from PEM files (PKCS#8 or traditional EC), the host's certificate is
 * checked against {@code --cacert}, and no bearer token is needed or sent.
 */
class BackupMtlsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] BLOB = "SVSEAL-ciphertext-only".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  private HttpsServer server;
  private X509Certificate adminCert;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final List<String> authorization = new CopyOnWriteArrayList<>();
  private Path policy;

  private record Issued(KeyPair keys, X509Certificate cert) {}

  private static Issued selfSigned(String subject, boolean server) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair k = g.generateKeyPair();
    X500Name name = X500Name.getInstance(new X500Principal(subject).getEncoded());
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name,
            BigInteger.valueOf(System.nanoTime()),
            Date.from(Instant.now().minusSeconds(300)),
            Date.from(Instant.now().plusSeconds(86400)),
            name,
            k.getPublic());
    if (server) {
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    }
    return new Issued(
        k,
        new JcaX509CertificateConverter()
            .getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(k.getPrivate()))));
  }

  private Path pem(String name, Object o) throws Exception {
    StringWriter s = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(s)) {
      w.writeObject(o);
    }
    return Files.writeString(dir.resolve(name), s.toString());
  }

  @BeforeEach
  void httpsHost() throws Exception {
    Issued host = selfSigned("CN=host", true);
    Issued admin = selfSigned("CN=ops-admin,O=Sovereign Test", false);
    adminCert = admin.cert();
    pem("host.crt", host.cert());
    pem("admin.crt", admin.cert());
    pem("admin.pkcs8.key", new JcaPKCS8Generator(admin.keys().getPrivate(), null));
    // "EC PRIVATE KEY" (SEC1, as openssl ecparam -genkey writes it, with the curve inside)
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(
            admin.keys().getPrivate().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey inner =
        org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
    pem(
        "admin.ec.key",
        new org.bouncycastle.util.io.pem.PemObject(
            "EC PRIVATE KEY",
            new org.bouncycastle.asn1.sec.ECPrivateKey(
                    256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters())
                .getEncoded()));

    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry(
        "host", host.keys().getPrivate(), new char[0], new X509Certificate[] {host.cert()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("admin", admin.cert());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(
        new HttpsConfigurator(ctx) {
          @Override
          public void configure(HttpsParameters params) {
            javax.net.ssl.SSLParameters p = ctx.getDefaultSSLParameters();
            p.setWantClientAuth(true); // like the host: asked for, not required
            params.setSSLParameters(p);
          }
        });
    server.createContext(
        "/v1/",
        x -> {
          String who = "none";
          try {
            who =
                ((X509Certificate) ((HttpsExchange) x).getSSLSession().getPeerCertificates()[0])
                    .getSubjectX500Principal()
                    .getName();
          } catch (SSLPeerUnverifiedException e) {
            // no client certificate
          }
          seen.add(who);
          authorization.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
          x.getRequestBody().readAllBytes();
          boolean admin1 = who.equals(adminCert.getSubjectX500Principal().getName());
          byte[] body =
              (!admin1
                      ? "{\"code\":\"unauthorized\",\"status\":401,\"detail\":\"no admin credential\"}"
                      : x.getRequestURI().getPath().equals("/v1/backup")
                          ? "{\"sealedState\":\""
                              + Base64.getEncoder().encodeToString(BLOB)
                              + "\",\"rounds\":[\"r1\"]}"
                          : "{\"restored\":true,\"openRounds\":1}")
                  .getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(admin1 ? 200 : 401, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    server.start();
    policy =
        Files.writeString(
            dir.resolve("backup-policy.json"),
            "{\"zones\": {\"EU\": {\"retention\": \"P90D\", \"locations\": [\""
                + dir.resolve("eu")
                + "\"]}}}");
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url() {
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  private CliRun create(String... tls) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "backup",
                "create",
                "--host",
                url(),
                "--policy",
                policy.toString(),
                "--audit",
                dir.resolve("audit.log").toString(),
                "--zone",
                "EU",
                "--to",
                dir.resolve("eu").toString(),
                "--json"));
    args.addAll(List.of(tls));
    return CliRun.of(args.toArray(new String[0]));
  }

  @Test
  void anAdminCertificateFromPemFilesReplacesTheTokenForBackupAndRestore() throws Exception {
    CliRun ok =
        create(
            "--client-cert",
            dir.resolve("admin.crt").toString(),
            "--client-key",
            dir.resolve("admin.pkcs8.key").toString(),
            "--cacert",
            dir.resolve("host.crt").toString());
    assertEquals(0, ok.exit(), ok.err());
    JsonNode out = JSON.readTree(ok.out());
    assertEquals("stored", out.get("outcome").asText());
    assertEquals(List.of("CN=ops-admin,O=Sovereign Test"), seen);
    if (System.getenv("SOVEREIGN_ADMIN_TOKEN") == null) {
      assertEquals(List.of("null"), authorization, "no bearer token is sent");
    }

    CliRun back =
        CliRun.of(
            "backup",
            "restore",
            "--host",
            url(),
            "--policy",
            policy.toString(),
            "--audit",
            dir.resolve("audit.log").toString(),
            "--from",
            out.get("file").asText(),
            "--client-cert",
            dir.resolve("admin.crt").toString(),
            "--client-key",
            dir.resolve("admin.ec.key").toString(),
            "--cacert",
            dir.resolve("host.crt").toString());
    assertEquals(0, back.exit(), back.err());
    assertEquals(2, seen.size());
  }

  @Test
  void aHostWhoseCertificateTheCaDoesNotVouchForIsNotTalkedTo() throws Exception {
    Path otherCa = pem("other.crt", selfSigned("CN=host", true).cert());
    CliRun r =
        create(
            "--client-cert",
            dir.resolve("admin.crt").toString(),
            "--client-key",
            dir.resolve("admin.pkcs8.key").toString(),
            "--cacert",
            otherCa.toString());
    assertEquals(SovereignCli.USAGE, r.exit(), r.err());
    assertTrue(r.err().contains("SSLHandshakeException"), r.err());
    assertTrue(seen.isEmpty(), "nothing reached the host");
  }

  @Test
  void withoutTheClientCertificateTheHostRefusesAndTheRefusalIsReported() throws Exception {
    CliRun r =
        create(
            "--token-file",
            TokenFiles.of(dir, "not-an-admin-credential"),
            "--cacert",
            dir.resolve("host.crt").toString());
    assertEquals(SovereignCli.REJECTED, r.exit(), r.err());
    assertTrue(r.err().contains("unauthorized"), r.err());
    assertEquals(List.of("none"), seen);
  }

  @Test
  void aCertificateWithoutItsKeyIsAUsageError() {
    CliRun r = create("--client-cert", dir.resolve("admin.crt").toString());
    assertEquals(SovereignCli.USAGE, r.exit(), r.err());
    assertTrue(r.err().contains("--client-key"), r.err());
    assertNull(seen.isEmpty() ? null : seen);
  }
}
