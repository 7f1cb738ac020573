package dev.sovereign.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The backup policy file (JSON): per zone, where backups may be stored, how long they may live and
 * optionally the one S3 region they may use: {@code {"zones": {"EU": {"retention": "P90D",
 * "locations": ["/backups/eu", "s3://acme-backups/eu"], "s3Region": "eu-central-1"}}}}.
 */
public final class BackupPolicy {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Zone names go into file names and object keys. */
  public static final Pattern ZONE = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** An AWS region name, e.g. {@code eu-central-1}. */
  public static final Pattern REGION = Pattern.compile("[a-z0-9]+(-[a-z0-9]+){1,5}");

  private BackupPolicy() {}

  /** The zone's rule from the policy; {@code s3Region} null when the zone does not pin one. */
  public record ZoneRule(
      String zone, Duration retention, List<BackupLocation> locations, String s3Region) {
    /** Whether {@code l} lies under one of the zone's allowed locations. */
    public boolean allows(BackupLocation l) {
      return locations.stream().anyMatch(l::isUnder);
    }
  }

  /**
   * The rule for {@code zone} in the policy file, or null when the policy has none.
   *
   * @throws IllegalArgumentException the zone's rule is malformed (message names the path)
   */
  public static ZoneRule rule(Path policy, String zone) throws IOException {
    JsonNode z = JSON.readTree(policy.toFile()).path("zones").path(zone);
    if (z.isMissingNode()) {
      return null;
    }
    Duration retention;
    try {
      retention = Duration.parse(z.path("retention").asText(""));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          policy + ": zones." + zone + ".retention must be an ISO-8601 duration, e.g. P90D");
    }
    List<BackupLocation> locations = new ArrayList<>();
    for (JsonNode l : z.path("locations")) {
      try {
        locations.add(BackupLocation.parse(l.asText()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            policy + ": zones." + zone + ".locations: " + e.getMessage());
      }
    }
    if (retention.isNegative() || retention.isZero() || locations.isEmpty()) {
      throw new IllegalArgumentException(
          policy + ": zones." + zone + " needs a positive retention and a location");
    }
    String region = z.path("s3Region").isTextual() ? z.path("s3Region").asText() : null;
    return new ZoneRule(zone, retention, locations, region);
  }

  /**
   * When a backup expires: the earlier of the expiry the job stored at create time and its creation
   * plus the zone's current retention (a shortened retention applies to older backups too).
   */
  public static Instant expiry(BackupStore.Meta meta, ZoneRule rule) {
    Instant byRule = meta.createdAt().plus(rule.retention());
    return meta.expiresAt() != null && meta.expiresAt().isBefore(byRule)
        ? meta.expiresAt()
        : byRule;
  }

  /**
   * The store for {@code location}: a directory, or S3 signing for {@code region} (null: the SDK's
   * region chain) at {@code s3Endpoint} (null: AWS S3).
   */
  public static BackupStore open(BackupLocation location, String region, URI s3Endpoint)
      throws IOException {
    if (location instanceof BackupLocation.S3 s3) {
      if (region != null && !REGION.matcher(region).matches()) {
        throw new IllegalArgumentException(
            "S3 region " + region + " is not a region name, e.g. eu-central-1");
      }
      return S3BackupStore.open(s3, region, s3Endpoint);
    }
    return new DirectoryBackupStore((BackupLocation.Dir) location);
  }
}
