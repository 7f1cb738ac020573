package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sovereign did create|update|deactivate|log} on the embedded ledger, as a user runs them.
 */
class DidFabricCommandsTest {
  @TempDir Path dir;
  private String stdout;
  private String stderr;

  private int run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SovereignCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    stdout = out.toString();
    stderr = err.toString();
    return code;
  }

  @Test
  void createRotateExportAndDeactivateThenEveryFurtherWriteIsRejected() throws Exception {
    String data = dir.resolve("state").toString();
    Path key1 = dir.resolve("k1.json");
    Path key2 = dir.resolve("k2.json");
    assertEquals(
        0,
        run("did", "create", "--data-dir", data, "--key-out", key1.toString(), "--json"),
        stderr);
    JsonNode created = new ObjectMapper().readTree(stdout);
    String did = created.get("did").asText();
    assertTrue(did.startsWith("did:fabric:local:"));

    assertEquals(
        0,
        run(
            "did",
            "update",
            did,
            "--data-dir",
            data,
            "--key",
            key1.toString(),
            "--rotate-to",
            key2.toString()),
        stderr);
    assertEquals(
        1,
        run(
            "did",
            "update",
            did,
            "--data-dir",
            data,
            "--key",
            key1.toString(),
            "--rotate-to",
            dir.resolve("k3.json").toString()),
        stderr);
    assertTrue(stderr.startsWith("SIGNER_NOT_CONTROLLER"), stderr);

    Path log = dir.resolve("log.json");
    assertEquals(0, run("did", "log", did, "--data-dir", data, "--out", log.toString()), stderr);
    assertEquals(0, run("did", "log", did, "--verify", log.toString(), "--json"), stderr);
    assertEquals(2, new ObjectMapper().readTree(stdout).get("versions").asInt());
    Files.writeString(log, Files.readString(log).replace("\"sequence\":2", "\"sequence\":3"));
    assertEquals(1, run("did", "log", did, "--verify", log.toString()));
    assertTrue(stderr.startsWith("LOG_VERSION_ID_MISMATCH"), stderr);

    assertEquals(
        0, run("did", "log", did, "--data-dir", data, "--evidence", "enclave-nonce-1"), stderr);
    JsonNode evidence = new ObjectMapper().readTree(stdout);
    assertEquals(did, evidence.get("did").asText());
    assertTrue(evidence.get("endorsedRead").has("endorsements"));

    assertEquals(0, run("did", "resolve", did, "--data-dir", data, "--json"), stderr);
    assertTrue(stdout.contains("\"versionId\""), stdout);

    assertEquals(
        0, run("did", "deactivate", did, "--data-dir", data, "--key", key2.toString()), stderr);
    assertEquals(1, run("did", "deactivate", did, "--data-dir", data, "--key", key2.toString()));
    assertTrue(stderr.startsWith("DEACTIVATED"), stderr);
    assertEquals(1, run("did", "log", "did:fabric:local:nope", "--data-dir", data));
    assertTrue(stderr.startsWith("MALFORMED_DID"), stderr);
  }

  @Test
  void fabricNetworkSettingsThatAreIncompleteAreAUsageError() {
    assertEquals(
        2,
        run(
            "did",
            "create",
            "--data-dir",
            dir.toString(),
            "--key-out",
            dir.resolve("k.json").toString(),
            "--ledger-setting",
            "fabric.gateway=127.0.0.1:7051"));
    assertTrue(stderr.contains("fabric.cert is required"), stderr);
    assertTrue(!stderr.contains("\tat "), "no stack trace");
  }
}
