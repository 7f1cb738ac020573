package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttestCommandsTest {

  static final Path AWS_DOC =
      dev.sovereign.testing.Fixtures.vector("nitro/aws-nitro-attestation-us-east-1-2023-09-07.b64");

  /** One simulated NSM state for the whole class: creating a P-384 PKI per test costs seconds. */
  @TempDir static Path shared;

  static Path jar;
  static Path state;
  static Path root;

  @TempDir Path tmp;

  @BeforeAll
  static void setUp() throws Exception {
    jar = shared.resolve("enclave.jar");
    try (OutputStream o = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(o)) {
      j.putNextEntry(new JarEntry("Main.class"));
      j.write("enclave".getBytes(StandardCharsets.UTF_8));
      j.closeEntry();
    }
    state = shared.resolve("state");
    CliRun print = CliRun.of("attest", "--print-root", "--state", state.toString());
    assertEquals(0, print.exit(), print.err());
    assertTrue(print.out().startsWith("-----BEGIN CERTIFICATE-----"));
    root = Files.writeString(shared.resolve("root.pem"), print.out());
  }

  private Path attest(String... extra) {
    Path out = tmp.resolve("doc-" + System.nanoTime() + ".cose");
    String[] base = {
      "attest",
      "--simulate-nsm",
      "--state",
      state.toString(),
      "--enclave-jar",
      jar.toString(),
      "--out",
      out.toString()
    };
    String[] args =
        java.util.stream.Stream.concat(
                java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
            .toArray(String[]::new);
    CliRun r = CliRun.of(args);
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().contains("simulated NSM"), r.err());
    return out;
  }

  @Test
  void aSimulatedDocumentVerifiesWithTheSimulationRootAndItsNonce() {
    Path doc = attest("--nonce", "00ff00ff");
    CliRun r =
        CliRun.of(
            "attestation",
            "verify",
            doc.toString(),
            "--root",
            root.toString(),
            "--nonce",
            "00ff00ff",
            "--max-age",
            "5m");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().startsWith("VALID "), r.err());
  }

  @Test
  void withoutRootTheAwsRootIsTheOnlyAnchorSoASimulatedDocumentIsRejected() {
    Path doc = attest();
    CliRun r = CliRun.of("attestation", "verify", doc.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("REJECTED UNTRUSTED_ROOT"), r.err());
  }

  @Test
  void aWrongNonceIsRejectedWithItsCode() {
    Path doc = attest("--nonce", "01");
    CliRun r =
        CliRun.of(
            "attestation", "verify", doc.toString(), "--root", root.toString(), "--nonce", "02");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("NONCE_MISMATCH"), r.err());
  }

  @Test
  void userDataAndPublicKeyFilesEndUpInTheDocument() throws Exception {
    Path userData = Files.write(tmp.resolve("ud.bin"), new byte[] {1, 2, 3});
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    byte[] spki = g.generateKeyPair().getPublic().getEncoded();
    Path pem =
        Files.writeString(
            tmp.resolve("pk.pem"),
            "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(spki)
                + "\n-----END PUBLIC KEY-----\n");
    Path doc = attest("--user-data", userData.toString(), "--public-key", pem.toString());
    CliRun r =
        CliRun.of("attestation", "verify", doc.toString(), "--root", root.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode report = parse(r.out());
    assertEquals("010203", report.at("/document/userData").asText());
    assertEquals(
        java.util.HexFormat.of().formatHex(spki), report.at("/document/publicKey").asText());
  }

  @Test
  void pinnedPcrsComeFromTheCommandLineAndAMismatchIsRejected() throws Exception {
    Path doc = attest();
    String pcr0 =
        java.util.HexFormat.of()
            .formatHex(dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements.pcr0(jar));
    CliRun ok =
        CliRun.of(
            "attestation",
            "verify",
            doc.toString(),
            "--root",
            root.toString(),
            "--pcr",
            "0=" + pcr0);
    assertEquals(0, ok.exit(), ok.err());
    CliRun bad =
        CliRun.of(
            "attestation",
            "verify",
            doc.toString(),
            "--root",
            root.toString(),
            "--pcr",
            "0=" + "ab".repeat(48));
    assertEquals(1, bad.exit());
    assertTrue(bad.err().contains("PCR_MISMATCH"), bad.err());
    CliRun missing =
        CliRun.of(
            "attestation",
            "verify",
            doc.toString(),
            "--root",
            root.toString(),
            "--pcr",
            "20=" + "ab".repeat(48));
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("PCR_MISSING"), missing.err());
  }

  @Test
  void theRealAwsDocumentVerifiesAtItsOwnTimestampWithDebugAllowed() {
    CliRun r =
        CliRun.of("attestation", "verify", AWS_DOC.toString(), "--at", "document", "--allow-debug");
    assertEquals(0, r.exit(), r.err());
    CliRun at =
        CliRun.of(
            "attestation",
            "verify",
            AWS_DOC.toString(),
            "--at",
            "2023-09-07T16:00:00Z",
            "--allow-debug");
    assertEquals(0, at.exit(), at.err());
  }

  @Test
  void theRealAwsDocumentIsRejectedNowWithoutDebugAndAgainstTheSimulationRoot() {
    CliRun now = CliRun.of("attestation", "verify", AWS_DOC.toString(), "--now", "--allow-debug");
    assertEquals(1, now.exit());
    assertTrue(now.err().contains("REJECTED EXPIRED"), now.err());
    CliRun debug = CliRun.of("attestation", "verify", AWS_DOC.toString(), "--at", "document");
    assertEquals(1, debug.exit());
    assertTrue(debug.err().contains("REJECTED DEBUG_MODE"), debug.err());
    CliRun sim =
        CliRun.of(
            "attestation",
            "verify",
            AWS_DOC.toString(),
            "--at",
            "document",
            "--allow-debug",
            "--root",
            root.toString());
    assertEquals(1, sim.exit());
    assertTrue(sim.err().contains("REJECTED UNTRUSTED_ROOT"), sim.err());
  }

  @Test
  void rawAndBase64FilesAreBothAcceptedAndAFlippedByteIsRejected() throws Exception {
    byte[] raw = Base64.getMimeDecoder().decode(Files.readString(AWS_DOC).trim());
    Path rawFile = Files.write(tmp.resolve("aws.cose"), raw);
    assertEquals(
        0,
        CliRun.of("attestation", "verify", rawFile.toString(), "--at", "document", "--allow-debug")
            .exit());
    raw[raw.length - 10] ^= 0x01; // inside the signature
    Path flipped = Files.write(tmp.resolve("flipped.cose"), raw);
    CliRun r =
        CliRun.of("attestation", "verify", flipped.toString(), "--at", "document", "--allow-debug");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("SIGNATURE_INVALID"), r.err());
  }

  @Test
  void theJsonReportListsEveryCheckAndWhereVerificationStopped() throws Exception {
    CliRun r =
        CliRun.of(
            "attestation",
            "verify",
            AWS_DOC.toString(),
            "--now",
            "--allow-debug",
            "--nonce",
            "00",
            "--json");
    assertEquals(1, r.exit());
    JsonNode report = parse(r.out());
    assertEquals("REJECTED", report.get("result").asText());
    assertEquals("EXPIRED", report.get("reason").asText());
    JsonNode checks = report.get("checks");
    assertEquals(10, checks.size());
    assertEquals("passed", checks.get(0).get("status").asText());
    assertEquals("passed", checks.get(2).get("status").asText());
    assertEquals("validity", checks.get(3).get("name").asText());
    assertEquals("failed", checks.get(3).get("status").asText());
    assertEquals("not-run", checks.get(4).get("status").asText());
    assertEquals(
        "not-requested", checks.get(5).get("status").asText(), "max-age was not asked for");
    assertEquals("not-run", checks.get(9).get("status").asText());
    assertEquals(
        "i-0644948d93f19c17b-enc018a705a4fc6e067",
        report.at("/unverifiedDocument/moduleId").asText());
    assertTrue(
        report.get("document") == null, "a rejected document is only reported as unverified");
  }

  @Test
  void withoutSimulateNsmAttestNeedsTheNsmDeviceAndNeverSimulatesSilently() {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        Files.exists(Path.of("/dev/nsm")), "this machine has /dev/nsm (a Nitro Enclave)");
    Path out = tmp.resolve("none.cose");
    CliRun r =
        CliRun.of(
            "attest",
            "--state",
            state.toString(),
            "--enclave-jar",
            jar.toString(),
            "--out",
            out.toString());
    assertEquals(2, r.exit(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(
        r.err().startsWith("sovereign attest: no NSM device at /dev/nsm")
            && r.err().contains("--simulate-nsm"),
        r.err());
    assertTrue(!Files.exists(out), "no document written");
    CliRun role =
        CliRun.of(
            "attest", "--parent-role", "arn:aws:iam::123456789012:role/r", "--out", out.toString());
    assertEquals(2, role.exit());
    assertTrue(role.err().contains("give --simulate-nsm"), role.err());
  }

  @Test
  void usageErrorsExitWithTwoAndNoStackTrace() {
    CliRun noOut =
        CliRun.of("attest", "--state", state.toString(), "--enclave-jar", jar.toString());
    assertEquals(2, noOut.exit());
    assertTrue(noOut.err().contains("--out"), noOut.err());
    CliRun badHex =
        CliRun.of(
            "attest",
            "--state",
            state.toString(),
            "--enclave-jar",
            jar.toString(),
            "--nonce",
            "xyz",
            "--out",
            tmp.resolve("x").toString());
    assertEquals(2, badHex.exit());
    CliRun noJar =
        CliRun.of(
            "attest",
            "--simulate-nsm",
            "--state",
            state.toString(),
            "--enclave-jar",
            tmp.resolve("none.jar").toString(),
            "--out",
            tmp.resolve("x").toString());
    assertEquals(2, noJar.exit());
    assertTrue(noJar.err().contains("not found"), noJar.err());
    CliRun bigNonce =
        CliRun.of(
            "attest",
            "--simulate-nsm",
            "--state",
            state.toString(),
            "--enclave-jar",
            jar.toString(),
            "--nonce",
            "00".repeat(1025),
            "--out",
            tmp.resolve("x").toString());
    assertEquals(2, bigNonce.exit());
    assertTrue(bigNonce.err().contains("InputTooLarge"), bigNonce.err());
    CliRun both =
        CliRun.of("attestation", "verify", AWS_DOC.toString(), "--now", "--at", "document");
    assertEquals(2, both.exit());
    CliRun noFile = CliRun.of("attestation", "verify", tmp.resolve("missing").toString());
    assertEquals(2, noFile.exit());
    CliRun badAge = CliRun.of("attestation", "verify", AWS_DOC.toString(), "--max-age", "soon");
    assertEquals(2, badAge.exit());
    CliRun badPcr = CliRun.of("attestation", "verify", AWS_DOC.toString(), "--pcr", "0=abcd");
    assertEquals(2, badPcr.exit());
    for (CliRun r : new CliRun[] {noOut, badHex, noJar, bigNonce, both, noFile, badAge, badPcr}) {
      assertFalse(r.err().contains("\tat "), r.err());
    }
  }

  private static JsonNode parse(String json) throws Exception {
    return new ObjectMapper().readTree(json);
  }
}
