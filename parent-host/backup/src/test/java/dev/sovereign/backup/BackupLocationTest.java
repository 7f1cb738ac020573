package dev.sovereign.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

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
}
