package dev.sovereign.fabric.localnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's contract with {@code scripts/fabric-network.sh}, against a stand-in script that
 * records how it was called (the real network runs in the Fabric integration tests).
 */
class LocalFabricNetworkTest {

  @TempDir Path dir;

  /** A script that logs every call to {@code calls} and behaves as {@code upBody} on {@code up}. */
  private Path script(String upBody) throws IOException {
    Path s = dir.resolve("fabric-network.sh");
    Files.writeString(
        s,
        "#!/bin/sh\n"
            + "echo \"$@\" >> "
            + dir.resolve("calls")
            + "\n"
            + "case \"$1\" in\n"
            + "  up) "
            + upBody
            + " ;;\n"
            + "  *) exit 0 ;;\n"
            + "esac\n",
        StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
    return s;
  }

  private List<String> calls() throws IOException {
    return Files.readAllLines(dir.resolve("calls"));
  }

  private static final String PROPERTIES =
      "channel=sovereign\\n"
          + "chaincode=didfabric\\n"
          + "caMode=cryptogen\\n"
          + "org1.mspId=Org1MSP\\norg1.ca=/s/org1-ca.pem\\norg1.peer.address=127.0.0.1:7051\\n"
          + "org1.peer.hostname=peer0.org1\\norg1.peer.tlsCa=/s/org1-tls.pem\\n"
          + "org1.user.cert=/s/u1.pem\\norg1.user.key=/s/u1.key\\n"
          + "org2.mspId=Org2MSP\\norg2.ca=/s/org2-ca.pem\\norg2.peer.address=127.0.0.1:9051\\n"
          + "org2.peer.hostname=peer0.org2\\norg2.peer.tlsCa=/s/org2-tls.pem\\n"
          + "org2.user.cert=/s/u2.pem\\norg2.user.key=/s/u2.key\\n";

  /** An {@code up} that writes the properties into the {@code --state} directory ($5). */
  private static final String UP_OK = "printf '" + PROPERTIES + "' > \"$5/network.properties\"";

  @Test
  void aNetworkThatFailsToComeUpIsStoppedAndTheErrorSaysWhatTheScriptSaid() throws Exception {
    Path script = script("echo 'peer-org2 did not start; see logs/peer-org2.log'; exit 3");
    Path state = dir.resolve("state");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                LocalFabricNetwork.start(
                    script, dir.resolve("fabric"), state, Map.of(), Duration.ofSeconds(30)));
    assertTrue(e.getMessage().contains("failed (3)"), e.getMessage());
    assertTrue(e.getMessage().contains("peer-org2 did not start"), e.getMessage());
    List<String> calls = calls();
    assertEquals(2, calls.size(), calls.toString());
    assertTrue(calls.get(1).equals("down --state " + state), calls.toString());
  }

  @Test
  void anUpThatDoesNotFinishInTimeIsStoppedAndNamesWhereTheLogsAre() throws Exception {
    Path script = script("sleep 30");
    Path state = dir.resolve("state");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                LocalFabricNetwork.start(
                    script, dir.resolve("fabric"), state, Map.of(), Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("did not finish in 1 s"), e.getMessage());
    assertTrue(e.getMessage().contains(state.resolve("logs").toString()), e.getMessage());
    assertTrue(calls().contains("down --state " + state), calls().toString());
  }

  @Test
  void upIsToldTheReleaseTheStateThisJvmToWatchAndTheExtraOptionsAndCloseStopsItOnce()
      throws Exception {
    Path script = script(UP_OK);
    Path state = dir.resolve("state");
    Path home = dir.resolve("fabric");
    LocalFabricNetwork net =
        LocalFabricNetwork.start(
            script, home, state, Map.of("--batch-timeout", "1s"), Duration.ofSeconds(30));
    assertEquals(
        "up --fabric-home "
            + home
            + " --state "
            + state
            + " --watch-pid "
            + ProcessHandle.current().pid()
            + " --batch-timeout 1s",
        calls().get(0));
    assertEquals("sovereign", net.channel());
    assertEquals(state.resolve("logs"), net.logs());
    net.close();
    net.close();
    assertEquals(List.of("down --state " + state), calls().subList(1, calls().size()));
  }

  @Test
  void theSettingsReachTheNetworkThroughOneOrganisationWithTheNamedCasPinned() throws Exception {
    Path props = dir.resolve("network.properties");
    Files.writeString(props, PROPERTIES.replace("\\n", "\n"), StandardCharsets.UTF_8);
    FabricNetworkDescription d = FabricNetworkDescription.read(props);

    Map<String, String> viaOrg2 = d.settings("org2", "org2");
    assertEquals("127.0.0.1:9051", viaOrg2.get("fabric.gateway"));
    assertEquals("Org2MSP", viaOrg2.get("fabric.mspId"));
    assertEquals("/s/u2.key", viaOrg2.get("fabric.key"));
    assertEquals("Org2MSP=/s/org2-ca.pem", viaOrg2.get("fabric.pinnedCa"));
    assertFalse(viaOrg2.containsKey("fabric.minEndorsingOrgs"));

    Map<String, String> all = d.settingsEndorsedByAll();
    assertEquals("127.0.0.1:7051", all.get("fabric.gateway"));
    assertEquals("Org1MSP=/s/org1-ca.pem,Org2MSP=/s/org2-ca.pem", all.get("fabric.pinnedCa"));
    assertEquals("2", all.get("fabric.minEndorsingOrgs"));
    assertEquals("didfabric", all.get("fabric.chaincode"));
  }

  @Test
  void aPropertyTheNetworkDidNotWriteIsNamedRatherThanReadAsNull() throws Exception {
    Path props = dir.resolve("network.properties");
    Files.writeString(props, "channel=sovereign\n", StandardCharsets.UTF_8);
    FabricNetworkDescription d = FabricNetworkDescription.read(props);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.mspId("org1"));
    assertTrue(e.getMessage().contains("org1.mspId"), e.getMessage());
    assertTrue(d.find("org1.mspId").isEmpty());
  }

  @Test
  void theCaModeIsFabricCaOnlyWhenTheReleaseHasBothFabricCaBinaries() throws Exception {
    Path home = dir.resolve("fabric");
    Files.createDirectories(home.resolve("bin"));
    assertEquals("cryptogen", LocalFabricNetwork.expectedCaMode(home));
    for (String tool : List.of("fabric-ca-server", "fabric-ca-client")) {
      Path t = home.resolve("bin").resolve(tool);
      Files.writeString(t, "#!/bin/sh\n");
      Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwx------"));
      assertEquals(
          tool.equals("fabric-ca-client") ? "fabric-ca" : "cryptogen",
          LocalFabricNetwork.expectedCaMode(home));
    }
  }

  @Test
  void theScriptIsFoundFromAnyDirectoryInsideTheCheckout() throws Exception {
    Path script = dir.resolve(LocalFabricNetwork.SCRIPT);
    Files.createDirectories(script.getParent());
    Files.writeString(script, "#!/bin/sh\n");
    Path deep = Files.createDirectories(dir.resolve("a/b/c"));
    assertEquals(script, LocalFabricNetwork.findScript(deep).orElseThrow());
    assertTrue(LocalFabricNetwork.findScript(Path.of("/")).isEmpty());
  }
}
