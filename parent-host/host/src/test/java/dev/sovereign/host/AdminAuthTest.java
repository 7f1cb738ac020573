package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** The certificate decision of {@link AdminAuth} without a server: pins, admin CA, subject list. */
class AdminAuthTest {
  private static final String ADMIN = "CN=ops-admin,O=Sovereign Test";

  private static AdminAuth.Trust caTrust(TestCerts.Issued ca, String... subjects) {
    return new AdminAuth.Trust(
        Set.of(),
        List.of(ca.cert()),
        java.util.Arrays.stream(subjects).map(X500Principal::new).toList());
  }

  @Test
  void aCertificateTheAdminCaIssuedToAListedSubjectIsAllowed() throws Exception {
    TestCerts.Issued ca = TestCerts.ca("CN=Admin CA");
    TestCerts.Issued admin = TestCerts.client(ADMIN, ca);
    assertTrue(AdminAuth.allowed(new X509Certificate[] {admin.cert()}, caTrust(ca, ADMIN)));
    assertTrue(
        AdminAuth.allowed(new X509Certificate[] {admin.cert(), ca.cert()}, caTrust(ca, ADMIN)));
    assertTrue(
        AdminAuth.allowed(new X509Certificate[] {admin.cert()}, caTrust(ca)),
        "no subject list: any the CA issued");
  }

  @Test
  void aLookAlikeFromAnotherCaWithTheSameNamesIsRefused() throws Exception {
    TestCerts.Issued ca = TestCerts.ca("CN=Admin CA");
    TestCerts.Issued rogue = TestCerts.ca("CN=Admin CA");
    TestCerts.Issued forged = TestCerts.client(ADMIN, rogue);
    assertFalse(AdminAuth.allowed(new X509Certificate[] {forged.cert()}, caTrust(ca, ADMIN)));
    assertFalse(
        AdminAuth.allowed(new X509Certificate[] {forged.cert(), rogue.cert()}, caTrust(ca, ADMIN)));
  }

  @Test
  void aSelfSignedTwinOfAnAdminIsRefusedUnlessPinned() throws Exception {
    TestCerts.Issued ca = TestCerts.ca("CN=Admin CA");
    TestCerts.Issued twin = TestCerts.selfSignedClient(ADMIN);
    assertFalse(AdminAuth.allowed(new X509Certificate[] {twin.cert()}, caTrust(ca, ADMIN)));
    AdminAuth.Trust pinned =
        new AdminAuth.Trust(
            Set.of(AdminAuth.sha256Hex(twin.cert().getEncoded())), List.of(), List.of());
    assertTrue(AdminAuth.allowed(new X509Certificate[] {twin.cert()}, pinned));
    assertFalse(
        AdminAuth.allowed(new X509Certificate[] {TestCerts.selfSignedClient(ADMIN).cert()}, pinned),
        "a pin names one certificate, not a subject");
  }

  @Test
  void aSubjectNotListedIsRefusedEvenFromTheAdminCa() throws Exception {
    TestCerts.Issued ca = TestCerts.ca("CN=Admin CA");
    TestCerts.Issued intern = TestCerts.client("CN=intern,O=Sovereign Test", ca);
    assertFalse(AdminAuth.allowed(new X509Certificate[] {intern.cert()}, caTrust(ca, ADMIN)));
  }

  @Test
  void aServerCertificateIsNotAClientCredential() throws Exception {
    TestCerts.Issued server = TestCerts.server();
    AdminAuth.Trust pinned =
        new AdminAuth.Trust(
            Set.of(AdminAuth.sha256Hex(server.cert().getEncoded())), List.of(), List.of());
    assertFalse(
        AdminAuth.allowed(new X509Certificate[] {server.cert()}, pinned),
        "its extended key usage is serverAuth");
  }
}
