package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DidCommandTest {
  private static final String DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new DidCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void resolvingADidKeyWithJsonPrintsTheResolutionResultAndExitsZero() throws Exception {
    Run r = run("resolve", DID, "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertEquals(DID, json.path("didDocument").path("id").asText());
    assertEquals(
        "application/did+ld+json", json.path("didResolutionMetadata").path("contentType").asText());
  }

  @Test
  void resolvingWithoutJsonWritesNothingToStdoutAndASummaryToStderr() {
    Run r = run("resolve", DID);
    assertEquals(0, r.exit());
    assertEquals("", r.out());
    assertTrue(r.err().contains("assertionMethod"));
  }

  @Test
  void aMalformedDidExitsOneAndPrintsInvalidDid() throws Exception {
    Run r = run("resolve", "did:key:z6Mkabc", "--json");
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("invalidDid: "), r.err());
    assertEquals(
        "invalidDid",
        new ObjectMapper().readTree(r.out()).path("didResolutionMetadata").path("error").asText());
  }

  @Test
  void aVersionIdThatDoesNotExistExitsOneWithNotFound() {
    Run r = run("resolve", DID, "--version-id", "3");
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("notFound: "), r.err());
  }

  @Test
  void aVersionTimeIsAcceptedForADidKey() {
    assertEquals(0, run("resolve", DID, "--version-time", "2020-01-01T00:00:00+01:00").exit());
  }

  @Test
  void aMalformedVersionTimeOrBothVersionOptionsAreUsageErrors() {
    assertEquals(2, run("resolve", DID, "--version-time", "yesterday").exit());
    assertEquals(
        2,
        SovereignCli.commandLine()
            .setErr(new PrintWriter(new StringWriter()))
            .execute(
                "did",
                "resolve",
                DID,
                "--version-id",
                "1",
                "--version-time",
                "2020-01-01T00:00:00Z"));
  }

  @Test
  void theDidKeyPublicKeyFormatCanBeChosen() throws Exception {
    Run r = run("resolve", DID, "--json", "--option", "publicKeyFormat=Ed25519VerificationKey2018");
    JsonNode vm =
        new ObjectMapper().readTree(r.out()).path("didDocument").path("verificationMethod").get(0);
    assertEquals("Ed25519VerificationKey2018", vm.path("type").asText());
    assertEquals(
        "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS", vm.path("publicKeyBase58").asText());
  }

  @Test
  void anUnsupportedRepresentationExitsOneWithRepresentationNotSupported() {
    Run r = run("resolve", DID, "--accept", "application/did+cbor");
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("representationNotSupported: "), r.err());
  }

  @Test
  void anUnknownMethodExitsOneWithMethodNotSupported() {
    Run r = run("resolve", "did:web:example.com");
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("methodNotSupported: "), r.err());
  }
}
