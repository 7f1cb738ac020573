package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the whole demo in process against the packaged host (a child process) and the enclave jar,
 * then checks its report and evidence, and re-checks the evidence with the regulator's command as a
 * regulator would. The artifacts default to the build's; {@code -Dsovereign.demo.enclaveJar} and
 * {@code -Dsovereign.demo.hostApp} point elsewhere.
 */
class DemoCommandTest {

  @TempDir Path tmp;

  private static Path artifact(String property, String relative) {
    String p = System.getProperty(property);
    return p != null && !p.isBlank() ? Path.of(p) : Fixtures.projectRoot().resolve(relative);
  }

  @Test
  void theDemoRunsEveryStepAgainstARealHostWritesTheEvidenceAndExitsZero() throws Exception {
    Path jar = artifact("sovereign.demo.enclaveJar", "enclave-app/target/sovereign-enclave.jar");
    Path app =
        artifact("sovereign.demo.hostApp", "parent-host/host/target/quarkus-app/quarkus-run.jar");
    Assumptions.assumeTrue(
        Files.isRegularFile(jar) && Files.isRegularFile(app),
        "the enclave jar and the packaged host are built before this module's tests (reactor order)");
    Path out = tmp.resolve("demo-out");
    CliRun r =
        CliRun.of(
            "demo",
            "--out",
            out.toString(),
            "--state",
            tmp.resolve("work").toString(),
            "--enclave-jar",
            jar.toString(),
            "--host-app",
            app.toString(),
            "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertEquals(report.get("total").asInt(), report.get("behaved").asInt());
    List<String> names = new ArrayList<>();
    for (JsonNode step : report.get("steps")) {
      names.add(step.get("name").asText());
      assertEquals("behaved", step.get("outcome").asText(), step.toString());
      assertTrue(r.err().contains(step.get("name").asText()), "narrated: " + step.get("name"));
    }
    assertTrue(
        names.containsAll(
            Set.of(
                "revoked-producer-rejected",
                "forged-payload-rejected",
                "replay-rejected",
                "wrong-region-rejected",
                "backup-restore",
                "close-round",
                "regulator-verifies",
                "audit-log")),
        names.toString());
    assertTrue(r.err().contains("422 seal-rejected"), "a tampered sealed state is refused");
    // did:fabric producers: the host relayed their evidence because the enclave asked; the log
    // names no DID
    assertTrue(
        report.at("/evidence/didEvidenceRelayed").asInt() >= 4, report.at("/evidence").toString());
    assertTrue(
        r.err().contains("because it asked, the host fetched did:fabric evidence"),
        "narrated: the relay");
    JsonNode chains = new ObjectMapper().readTree(out.resolve("credential-chain.json").toFile());
    String auditLog = Files.readString(out.resolve("audit.jsonl"));
    assertTrue(auditLog.contains("\"evidence-relayed\""), "the relay is audited");
    int fabric = 0;
    for (JsonNode c : chains.path("chains")) {
      String did = c.path("producer").asText();
      assertTrue(did.startsWith("did:fabric:sovereign:"), did);
      assertTrue(!auditLog.contains(did), "a producer DID in the audit log");
      fabric++;
    }
    assertEquals(5, fabric);
    assertTrue(Files.readString(out.resolve("policy.yaml")).contains("askHost: true"));
    for (String code :
        new String[] {
          "credential-revoked", "signature-invalid", "replay", "credential-wrong-region"
        }) {
      assertTrue(r.err().contains("enclave verdict " + code), code);
    }
    for (String f :
        new String[] {
          "result.jwt",
          "result.json",
          "attestation.cose",
          "attestation.b64",
          "simulation-root.pem",
          "credential-chain.json",
          "policy.yaml",
          "expected-pcrs.json",
          "verification.json",
          "regulator-report.json",
          "regulator-report.html",
          "rejected-aws-root.json",
          "rejected-tampered.json",
          "rejected-wrong-nonce.json",
          "rejected-stale.json",
          "rejected-unknown-image.json",
          "sealed-state.b64",
          "audit.jsonl",
          "audit-verify.json",
          "report.json"
        }) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }
    String html = Files.readString(out.resolve("regulator-report.html"));
    assertTrue(html.contains(">VALID<") && html.contains("credential-revoked"), "the HTML report");
    // the demo's regulator runs the privacy step against the policy it pinned, as verify does
    assertTrue(html.contains("privacy-parameters"), "the privacy step in the HTML report");
    assertTrue(html.contains("as the pinned policy declares"), "the privacy step passed");
    // the forged payload failed before any signature verified: one unauthenticated count in the
    // signed result, not a producer's rejection
    JsonNode inputs =
        new ObjectMapper()
            .readTree(out.resolve("result.json").toFile())
            .at("/credentialSubject/inputs");
    assertEquals(1, inputs.path("unauthenticated").asLong(-1), inputs.toString());
    assertTrue(!inputs.path("rejectedByReason").has("signature-invalid"), inputs.toString());
    assertTrue(html.contains("<dt>unauthenticated</dt><dd>1 payload"), "the HTML report");
    assertTrue(report.at("/seconds").asDouble() > 0, "the report records how long the demo took");

    // The evidence verifies on its own with the regulator's command.
    List<String> verify =
        new ArrayList<>(
            List.of(
                "verify",
                out.resolve("result.jwt").toString(),
                "--root",
                out.resolve("simulation-root.pem").toString(),
                "--pcr",
                "0=" + report.at("/evidence/expectedPcrs/0").asText(),
                "--policy",
                out.resolve("policy.yaml").toString(),
                "--enclave-did",
                report.at("/evidence/enclaveDid").asText(),
                "--credential-chain",
                out.resolve("credential-chain.json").toString(),
                "--json"));
    report
        .at("/evidence/trustAnchors")
        .forEach(
            a -> {
              verify.add("--trust-anchor");
              verify.add(a.asText());
            });
    CliRun v = CliRun.of(verify.toArray(new String[0]));
    assertEquals(0, v.exit(), v.err());
    assertEquals("VALID", new ObjectMapper().readTree(v.out()).get("verdict").asText());
    // ...and a production regulator (AWS root only) rejects the simulated attestation in it.
    CliRun aws =
        CliRun.of(
            "verify",
            out.resolve("result.jwt").toString(),
            "--pcr",
            "0=" + report.at("/evidence/expectedPcrs/0").asText());
    assertEquals(1, aws.exit(), aws.err());
    assertTrue(aws.err().contains("attestation-untrusted-root"), aws.err());
    // The attestation the producer verified checks out with the attestation command too.
    CliRun att =
        CliRun.of(
            "attestation",
            "verify",
            out.resolve("attestation.b64").toString(),
            "--root",
            out.resolve("simulation-root.pem").toString(),
            "--nonce",
            report.at("/evidence/producerNonce").asText(),
            "--at",
            "document");
    assertEquals(0, att.exit(), att.err());
    // The audit log verifies offline under the attested enclave DID, and not under another one.
    CliRun audit =
        CliRun.of(
            "audit",
            "verify",
            out.resolve("audit.jsonl").toString(),
            "--json",
            "--max-head-age",
            "PT10M",
            "--result",
            out.resolve("result.jwt").toString(),
            "--enclave-did",
            report.at("/evidence/enclaveDid").asText());
    assertEquals(0, audit.exit(), audit.err());
    assertEquals(
        new ObjectMapper().readTree(audit.out()),
        new ObjectMapper().readTree(out.resolve("audit-verify.json").toFile()));
    CliRun otherDid =
        CliRun.of(
            "audit",
            "verify",
            out.resolve("audit.jsonl").toString(),
            "--enclave-did",
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK");
    assertEquals(1, otherDid.exit(), otherDid.err());
    assertTrue(otherDid.err().contains("audit-head-wrong-enclave"), otherDid.err());
  }

  @Test
  void withoutAnEnclaveJarTheDemoIsAnEnvironmentError() {
    CliRun r =
        CliRun.of(
            "demo",
            "--out",
            tmp.resolve("o").toString(),
            "--enclave-jar",
            tmp.resolve("none.jar").toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("not found"), r.err());
  }

  @Test
  void withoutTheHostApplicationTheDemoIsAnEnvironmentError() throws Exception {
    Path jar = Files.write(tmp.resolve("enclave.jar"), new byte[] {1});
    CliRun r =
        CliRun.of(
            "demo",
            "--out",
            tmp.resolve("o").toString(),
            "--enclave-jar",
            jar.toString(),
            "--host-app",
            tmp.resolve("none/quarkus-run.jar").toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("host application"), r.err());
  }
}
