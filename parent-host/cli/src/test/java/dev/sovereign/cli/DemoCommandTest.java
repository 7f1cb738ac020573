package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

  @TempDir Path tmp;

  @Test
  void theDemoRunsEveryStepWritesTheEvidenceAndExitsZero() throws Exception {
    Path jar = tmp.resolve("enclave.jar");
    try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o)) {
      j.putNextEntry(new JarEntry("Main.class"));
      j.write(new byte[] {1, 2, 3});
      j.closeEntry();
    }
    Path out = tmp.resolve("demo-out");
    CliRun r = CliRun.of("demo", "--out", out.toString(), "--state", tmp.resolve("state").toString(), "--enclave-jar", jar.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertEquals(report.get("total").asInt(), report.get("behaved").asInt());
    for (JsonNode step : report.get("steps")) {
      assertEquals("behaved", step.get("outcome").asText(), step.toString());
      assertTrue(r.err().contains(step.get("name").asText()), "narrated: " + step.get("name"));
    }
    for (String f : new String[] {"attestation.cose", "attestation.b64", "simulation-root.pem", "expected-pcrs.json",
        "verification.json", "rejected-aws-root.json", "rejected-tampered.json", "rejected-wrong-nonce.json",
        "rejected-stale.json", "rejected-unknown-image.json", "report.json"}) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }
    // The evidence verifies on its own with the CLI, the way a regulator would check it.
    CliRun verify = CliRun.of("attestation", "verify", out.resolve("attestation.b64").toString(),
        "--root", out.resolve("simulation-root.pem").toString(), "--nonce", report.at("/evidence/producerNonce").asText());
    assertEquals(0, verify.exit(), verify.err());
  }

  @Test
  void withoutAnEnclaveJarTheDemoIsAnEnvironmentError() {
    CliRun r = CliRun.of("demo", "--out", tmp.resolve("o").toString(), "--enclave-jar", tmp.resolve("none.jar").toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("not found"), r.err());
  }
}
