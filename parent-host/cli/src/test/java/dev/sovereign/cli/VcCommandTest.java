package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sovereign vc}: issue, accredit, publish a status list, verify with the regulator's report.
 */
class VcCommandTest {
  static final String LIST = "https://authority.example/status/1";
  @TempDir static Path dir;
  static String rootDid;
  static String authDid;

  static Path p(String name) {
    return dir.resolve(name);
  }

  @BeforeAll
  static void setUp() {
    CliRun root = CliRun.of("vc", "keygen", "--type", "p256", "--out", p("root.jwk").toString());
    assertEquals(0, root.exit(), root.err());
    rootDid = root.err().trim();
    CliRun auth = CliRun.of("vc", "keygen", "--out", p("auth.jwk").toString());
    authDid = auth.err().trim();
    assertEquals(
        0,
        CliRun.of(
                "vc",
                "status-list",
                "--key",
                p("auth.jwk").toString(),
                "--url",
                LIST,
                "--set",
                "3",
                "--out",
                p("list.jwt").toString())
            .exit());
    assertEquals(
        0,
        CliRun.of(
                "vc",
                "accredit",
                "--key",
                p("root.jwk").toString(),
                "--subject",
                authDid,
                "--role",
                "attest",
                "--zones",
                "EU",
                "--regions",
                "EU",
                "--datasets",
                "loyalty-points",
                "--valid-until",
                "2099-01-01T00:00:00Z",
                "--out",
                p("acc.jwt").toString())
            .exit());
    for (int index : new int[] {7, 3}) {
      CliRun issue =
          CliRun.of(
              "vc",
              "issue",
              "--key",
              p("auth.jwk").toString(),
              "--subject",
              "did:example:producer",
              "--type",
              "ProducerAuthorization",
              "--claim",
              "region=EU",
              "--claim",
              "datasets=[\"loyalty-points\"]",
              "--valid-until",
              "2098-01-01T00:00:00Z",
              "--status-list",
              LIST,
              "--status-index",
              Integer.toString(index),
              "--out",
              p("cred-" + index + ".jwt").toString());
      assertEquals(0, issue.exit(), issue.err());
    }
  }

  @Test
  void aCredentialWithAClearStatusEntryVerifiesWithExitZeroAndAJsonReport() throws Exception {
    CliRun r =
        CliRun.of(
            "vc",
            "verify",
            p("cred-7.jwt").toString(),
            "--status-list",
            LIST + "=" + p("list.jwt"),
            "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertEquals("VALID", report.get("verdict").asText());
    assertTrue(r.err().contains("VALID"));
    String steps = report.get("steps").toString();
    for (String step :
        new String[] {"signature", "key authorization", "validity window", "status (revocation)"}) {
      assertTrue(steps.contains("\"" + step + "\""), step);
    }
  }

  @Test
  void aRevokedCredentialExitsOneAndPrintsTheReasonCode() {
    CliRun r =
        CliRun.of(
            "vc",
            "verify",
            p("cred-3.jwt").toString(),
            "--status-list",
            LIST + "=" + p("list.jwt"));
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("REJECTED REVOKED"), r.err());
  }

  @Test
  void theChainToATrustAnchorIsReportedLinkByLinkAndTheWrongRegionIsRejected() throws Exception {
    CliRun ok =
        CliRun.of(
            "vc",
            "verify",
            p("cred-7.jwt").toString(),
            "--status-list",
            LIST + "=" + p("list.jwt"),
            "--trust-anchor",
            rootDid + "=EU",
            "--accreditation",
            p("acc.jwt").toString(),
            "--region",
            "EU",
            "--json");
    assertEquals(0, ok.exit(), ok.err());
    assertTrue(
        new ObjectMapper().readTree(ok.out()).get("steps").toString().contains("trust anchor"));
    CliRun us =
        CliRun.of(
            "vc",
            "verify",
            p("cred-7.jwt").toString(),
            "--status-list",
            LIST + "=" + p("list.jwt"),
            "--trust-anchor",
            rootDid + "=EU",
            "--accreditation",
            p("acc.jwt").toString(),
            "--region",
            "US");
    assertEquals(1, us.exit());
    assertTrue(us.err().contains("ISSUER_NOT_TRUSTED_FOR_REGION"), us.err());
    CliRun broken =
        CliRun.of(
            "vc",
            "verify",
            p("cred-7.jwt").toString(),
            "--status-list",
            LIST + "=" + p("list.jwt"),
            "--trust-anchor",
            rootDid);
    assertEquals(1, broken.exit());
    assertTrue(broken.err().contains("CHAIN_BROKEN"), broken.err());
  }

  @Test
  void anExpiredViewFromTheFutureIsRejectedAsExpired() throws Exception {
    CliRun r =
        CliRun.of(
            "vc",
            "verify",
            Files.readString(p("cred-7.jwt")).trim(),
            "--status-list",
            LIST + "=" + p("list.jwt"),
            "--at",
            "2098-06-01T00:00:00Z");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("REJECTED EXPIRED"), r.err());
  }

  @Test
  void aMissingFileIsAUsageErrorWithExitTwo() {
    assertEquals(2, CliRun.of("vc", "verify", p("nope.jwt").toString()).exit());
  }
}
