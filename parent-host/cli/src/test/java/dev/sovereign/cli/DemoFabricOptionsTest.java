package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sovereign demo --ledger fabric} refuses a Fabric home it cannot start a network from in
 * one line naming the setting and how to fix it (exit 2), before it builds or starts anything.
 */
class DemoFabricOptionsTest {
  @TempDir Path tmp;

  private static String oneLine(CliRun r) {
    List<String> lines = r.err().lines().toList();
    assertEquals(1, lines.size(), r.err());
    return lines.get(0);
  }

  @Test
  void aFabricHomeWithoutTheFabricToolsIsOneLineNamingTheSettingAndExitTwo() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Path out = tmp.resolve("out");
    CliRun r =
        CliRun.of(
            "demo",
            "--ledger",
            "fabric",
            "--fabric-home",
            empty.toString(),
            "--out",
            out.toString());
    assertEquals(2, r.exit(), r.err());
    String line = oneLine(r);
    assertTrue(line.startsWith("sovereign demo: --fabric-home " + empty.toAbsolutePath()), line);
    assertTrue(line.contains("no executable bin/peer"), line);
    assertTrue(line.contains("pass --fabric-home DIR or set FABRIC_HOME"), line);
    assertFalse(Files.exists(out), "nothing written before the settings are right");
  }

  @Test
  void aFabricHomeWithToolsButNoConfigIsRefusedNamingTheMissingFile() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("fabric/bin"));
    for (String tool : new String[] {"peer", "orderer", "configtxgen", "osnadmin", "cryptogen"}) {
      Path t = Files.writeString(bin.resolve(tool), "#!/bin/sh\n");
      assertTrue(t.toFile().setExecutable(true));
    }
    CliRun r =
        CliRun.of(
            "demo",
            "--ledger",
            "fabric",
            "--fabric-home",
            bin.getParent().toString(),
            "--out",
            tmp.resolve("out").toString());
    assertEquals(2, r.exit(), r.err());
    assertTrue(oneLine(r).contains("has no config/core.yaml"), r.err());
  }

  @Test
  void aFabricHomeWithoutTheFabricLedgerIsRefusedRatherThanIgnored() throws Exception {
    CliRun r =
        CliRun.of("demo", "--fabric-home", tmp.toString(), "--out", tmp.resolve("out").toString());
    assertEquals(2, r.exit(), r.err());
    assertTrue(oneLine(r).contains("--fabric-home is for --ledger fabric"), r.err());
  }

  @Test
  void anUnknownLedgerIsAUsageError() {
    CliRun r = CliRun.of("demo", "--ledger", "ganache");
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().contains("--ledger"), r.err());
  }
}
