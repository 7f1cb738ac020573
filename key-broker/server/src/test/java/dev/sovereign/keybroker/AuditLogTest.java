package dev.sovereign.keybroker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  @TempDir Path dir;

  private Path threeEntries() throws Exception {
    AuditLog log = AuditLog.open(dir, Clock.systemUTC());
    log.append("RELEASED", Map.of("operation", "Decrypt"));
    log.append("REFUSED", Map.of("operation", "Decrypt", "reason", "ROLLBACK_REFUSED"));
    // a second writer (the admin CLI) appending to the same file keeps the chain
    AuditLog.open(dir, Clock.systemUTC())
        .append("ROLLBACK_OVERRIDE", Map.of("operatorReason", "drill"));
    return dir.resolve(AuditLog.FILE);
  }

  @Test
  void anUntouchedLogVerifiesAndReportsItsHead() throws Exception {
    Path file = threeEntries();
    AuditLog.Verified v = AuditLog.verify(file);
    assertEquals(3, v.entries());
    assertEquals(64, v.head().length());
  }

  @Test
  void editingRemovingOrReorderingALineBreaksTheChainAtThatLine() throws Exception {
    Path file = threeEntries();
    List<String> lines = Files.readAllLines(file);

    List<String> edited = new ArrayList<>(lines);
    edited.set(1, edited.get(1).replace("ROLLBACK_REFUSED", "RELEASED_OK"));
    Files.write(file, edited, StandardCharsets.UTF_8);
    assertEquals(
        3, assertThrows(AuditLog.BrokenChainException.class, () -> AuditLog.verify(file)).line());

    List<String> removed = new ArrayList<>(lines);
    removed.remove(0);
    Files.write(file, removed, StandardCharsets.UTF_8);
    assertEquals(
        1, assertThrows(AuditLog.BrokenChainException.class, () -> AuditLog.verify(file)).line());

    List<String> swapped = new ArrayList<>(lines);
    swapped.set(1, lines.get(2));
    swapped.set(2, lines.get(1));
    Files.write(file, swapped, StandardCharsets.UTF_8);
    assertEquals(
        2, assertThrows(AuditLog.BrokenChainException.class, () -> AuditLog.verify(file)).line());
  }

  @Test
  void aCutLogIsRejectedOrVerifiesOnlyWithAnotherHeadThanTheOneTheBrokerPublished()
      throws Exception {
    Path file = threeEntries();
    String published = AuditLog.open(dir, Clock.systemUTC()).head();
    byte[] whole = Files.readAllBytes(file);
    List<String> lines = Files.readAllLines(file);

    Files.write(file, Arrays.copyOf(whole, whole.length - 4));
    AuditLog.BrokenChainException e =
        assertThrows(AuditLog.BrokenChainException.class, () -> AuditLog.verify(file));
    assertEquals(3, e.line());
    assertTrue(e.getMessage().startsWith("AUDIT_CHAIN_BROKEN at line 3"), e.getMessage());

    Files.write(file, lines.subList(0, 2), StandardCharsets.UTF_8);
    AuditLog.Verified cut = AuditLog.verify(file);
    assertEquals(2, cut.entries());
    assertNotEquals(published, cut.head());
  }

  @Test
  void aBrokerRestartedAfterACrashCutItsLastAppendShortOpensTheLogAndRecordsTheDrop()
      throws Exception {
    Path file = threeEntries();
    byte[] torn = "{\"n\":4,\"time\":\"2026-12-07T15:".getBytes(StandardCharsets.UTF_8);
    Files.write(file, torn, java.nio.file.StandardOpenOption.APPEND);

    AuditLog log = AuditLog.open(dir, Clock.systemUTC());
    log.append("RELEASED", Map.of("operation", "Decrypt"));

    AuditLog.Verified v = AuditLog.verify(file);
    assertEquals(5, v.entries(), "three entries, the recorded drop, the new one");
    List<String> lines = Files.readAllLines(file);
    assertTrue(lines.get(3).contains("\"event\":\"AUDIT_TAIL_DROPPED\""), lines.get(3));
    assertTrue(lines.get(3).contains("\"bytes\":" + torn.length), lines.get(3));
    assertTrue(lines.get(4).contains("\"event\":\"RELEASED\""), lines.get(4));
  }

  @Test
  void theLogFileIsOwnerOnly() throws Exception {
    Path file = threeEntries();
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }
}
