package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.backup.BackupAudit;
import dev.sovereign.keybroker.AuditLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sovereign backup} against a scripted host admin API (the real endpoints are exercised in
 * the host's HostEndToEndTest): locations and retention from the zone's policy, the enclave's
 * refusal code passed through, and every decision in a hash-chained audit log.
 */
class BackupCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] BLOB = ScriptedHostApi.BLOB;

  @TempDir Path dir;
  private ScriptedHostApi host;
  private List<String> restored;
  private Path policy;
  private Path audit;

  @BeforeEach
  void scriptedHost() throws IOException {
    host = new ScriptedHostApi();
    restored = host.restored;
    policy = dir.resolve("backup-policy.json");
    Files.writeString(
        policy,
        """
        {"zones": {"EU": {"retention": "P90D", "locations": ["%s"]},
                   "US": {"retention": "P30D", "locations": ["%s"]}}}
        """
            .formatted(dir.resolve("eu-backups"), dir.resolve("us-backups")));
    audit = dir.resolve("audit/backup-audit.log");
  }

  @AfterEach
  void stop() {
    host.close();
  }

  private String url() {
    return host.url();
  }

  private CliRun create(String zone, Path to) {
    return CliRun.of(
        "backup",
        "create",
        "--host",
        url(),
        "--token-file",
        TokenFiles.of(dir, "t0ken"),
        "--policy",
        policy.toString(),
        "--audit",
        audit.toString(),
        "--zone",
        zone,
        "--to",
        to.toString(),
        "--json");
  }

  /** {@code backup create} of zone EU with {@code tokenArgs} as the only way to the token. */
  private CliRun createEuWith(String... tokenArgs) {
    List<String> args = new java.util.ArrayList<>(List.of("backup", "create", "--host", url()));
    args.addAll(List.of(tokenArgs));
    args.addAll(
        List.of(
            "--policy",
            policy.toString(),
            "--audit",
            audit.toString(),
            "--zone",
            "EU",
            "--to",
            dir.resolve("eu-backups").toString()));
    return CliRun.of(args.toArray(new String[0]));
  }

  @Test
  void aTokenGivenAsAnArgumentIsRefusedBeforeAnythingReachesTheHost() {
    CliRun r = createEuWith("--token", "s3cret-on-the-command-line");
    assertEquals(SovereignCli.USAGE, r.exit(), r.err());
    assertTrue(r.err().contains("SOVEREIGN_ADMIN_TOKEN or --token-file"), r.err());
    assertFalse(r.err().contains("s3cret-on-the-command-line"), "the refusal never echoes it");
    assertEquals(0, host.seals.get(), "nothing reached the host");
  }

  @Test
  void aTokenFileOtherUsersCanReadIsRefusedWithoutPrintingIt() throws IOException {
    for (String mode : List.of("rw-r-----", "rw----r--", "rw--w----", "rw-rw-rw-")) {
      Path f = Path.of(TokenFiles.of(dir, "t0ken"));
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
      CliRun r = createEuWith("--token-file", f.toString());
      assertEquals(SovereignCli.USAGE, r.exit(), mode + ": " + r.err());
      assertTrue(r.err().contains("may be read or written by other users"), r.err());
      assertFalse(r.err().contains("t0ken"), "the refusal never prints the secret");
    }
    assertEquals(0, host.seals.get(), "nothing reached the host");
  }

  @Test
  void anEmptyOrMissingTokenFileIsAUsageError() {
    Path empty = Path.of(TokenFiles.of(dir, ""));
    for (Path f : List.of(empty, dir.resolve("no-such-token"), dir)) {
      CliRun r = createEuWith("--token-file", f.toString());
      assertEquals(SovereignCli.USAGE, r.exit(), f + ": " + r.err());
      assertTrue(r.err().contains("--token-file"), r.err());
    }
    assertEquals(0, host.seals.get(), "nothing reached the host");
  }

  @Test
  void aBackupIsStoredOnlyInALocationItsZoneAllowsAndExpiredOnesAreDeleted() throws Exception {
    Path eu = dir.resolve("eu-backups");
    CliRun refused = create("EU", dir.resolve("us-backups"));
    assertEquals(1, refused.exit(), refused.err());
    assertTrue(refused.err().contains("location-not-allowed"));
    assertEquals(1, create("MARS", eu).exit());

    // an EU backup from 91 days ago, past the 90-day retention
    Files.createDirectories(eu);
    Instant old = Instant.now().minus(Duration.ofDays(91));
    Files.write(eu.resolve("sovereign-EU-1.sealed"), BLOB);
    Files.writeString(
        eu.resolve("sovereign-EU-1.sealed.json"),
        "{\"zone\":\"EU\",\"createdAt\":\""
            + old
            + "\",\"sha256\":\""
            + BackupAudit.sha256(BLOB)
            + "\"}");
    CliRun ok = create("EU", eu);
    assertEquals(0, ok.exit(), ok.err());
    JsonNode out = JSON.readTree(ok.out());
    assertEquals("stored", out.get("outcome").asText());
    assertEquals("sovereign-EU-1.sealed", out.get("deletedExpired").get(0).asText());
    assertFalse(Files.exists(eu.resolve("sovereign-EU-1.sealed")));
    assertArrayEquals(BLOB, Files.readAllBytes(Path.of(out.get("file").asText())));

    CliRun back =
        CliRun.of(
            "backup",
            "restore",
            "--host",
            url(),
            "--token-file",
            TokenFiles.of(dir, "t0ken"),
            "--policy",
            policy.toString(),
            "--audit",
            audit.toString(),
            "--from",
            out.get("file").asText());
    assertEquals(0, back.exit(), back.err());

    AuditLog.Verified chain = AuditLog.verify(audit);
    assertEquals(5, chain.entries());
    String log = Files.readString(audit);
    for (String event :
        List.of("BACKUP_REFUSED", "BACKUP_CREATED", "BACKUP_EXPIRED_DELETED", "RESTORED")) {
      assertTrue(log.contains("\"" + event + "\""), event);
    }
    assertFalse(
        log.contains(Base64.getEncoder().encodeToString(BLOB)), "the audit log never holds a blob");
  }

  @Test
  void anExpiredBackupIsRefusedBeforeAnythingIsSentAndATamperedOneWithTheEnclavesReason()
      throws Exception {
    Path us = dir.resolve("us-backups");
    Files.createDirectories(us);
    Files.write(us.resolve("sovereign-US-1.sealed"), BLOB);
    Files.writeString(
        us.resolve("sovereign-US-1.sealed.json"),
        "{\"zone\":\"US\",\"createdAt\":\""
            + Instant.now().minus(Duration.ofDays(31))
            + "\",\"sha256\":\""
            + BackupAudit.sha256(BLOB)
            + "\"}");
    CliRun expired =
        CliRun.of(
            "backup",
            "restore",
            "--host",
            url(),
            "--token-file",
            TokenFiles.of(dir, "t0ken"),
            "--policy",
            policy.toString(),
            "--audit",
            audit.toString(),
            "--from",
            us.resolve("sovereign-US-1.sealed").toString());
    assertEquals(1, expired.exit());
    assertTrue(expired.err().contains("backup-expired"));
    assertTrue(restored.isEmpty(), "nothing was sent to the host");

    byte[] tampered = BLOB.clone();
    tampered[0] ^= 1;
    Files.write(us.resolve("sovereign-US-2.sealed"), tampered);
    Files.writeString(
        us.resolve("sovereign-US-2.sealed.json"),
        "{\"zone\":\"US\",\"createdAt\":\""
            + Instant.now()
            + "\",\"sha256\":\""
            + BackupAudit.sha256(tampered)
            + "\"}");
    CliRun refused =
        CliRun.of(
            "backup",
            "restore",
            "--host",
            url(),
            "--token-file",
            TokenFiles.of(dir, "t0ken"),
            "--policy",
            policy.toString(),
            "--audit",
            audit.toString(),
            "--from",
            us.resolve("sovereign-US-2.sealed").toString(),
            "--json");
    assertEquals(1, refused.exit());
    assertEquals("seal-rejected:TAMPERED", JSON.readTree(refused.out()).get("reason").asText());
    assertEquals(2, AuditLog.verify(audit).entries());
    try (Stream<String> lines = Files.lines(audit)) {
      assertEquals(2, lines.filter(l -> l.contains("\"RESTORE_REFUSED\"")).count());
    }
  }

  @Test
  void aDirectoryBesideTheAllowedOneIsRefusedBothWaysAndTheStoredExpiryCounts() throws Exception {
    Path evil = dir.resolve("eu-backups-evil");
    CliRun sibling = create("EU", evil);
    assertEquals(1, sibling.exit(), sibling.err());
    assertEquals("location-not-allowed", JSON.readTree(sibling.out()).get("reason").asText());
    CliRun climbing = create("EU", dir.resolve("eu-backups/../us-backups"));
    assertEquals(1, climbing.exit(), climbing.err());

    // an EU backup copied outside EU's locations is not restored from there
    Files.createDirectories(evil);
    Files.write(evil.resolve("sovereign-EU-7.sealed"), BLOB);
    Files.writeString(
        evil.resolve("sovereign-EU-7.sealed.json"),
        "{\"zone\":\"EU\",\"createdAt\":\""
            + Instant.now()
            + "\",\"sha256\":\""
            + BackupAudit.sha256(BLOB)
            + "\"}");
    CliRun outside =
        CliRun.of(
            "backup",
            "restore",
            "--host",
            url(),
            "--token-file",
            TokenFiles.of(dir, "t0ken"),
            "--policy",
            policy.toString(),
            "--audit",
            audit.toString(),
            "--from",
            evil.resolve("sovereign-EU-7.sealed").toString(),
            "--json");
    assertEquals(1, outside.exit(), outside.err());
    assertEquals("location-not-allowed", JSON.readTree(outside.out()).get("reason").asText());

    // the expiry written at create time applies even when the zone's retention is longer
    Path eu = dir.resolve("eu-backups");
    Files.createDirectories(eu);
    Files.write(eu.resolve("sovereign-EU-8.sealed"), BLOB);
    Files.writeString(
        eu.resolve("sovereign-EU-8.sealed.json"),
        "{\"zone\":\"EU\",\"createdAt\":\""
            + Instant.now().minus(Duration.ofDays(2))
            + "\",\"expiresAt\":\""
            + Instant.now().minus(Duration.ofDays(1))
            + "\",\"sha256\":\""
            + BackupAudit.sha256(BLOB)
            + "\"}");
    CliRun early =
        CliRun.of(
            "backup",
            "restore",
            "--host",
            url(),
            "--token-file",
            TokenFiles.of(dir, "t0ken"),
            "--policy",
            policy.toString(),
            "--audit",
            audit.toString(),
            "--from",
            eu.resolve("sovereign-EU-8.sealed").toString(),
            "--json");
    assertEquals(1, early.exit(), early.err());
    assertEquals("backup-expired", JSON.readTree(early.out()).get("reason").asText());
    assertTrue(restored.isEmpty());

    // a new backup is written through a temporary file and renamed: nothing else is left behind
    CliRun ok = create("EU", eu);
    assertEquals(0, ok.exit(), ok.err());
    try (Stream<Path> files = Files.list(eu)) {
      List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(
          2, names.size(), names.toString()); // sovereign-EU-8 was past its stored expiry: deleted
      assertTrue(
          names.stream().allMatch(n -> n.matches("sovereign-EU-\\d+\\.sealed(\\.json)?")),
          names.toString());
    }
    assertEquals(6, AuditLog.verify(audit).entries());
  }
}
