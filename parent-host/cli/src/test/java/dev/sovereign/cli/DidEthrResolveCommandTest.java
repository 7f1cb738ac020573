package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.did.ethr.EthrDidController;
import dev.sovereign.did.ethr.RegistryChange;
import dev.sovereign.testing.Anvil;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import picocli.CommandLine;

/**
 * {@code sovereign did resolve did:ethr:... --ethr-rpc URL --ethr-registry ADDRESS} against node.
 */
class DidEthrResolveCommandTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cli = SovereignCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void aDidEthrOnTheGivenNodeAndRegistryResolvesWithItsLatestVersionAndItsHistory()
      throws Exception {
    Anvil g = Anvil.shared();
    Credentials owner = Credentials.create(Keys.createEcKeyPair());
    g.fund(owner.getAddress(), BigInteger.TEN.pow(18));
    EthrDidController c =
        EthrDidController.create(Web3j.build(new HttpService(g.url())), g.registry(), owner);
    RegistryChange change =
        c.addDelegate(
            owner.getAddress(),
            "sigAuth",
            Credentials.create(Keys.createEcKeyPair()).getAddress(),
            Duration.ofDays(36500));
    String did =
        "did:ethr:0x"
            + Long.toHexString(g.chainId())
            + ":"
            + Keys.toChecksumAddress(owner.getAddress());

    Run latest =
        run(
            "did",
            "resolve",
            did,
            "--ethr-rpc",
            g.url(),
            "--ethr-registry",
            g.registry(),
            "--json");
    assertEquals(0, latest.code(), latest.err());
    JsonNode json = new ObjectMapper().readTree(latest.out());
    assertEquals(did, json.at("/didDocument/id").asText());
    assertEquals(
        Long.toString(change.blockNumber()), json.at("/didDocumentMetadata/versionId").asText());
    assertEquals(did + "#delegate-1", json.at("/didDocument/authentication/1").asText());

    Run before =
        run(
            "did",
            "resolve",
            did,
            "--ethr-rpc",
            g.url(),
            "--ethr-registry",
            g.registry(),
            "--version-id",
            Long.toString(change.blockNumber() - 1),
            "--json");
    assertEquals(0, before.code(), before.err());
    JsonNode old = new ObjectMapper().readTree(before.out());
    assertEquals(1, old.at("/didDocument/authentication").size());
    assertEquals(
        Long.toString(change.blockNumber()), old.at("/didDocumentMetadata/nextVersionId").asText());
  }

  @Test
  void aMalformedVersionIdIsRejectedWithItsReasonCodeAndHalfAConfigurationIsAUsageError() {
    Anvil g = Anvil.shared();
    String did = "did:ethr:0x539:0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1";
    Run bad =
        run(
            "did",
            "resolve",
            did,
            "--ethr-rpc",
            g.url(),
            "--ethr-registry",
            g.registry(),
            "--version-id",
            "latest");
    assertEquals(SovereignCli.REJECTED, bad.code());
    assertTrue(bad.err().contains("invalidOptions"), bad.err());
    Run half = run("did", "resolve", did, "--ethr-rpc", g.url());
    assertEquals(SovereignCli.USAGE, half.code());
  }
}
