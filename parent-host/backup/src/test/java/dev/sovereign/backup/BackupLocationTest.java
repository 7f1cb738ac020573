package dev.sovereign.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Normalisation and the segment-wise "under" test of backup locations. */
class BackupLocationTest {
  private static final BackupLocation EU = BackupLocation.parse("s3://acme-backups/eu");

  private static boolean under(String s) {
    return BackupLocation.parse(s).isUnder(EU);
  }

  @Test
  void anS3PrefixIsUnderItsLocationOnlySegmentBySegment() {
    assertTrue(under("s3://acme-backups/eu"));
    assertTrue(under("s3://acme-backups/eu/"));
    assertTrue(under("s3://acme-backups/eu/daily"));
    assertTrue(under("s3://acme-backups//eu/./daily/"));
    assertTrue(under("s3://acme-backups/eu/x/../daily"));
    assertFalse(under("s3://acme-backups/eu-evil"));
    assertFalse(under("s3://acme-backups/euro"));
    assertFalse(under("s3://acme-backups/EU"));
    assertFalse(under("s3://acme-backups"));
    assertFalse(under("s3://acme-backups/eu/../us"));
    assertFalse(under("s3://acme-backups-eu/eu"));
    assertFalse(under("s3://other/eu"));
    assertFalse(
        BackupLocation.parse("/srv/acme-backups/eu").isUnder(EU),
        "a directory is never under an S3 location");
    assertFalse(EU.isUnder(BackupLocation.parse("/")), "nor S3 under a directory");
  }

  @Test
  void malformedOrEscapingS3LocationsAreUsageErrors() {
    for (String bad :
        List.of(
            "s3://acme-backups/../eu",
            "s3://acme-backups/eu/../../x",
            "s3://Acme/eu",
            "s3://ab/eu",
            "s3:///eu",
            "s3://acme-backups/eu/%2e%2e/us",
            "s3://acme-backups/eu\\..\\us",
            "s3://acme-backups/eu/a b",
            "s3://acme..backups/eu",
            "s3://acme-backups/eu/\u0000",
            "https://acme-backups/eu")) {
      assertThrows(IllegalArgumentException.class, () -> BackupLocation.parse(bad), bad);
    }
  }

  @Test
  void locationsAreNormalisedForDisplayAndKeys() {
    BackupLocation.S3 l =
        (BackupLocation.S3) BackupLocation.parse("S3://acme-backups//eu/./daily/");
    assertEquals("s3://acme-backups/eu/daily", l.toString());
    assertEquals("eu/daily/EU/x.sealed", l.key("EU", "x.sealed"));
    assertEquals(
        "EU/x.sealed",
        ((BackupLocation.S3) BackupLocation.parse("s3://acme-backups")).key("EU", "x.sealed"));
    assertTrue(
        BackupLocation.parse("/srv/b/eu/../eu/x").isUnder(BackupLocation.parse("/srv/b/eu")));
    assertFalse(BackupLocation.parse("/srv/b/eu-evil").isUnder(BackupLocation.parse("/srv/b/eu")));
    assertFalse(BackupLocation.parse("/srv/b/eu/../us").isUnder(BackupLocation.parse("/srv/b/eu")));
  }

  @Test
  void aDirectoryReachedThroughALinkThatLeavesTheAllowedLocationIsNotUnderIt(@TempDir Path tmp)
      throws Exception {
    Path eu = Files.createDirectories(tmp.resolve("backups/eu"));
    Path us = Files.createDirectories(tmp.resolve("backups/us"));
    Files.createSymbolicLink(eu.resolve("daily"), us); // an EU path that lands in the US directory
    BackupLocation allowed = BackupLocation.parse(eu.toString());
    assertFalse(BackupLocation.parse(eu.resolve("daily").toString()).isUnder(allowed));
    assertFalse(
        BackupLocation.parse(eu.resolve("daily/2026").toString()).isUnder(allowed),
        "nor anything below the link, existing or not");
    assertTrue(BackupLocation.parse(eu.resolve("weekly/2026").toString()).isUnder(allowed));
  }

  @Test
  void anAllowedLocationThatIsItselfALinkIsComparedByWhereItLeads(@TempDir Path tmp)
      throws Exception {
    Path eu = Files.createDirectories(tmp.resolve("mnt/eu"));
    Path link = Files.createSymbolicLink(tmp.resolve("eu-backups"), eu);
    BackupLocation allowed = BackupLocation.parse(link.toString());
    assertTrue(BackupLocation.parse(eu.resolve("daily").toString()).isUnder(allowed));
    assertTrue(BackupLocation.parse(link.resolve("daily").toString()).isUnder(allowed));
    assertFalse(BackupLocation.parse(tmp.resolve("mnt").toString()).isUnder(allowed));
  }

  @Test
  void aDanglingLinkIsUnderNothing(@TempDir Path tmp) throws Exception {
    Path eu = Files.createDirectories(tmp.resolve("eu"));
    Files.createSymbolicLink(eu.resolve("gone"), tmp.resolve("nowhere"));
    assertFalse(
        BackupLocation.parse(eu.resolve("gone/x").toString())
            .isUnder(BackupLocation.parse(eu.toString())));
  }
}
