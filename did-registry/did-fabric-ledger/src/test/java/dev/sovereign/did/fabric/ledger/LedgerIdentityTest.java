package dev.sovereign.did.fabric.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerIdentityTest {

  @Test
  void theEndorserKeyIsWrittenOwnerOnlyAndNoTemporaryFileIsLeft(@TempDir Path dir)
      throws Exception {
    LedgerIdentity.loadOrCreate(dir);
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("endorser.p8"))));
    assertFalse(Files.exists(dir.resolve("endorser.p8.tmp")));
  }

  @Test
  void aSecondLoadReadsTheSameIdentity(@TempDir Path dir) throws Exception {
    LedgerIdentity.loadOrCreate(dir);
    byte[] key = Files.readAllBytes(dir.resolve("endorser.p8"));
    LedgerIdentity.loadOrCreate(dir);
    assertEquals(
        java.util.HexFormat.of().formatHex(key),
        java.util.HexFormat.of().formatHex(Files.readAllBytes(dir.resolve("endorser.p8"))));
  }
}
