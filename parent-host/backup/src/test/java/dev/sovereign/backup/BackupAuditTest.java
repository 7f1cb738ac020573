package dev.sovereign.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.crypto.audit.ChainBrokenException;
import dev.sovereign.crypto.audit.HashChain;
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

class BackupAuditTest {
  @TempDir Path dir;

  private Path fourJobs() throws Exception {
    Path file = dir.resolve("backup/audit.log");
    new BackupAudit(file, Clock.systemUTC())
        .append("BACKUP_CREATED", Map.of("zone", "EU", "sha256", BackupAudit.sha256(new byte[3])));
    new BackupAudit(file, Clock.systemUTC())
        .append("BACKUP_REFUSED", Map.of("zone", "EU", "reason", "LOCATION_NOT_ALLOWED"));
    BackupAudit again = new BackupAudit(file, Clock.systemUTC());
    again.append("BACKUP_EXPIRED_DELETED", Map.of("zone", "EU", "name", "eu-1.sealed"));
    again.append("RESTORE_REFUSED", Map.of("zone", "EU", "reason", "SHA256_MISMATCH"));
    return file;
  }

  private static ChainBrokenException rejected(Path file, List<String> lines) throws Exception {
    Files.write(file, lines, StandardCharsets.UTF_8);
    ChainBrokenException e =
        assertThrows(ChainBrokenException.class, () -> BackupAudit.verify(file));
    assertEquals("AUDIT_CHAIN_BROKEN", e.code());
    return e;
  }

  @Test
  void aLogTheBackupJobsWroteVerifiesInTheKeyBrokersFormat() throws Exception {
    Path file = fourJobs();
    HashChain.Verified v = BackupAudit.verify(file);
    assertEquals(4, v.entries());
    List<String> lines = Files.readAllLines(file);
    assertEquals(HashChain.sha256Hex(lines.get(3).getBytes(StandardCharsets.UTF_8)), v.head());
    var first = new ObjectMapper().readTree(lines.get(0));
    assertEquals(List.of("n", "time", "event", "fields", "prev"), iterate(first.fieldNames()));
    assertEquals(HashChain.GENESIS, first.path("prev").asText());
  }

  @Test
  void aCutLogIsRejectedOrShowsAnotherHead() throws Exception {
    Path file = fourJobs();
    byte[] whole = Files.readAllBytes(file);
    String published = BackupAudit.verify(file).head();
    Files.write(file, Arrays.copyOf(whole, whole.length - 5));
    ChainBrokenException e =
        assertThrows(ChainBrokenException.class, () -> BackupAudit.verify(file));
    assertEquals("AUDIT_CHAIN_BROKEN", e.code());
    assertEquals(4, e.line());
    List<String> lines = HashChain.lines(dev.sovereign.crypto.audit.AuditFormat.EVENT_LINES, whole);
    Files.write(file, lines.subList(0, 2), StandardCharsets.UTF_8);
    assertNotEquals(published, BackupAudit.verify(file).head());
    assertEquals(3, rejected(file, List.of(lines.get(0), lines.get(1), lines.get(3))).line());
  }

  @Test
  void anEditedOrReorderedLogIsRejectedWhereTheChainBreaks() throws Exception {
    Path file = fourJobs();
    List<String> lines = Files.readAllLines(file);
    List<String> edited = new ArrayList<>(lines);
    edited.set(1, edited.get(1).replace("LOCATION_NOT_ALLOWED", "OK"));
    assertEquals(3, rejected(file, edited).line());
    List<String> swapped = new ArrayList<>(lines);
    swapped.set(2, lines.get(3));
    swapped.set(3, lines.get(2));
    assertEquals(3, rejected(file, swapped).line());
  }

  private static List<String> iterate(java.util.Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
