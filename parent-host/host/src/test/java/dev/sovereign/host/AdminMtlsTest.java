package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * Admin endpoints under {@code sovereign.host.admin.auth=mtls} on an HTTPS listener that requests
 * (not requires) client certificates: only a certificate from the admin CA with an allowed subject,
 * or a pinned one, is an admin; a look-alike from another CA or a self-signed twin is refused;
 * public endpoints need no certificate; the bearer token counts for nothing in this mode.
 */
@QuarkusTest
@TestProfile(AdminMtlsTest.Mtls.class)
class AdminMtlsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ADMIN = "CN=ops-admin,O=Sovereign Test";
  static final char[] PASSWORD = "test".toCharArray();

  /**
   * An admin endpoint that answers without an enclave (these hosts have none), so its status is the
   * admin check's verdict alone: the audit export, by contrast, asks the enclave to sign a head.
   */
  static final String ADMIN_PATH = "/v1/status/operations";

  /**
   * The certificates, written once per JVM (profiles and tests may live in different class
   * loaders).
   */
  static Path material() {
    String dir = System.getProperty("sovereign.test.admin-mtls");
    if (dir != null) {
      return Path.of(dir);
    }
    synchronized (System.class) {
      dir = System.getProperty("sovereign.test.admin-mtls");
      if (dir != null) {
        return Path.of(dir);
      }
      try {
        Path d = Path.of("target/admin-mtls").toAbsolutePath();
        TestCerts.Issued server = TestCerts.server();
        TestCerts.pem(d.resolve("server.crt"), server.cert());
        TestCerts.pem(d.resolve("server.key"), server.keys().getPrivate());
        TestCerts.Issued adminCa = TestCerts.ca("CN=Sovereign Test Admin CA");
        TestCerts.pem(d.resolve("admin-ca.crt"), adminCa.cert());
        TestCerts.Issued otherCa =
            TestCerts.ca("CN=Sovereign Test Admin CA"); // same name, other key
        TestCerts.Issued pinned = TestCerts.selfSignedClient("CN=break-glass,O=Sovereign Test");
        store(d, "admin", TestCerts.client(ADMIN, adminCa));
        store(d, "intern", TestCerts.client("CN=intern,O=Sovereign Test", adminCa));
        store(d, "foreign", TestCerts.client(ADMIN, otherCa));
        store(d, "self-signed", TestCerts.selfSignedClient(ADMIN));
        store(d, "pinned", pinned);
        Files.writeString(
            d.resolve("pinned.sha256"), AdminAuth.sha256Hex(pinned.cert().getEncoded()));
        System.setProperty("sovereign.test.admin-mtls", d.toString());
        return d;
      } catch (Exception e) {
        throw new IllegalStateException("test certificates", e);
      }
    }
  }

  private static void store(Path dir, String name, TestCerts.Issued issued) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry(
        "client", issued.keys().getPrivate(), PASSWORD, new X509Certificate[] {issued.cert()});
    try (var out = Files.newOutputStream(dir.resolve(name + ".p12"))) {
      ks.store(out, PASSWORD);
    }
  }

  /** TLS on with client certificates requested; the admin check itself is the host's. */
  static Map<String, String> tls(String mode) {
    Path d = material();
    Map<String, String> m =
        new HashMap<>(
            Map.of(
                "sovereign.host.enclave.launch",
                "false",
                "sovereign.host.enclave.address",
                "unix:/tmp/sovereign-no-enclave-here.sock",
                "sovereign.host.data-dir",
                "target/test-host-mtls-" + mode,
                "quarkus.http.test-ssl-port",
                "0",
                "quarkus.tls.admin.key-store.pem.0.cert",
                d.resolve("server.crt").toString(),
                "quarkus.tls.admin.key-store.pem.0.key",
                d.resolve("server.key").toString(),
                "quarkus.tls.admin.trust-all",
                "true",
                "quarkus.http.tls-configuration-name",
                "admin",
                "sovereign.host.admin.auth",
                mode,
                "sovereign.host.admin.mtls.ca-file",
                d.resolve("admin-ca.crt").toString()));
    m.put("sovereign.host.admin.mtls.allowed-subjects[0]", ADMIN);
    try {
      m.put(
          "sovereign.host.admin.mtls.pinned-sha256", Files.readString(d.resolve("pinned.sha256")));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return m;
  }

  /** Admin by client certificate only. */
  public static class Mtls implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return tls("mtls");
    }
  }

  @TestHTTPResource(value = "/", tls = true)
  URL https;

  @TestHTTPResource("/")
  URL http;

  /** One answer: the status and the problem code, if any. */
  record Answer(int status, String code) {}

  static SSLContext context(String client) throws Exception {
    Path d = material();
    X509Certificate server;
    try (InputStream in = Files.newInputStream(d.resolve("server.crt"))) {
      server = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", server);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (client != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(d.resolve(client + ".p12"))) {
        keys.load(in, PASSWORD);
      }
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, PASSWORD);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  /**
   * {@code GET /v1/audit} (admin) over HTTPS as {@code client} (null: no certificate), with an
   * optional token.
   */
  static Answer get(URL base, String path, String client, String token) throws Exception {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10));
    if (base.getProtocol().equals("https")) {
      b.sslContext(context(client));
    }
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(base.toString().replaceFirst("/$", "") + path))
            .timeout(Duration.ofSeconds(30))
            .GET();
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> res = b.build().send(r.build(), HttpResponse.BodyHandlers.ofString());
    String code = null;
    if (res.statusCode() >= 400) {
      JsonNode n = JSON.readTree(res.body());
      code = n.path("code").asText();
      assertTrue(
          res.headers()
              .firstValue("Content-Type")
              .orElse("")
              .startsWith("application/problem+json"));
      assertTrue(!res.body().contains("Exception"), res.body());
    }
    return new Answer(res.statusCode(), code);
  }

  @Test
  void anAdminCertificateFromTheAdminCaWithAnAllowedSubjectIsAnAdmin() throws Exception {
    assertEquals(200, get(https, ADMIN_PATH, "admin", null).status());
  }

  @Test
  void aPinnedSelfSignedCertificateIsAnAdmin() throws Exception {
    assertEquals(200, get(https, ADMIN_PATH, "pinned", null).status());
  }

  @Test
  void aCertificateWithTheAdminSubjectFromAnotherCaIsRefused() throws Exception {
    assertEquals(
        new Answer(403, "admin-cert-not-allowed"), get(https, ADMIN_PATH, "foreign", null));
  }

  @Test
  void aSelfSignedCertificateWithTheAdminSubjectIsRefused() throws Exception {
    assertEquals(
        new Answer(403, "admin-cert-not-allowed"), get(https, ADMIN_PATH, "self-signed", null));
  }

  @Test
  void aCertificateFromTheAdminCaWithASubjectNotListedIsRefused() throws Exception {
    assertEquals(new Answer(403, "admin-cert-not-allowed"), get(https, ADMIN_PATH, "intern", null));
  }

  @Test
  void withoutACertificateAdminCallsAreRefusedEvenWithTheToken() throws Exception {
    assertEquals(new Answer(401, "unauthorized"), get(https, ADMIN_PATH, null, null));
    assertEquals(new Answer(401, "unauthorized"), get(https, ADMIN_PATH, null, "test-admin-token"));
    assertEquals(new Answer(401, "unauthorized"), get(http, ADMIN_PATH, null, "test-admin-token"));
  }

  @Test
  void publicEndpointsWorkWithoutACertificate() throws Exception {
    // No enclave behind this host: a problem about the enclave, not about the caller.
    assertEquals(
        new Answer(503, "enclave-unavailable"),
        get(https, "/v1/attestation?nonce=00ff", null, null));
    assertEquals(new Answer(404, "unknown-round"), get(https, "/v1/rounds/r-none", null, null));
    assertEquals(
        new Answer(404, "unknown-round"), get(https, "/v1/rounds/r-none", "self-signed", null));
  }
}
