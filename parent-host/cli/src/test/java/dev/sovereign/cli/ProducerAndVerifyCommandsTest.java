package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.producer.ProducerIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command-line contract of {@code producer keygen|submit} and {@code verify} (the full flow runs in
 * {@link DemoCommandTest}).
 */
class ProducerAndVerifyCommandsTest {

  @TempDir Path tmp;

  @Test
  void keygenWritesAnIdentityWhoseDidIsPrintedAndRefusesToOverwrite() throws Exception {
    Path id = tmp.resolve("p.json");
    CliRun r = CliRun.of("producer", "keygen", "--out", id.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode out = new ObjectMapper().readTree(r.out());
    assertEquals(ProducerIdentity.read(id).did().toString(), out.get("did").asText());
    assertTrue(out.get("did").asText().startsWith("did:key:z6Mk"));
    assertEquals(2, CliRun.of("producer", "keygen", "--out", id.toString()).exit());
  }

  @Test
  void submitNeedsExactlyOneOfHostAndRoutes() {
    CliRun r =
        CliRun.of(
            "producer",
            "submit",
            "--records",
            "r.csv",
            "--identity",
            "i",
            "--credential",
            "c",
            "--round",
            "r",
            "--dataset",
            "d",
            "--zone",
            "EU",
            "--root",
            "x.pem",
            "--expect-pcr0",
            "00",
            "--expect-policy-sha256",
            "00");
    assertEquals(2, r.exit());
  }

  @Test
  void submitWithARoutingTableThatLacksTheZoneIsAUsageError() throws Exception {
    Path routes = Files.writeString(tmp.resolve("routes.txt"), "EU=http://127.0.0.1:9\n");
    Path id = tmp.resolve("p.json");
    ProducerIdentity.generate(new java.security.SecureRandom()).write(id);
    CliRun r =
        CliRun.of(
            "producer",
            "submit",
            "--routes",
            routes.toString(),
            "--records",
            "r.csv",
            "--identity",
            id.toString(),
            "--credential",
            "c",
            "--round",
            "r",
            "--dataset",
            "d",
            "--zone",
            "APAC",
            "--root",
            "x.pem",
            "--expect-pcr0",
            "00",
            "--expect-policy-sha256",
            "00");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("no host for zone APAC"), r.err());
  }

  @Test
  void verifyOfSomethingThatIsNotAResultIsRejectedWithAReasonCode() throws Exception {
    Path f = Files.writeString(tmp.resolve("result.jwt"), "not.a-result.at-all");
    CliRun r = CliRun.of("verify", f.toString(), "--json");
    assertEquals(1, r.exit(), r.err());
    assertEquals(
        "result-malformed", new ObjectMapper().readTree(r.out()).get("reasonCode").asText());
  }

  @Test
  void verifyWithTrustAnchorsButNoChainEvidenceIsAUsageError() throws Exception {
    Path f = Files.writeString(tmp.resolve("result.jwt"), "a.b.c");
    CliRun r =
        CliRun.of(
            "verify",
            f.toString(),
            "--trust-anchor",
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK");
    assertEquals(2, r.exit());
  }
}
