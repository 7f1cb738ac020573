package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code sovereign.host.admin.auth=token-or-mtls}: either credential admits, neither or a wrong one
 * does not.
 */
@QuarkusTest
@TestProfile(AdminTokenOrMtlsTest.TokenOrMtls.class)
class AdminTokenOrMtlsTest {

  /** Admin by token or by client certificate. */
  public static class TokenOrMtls implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return AdminMtlsTest.tls("token-or-mtls");
    }
  }

  @TestHTTPResource(value = "/", tls = true)
  URL https;

  @TestHTTPResource("/")
  URL http;

  @Test
  void theTokenStillAdmitsWithoutACertificate() throws Exception {
    assertEquals(
        200, AdminMtlsTest.get(http, AdminMtlsTest.ADMIN_PATH, null, "test-admin-token").status());
    assertEquals(
        200, AdminMtlsTest.get(https, AdminMtlsTest.ADMIN_PATH, null, "test-admin-token").status());
  }

  @Test
  void anAdminCertificateAdmitsWithoutTheToken() throws Exception {
    assertEquals(200, AdminMtlsTest.get(https, AdminMtlsTest.ADMIN_PATH, "admin", null).status());
  }

  @Test
  void aWrongTokenWithoutACertificateIsRefused() throws Exception {
    assertEquals(
        new AdminMtlsTest.Answer(401, "unauthorized"),
        AdminMtlsTest.get(https, AdminMtlsTest.ADMIN_PATH, null, "not-the-token"));
  }

  @Test
  void aForeignCertificateWithoutTheTokenIsRefused() throws Exception {
    assertEquals(
        new AdminMtlsTest.Answer(403, "admin-cert-not-allowed"),
        AdminMtlsTest.get(https, AdminMtlsTest.ADMIN_PATH, "foreign", null));
  }
}
