package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.backup.BackupAudit;
import dev.sovereign.keybroker.AuditLog;
import dev.sovereign.testing.FakeS3;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sovereign backup} with {@code s3://} locations: the real AWS SDK v2 S3 client
 * (URL-connection HTTP client, SigV4, credentials from the SDK's default chain) against {@link
 * FakeS3}, an in-process S3-compatible endpoint that recomputes every request's signature; the host
 * admin API is scripted. Never run against real S3.
 */
class BackupS3Test {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] BLOB = ScriptedHostApi.BLOB;
  private static final String BUCKET = "sov-backups";

  @TempDir Path dir;
  private ScriptedHostApi host;
  private FakeS3 s3;
  private Path policy;
  private Path audit;
  private String savedAccessKey;
  private String savedSecretKey;

  @BeforeEach
  void start() throws IOException {
    host = new ScriptedHostApi();
    s3 = new FakeS3(BUCKET, "other-bucket");
    policy = dir.resolve("backup-policy.json");
    Files.writeString(
        policy,
        """
        {"zones": {"EU": {"retention": "P90D", "locations": ["s3://sov-backups/eu", "%s"], "s3Region": "eu-central-1"},
                   "US": {"retention": "P30D", "locations": ["s3://sov-backups/us"]}}}
        """
            .formatted(dir.resolve("eu-dir")));
    audit = dir.resolve("audit/backup-audit.log");
    // the SDK's default chain reads these system properties first (then AWS_ACCESS_KEY_ID, ...)
    savedAccessKey = System.getProperty("aws.accessKeyId");
    savedSecretKey = System.getProperty("aws.secretAccessKey");
    System.setProperty("aws.accessKeyId", FakeS3.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", FakeS3.SECRET_KEY);
  }

  @AfterEach
  void stop() {
    restore("aws.accessKeyId", savedAccessKey);
    restore("aws.secretAccessKey", savedSecretKey);
    s3.close();
    host.close();
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }

  private CliRun backup(String verb, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "backup",
                verb,
                "--host",
                host.url(),
                "--token-file",
                TokenFiles.of(dir, ScriptedHostApi.TOKEN),
                "--policy",
                policy.toString(),
                "--audit",
                audit.toString(),
                "--s3-endpoint",
                s3.endpoint().toString(),
                "--json"));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  private CliRun create(String zone, String to, String... more) {
    List<String> args = new ArrayList<>(List.of("--zone", zone, "--to", to));
    args.addAll(List.of(more));
    return backup("create", args.toArray(String[]::new));
  }

  private static Map<String, String> meta(
      String zone, Instant created, Instant expires, byte[] blob) {
    return Map.of(
        "zone",
        zone,
        "created-at",
        created.toString(),
        "expires-at",
        expires.toString(),
        "sha256",
        BackupAudit.sha256(blob));
  }

  /** What no output, error or audit line may ever contain. */
  private void assertNoCredentials(String... texts) throws IOException {
    List<String> all = new ArrayList<>(List.of(texts));
    if (Files.exists(audit)) {
      all.add(Files.readString(audit));
    }
    for (String t : all) {
      assertFalse(t.contains(FakeS3.SECRET_KEY), "secret key leaked: " + t);
      assertFalse(t.contains(FakeS3.ACCESS_KEY), "access key id leaked: " + t);
    }
  }

  @Test
  void aBackupGoesToAnAllowedS3PrefixAsSignedRequestsAndRestoresFromThere() throws Exception {
    CliRun ok = create("EU", "s3://sov-backups/eu/", "--s3-region", "eu-central-1");
    assertEquals(0, ok.exit(), ok.err());
    JsonNode out = JSON.readTree(ok.out());
    String address = out.get("file").asText();
    String sha = BackupAudit.sha256(BLOB);
    assertTrue(
        address.matches("s3://sov-backups/eu/EU/\\d{8}T\\d{9}Z-" + sha + "\\.sealed"), address);
    String key = address.substring("s3://sov-backups/".length());

    // what the SDK put on the wire: a path-style PUT, SigV4-signed for the zone's region (FakeS3
    // recomputed
    // the signature), the payload hash header, and the job's metadata as x-amz-meta-* headers
    List<FakeS3.Request> puts = s3.requests("PUT");
    assertEquals(1, puts.size());
    FakeS3.Request put = puts.get(0);
    assertEquals("/" + BUCKET + "/" + key, put.rawPath());
    assertTrue(
        put.header("authorization")
            .matches(
                "AWS4-HMAC-SHA256 Credential="
                    + FakeS3.ACCESS_KEY
                    + "/\\d{8}/eu-central-1/s3/aws4_request, ?SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, ?Signature=[0-9a-f]{64}"),
        put.header("authorization"));
    String payloadHash = put.header("x-amz-content-sha256");
    assertNotNull(payloadHash);
    assertTrue(
        payloadHash.equals(HexFormat.of().formatHex(FakeS3.sha256(put.body())))
            || payloadHash.startsWith("STREAMING-")
            || payloadHash.equals("UNSIGNED-PAYLOAD"),
        payloadHash);
    assertEquals("EU", put.header("x-amz-meta-zone"));
    assertEquals(sha, put.header("x-amz-meta-sha256"));
    assertArrayEquals(BLOB, s3.objects.get(BUCKET + "/" + key).body());
    // retention listed the zone's prefix only
    FakeS3.Request list = s3.requests("GET").get(0);
    assertNotNull(list.rawQuery());
    assertTrue(
        list.rawQuery().contains("list-type=2") && list.rawQuery().contains("prefix=eu%2FEU%2F"),
        list.rawQuery());

    CliRun back = backup("restore", "--from", address);
    assertEquals(0, back.exit(), back.err());
    assertEquals(List.of(Base64.getEncoder().encodeToString(BLOB)), host.restored);
    FakeS3.Request get = s3.requests("GET").get(s3.requests("GET").size() - 1);
    assertEquals("/" + BUCKET + "/" + key, get.rawPath());
    assertTrue(get.header("authorization").contains("/eu-central-1/s3/aws4_request"));

    AuditLog.Verified chain = AuditLog.verify(audit);
    assertEquals(2, chain.entries());
    String log = Files.readString(audit);
    assertTrue(
        log.contains("\"BACKUP_CREATED\"") && log.contains("\"RESTORED\"") && log.contains(address),
        log);
    assertFalse(
        log.contains(Base64.getEncoder().encodeToString(BLOB)), "the audit log never holds a blob");
    assertNoCredentials(ok.out(), ok.err(), back.out(), back.err());
  }

  @Test
  void anS3TargetOutsideTheZonesLocationsOrRegionIsRefusedBeforeAnyRequest() throws Exception {
    for (String to :
        List.of(
            "s3://sov-backups/eu-evil",
            "s3://sov-backups/us",
            "s3://other-bucket/eu",
            "s3://sov-backups/eu/../us",
            "s3://sov-backups",
            "s3://sov-backups/EU")) {
      CliRun r = create("EU", to, "--s3-region", "eu-central-1");
      assertEquals(1, r.exit(), to + ": " + r.err());
      assertEquals("location-not-allowed", JSON.readTree(r.out()).get("reason").asText(), to);
    }
    CliRun otherRegion = create("EU", "s3://sov-backups/eu/daily", "--s3-region", "us-east-1");
    assertEquals(1, otherRegion.exit(), otherRegion.err());
    assertEquals("s3-region-not-allowed", JSON.readTree(otherRegion.out()).get("reason").asText());
    CliRun climbsOut = create("EU", "s3://sov-backups/../eu", "--s3-region", "eu-central-1");
    assertEquals(2, climbsOut.exit(), climbsOut.err());
    CliRun encoded = create("EU", "s3://sov-backups/eu/%2e%2e/us", "--s3-region", "eu-central-1");
    assertEquals(2, encoded.exit(), encoded.err());
    CliRun badRegion =
        create("US", "s3://sov-backups/us", "--s3-region", "us-east-1.evil.example/x");
    assertEquals(2, badRegion.exit(), badRegion.err());

    assertTrue(s3.requests.isEmpty(), "no request reached S3");
    assertEquals(0, host.seals.get(), "the host was not asked to seal");
    assertEquals(7, AuditLog.verify(audit).entries());
    assertEquals(
        7,
        Files.readAllLines(audit).stream().filter(l -> l.contains("\"BACKUP_REFUSED\"")).count());

    // the zone's pinned region is the default, and allowed sub-prefixes work
    CliRun pinned = create("EU", "s3://sov-backups/eu/./daily//");
    assertEquals(0, pinned.exit(), pinned.err());
    assertTrue(
        JSON.readTree(pinned.out())
            .get("file")
            .asText()
            .startsWith("s3://sov-backups/eu/daily/EU/"));
    assertTrue(
        s3.requests("PUT")
            .get(0)
            .header("authorization")
            .contains("/eu-central-1/s3/aws4_request"));
  }

  @Test
  void expiredS3BackupsAreDeletedAndAuditedAndRestoreRefusesThem() throws Exception {
    Instant now = Instant.now();
    Instant old = now.minus(Duration.ofDays(91));
    String expiredKey = "eu/EU/old-" + BackupAudit.sha256(BLOB) + ".sealed";
    s3.put(BUCKET, expiredKey, BLOB, meta("EU", old, old.plus(Duration.ofDays(90)), BLOB));
    String youngKey = "eu/EU/young.sealed";
    s3.put(
        BUCKET,
        youngKey,
        BLOB,
        meta("EU", now.minus(Duration.ofDays(10)), now.plus(Duration.ofDays(80)), BLOB));
    String foreignKey = "eu/EU/not-ours.sealed"; // no job metadata: never deleted
    s3.put(BUCKET, foreignKey, BLOB, Map.of());
    String deeperKey = "eu/EU/archive/old.sealed"; // not directly under the zone's prefix
    s3.put(BUCKET, deeperKey, BLOB, meta("EU", old, old.plus(Duration.ofDays(90)), BLOB));
    String usKey = "us/US/old.sealed";
    s3.put(BUCKET, usKey, BLOB, meta("US", old, old.plus(Duration.ofDays(30)), BLOB));
    s3.pageSize = 1; // the SDK's paginator follows continuation tokens

    CliRun ok = create("EU", "s3://sov-backups/eu", "--s3-region", "eu-central-1");
    assertEquals(0, ok.exit(), ok.err());
    JsonNode out = JSON.readTree(ok.out());
    assertEquals(
        List.of("s3://sov-backups/" + expiredKey),
        JSON.convertValue(out.get("deletedExpired"), List.class));
    assertNull(s3.objects.get(BUCKET + "/" + expiredKey));
    for (String kept : List.of(youngKey, foreignKey, deeperKey, usKey)) {
      assertNotNull(s3.objects.get(BUCKET + "/" + kept), kept);
    }
    List<FakeS3.Request> deletes = s3.requests("DELETE");
    assertEquals(1, deletes.size());
    assertEquals("/" + BUCKET + "/" + expiredKey, deletes.get(0).rawPath());
    assertTrue(deletes.get(0).header("authorization").startsWith("AWS4-HMAC-SHA256 "));
    String log = Files.readString(audit);
    assertTrue(log.contains("\"BACKUP_EXPIRED_DELETED\"") && log.contains(expiredKey), log);

    // restore: past the zone's retention, and past the expiry stored at create time (shorter than
    // the rule)
    CliRun expired =
        backup("restore", "--from", "s3://sov-backups/" + usKey, "--s3-region", "eu-central-1");
    assertEquals(1, expired.exit(), expired.err());
    assertEquals("backup-expired", JSON.readTree(expired.out()).get("reason").asText());
    String earlyKey = "eu/EU/early.sealed";
    s3.put(
        BUCKET,
        earlyKey,
        BLOB,
        meta("EU", now.minus(Duration.ofDays(5)), now.minus(Duration.ofDays(1)), BLOB));
    CliRun early = backup("restore", "--from", "s3://sov-backups/" + earlyKey);
    assertEquals(1, early.exit(), early.err());
    assertEquals("backup-expired", JSON.readTree(early.out()).get("reason").asText());
    assertTrue(host.restored.isEmpty(), "nothing was sent to the host");
    assertEquals(4, AuditLog.verify(audit).entries());
    assertEquals(
        2,
        Files.readAllLines(audit).stream().filter(l -> l.contains("\"RESTORE_REFUSED\"")).count());
  }

  @Test
  void aTamperedOrMislabelledS3ObjectIsRefusedBeforeTheHostSeesIt() throws Exception {
    CliRun ok = create("EU", "s3://sov-backups/eu", "--s3-region", "eu-central-1");
    assertEquals(0, ok.exit(), ok.err());
    String address = JSON.readTree(ok.out()).get("file").asText();
    String id = BUCKET + "/" + address.substring("s3://sov-backups/".length());
    FakeS3.StoredObject o = s3.objects.get(id);
    byte[] flipped = o.body().clone();
    flipped[3] ^= 1;
    s3.objects.put(id, new FakeS3.StoredObject(flipped, o.userMetadata(), o.lastModified()));
    CliRun tampered = backup("restore", "--from", address);
    assertEquals(1, tampered.exit(), tampered.err());
    assertEquals("backup-digest-mismatch", JSON.readTree(tampered.out()).get("reason").asText());

    // an object under the EU prefix whose metadata says US: refused, whatever its digest
    String usInEu = "eu/EU/relabelled.sealed";
    s3.put(
        BUCKET,
        usInEu,
        BLOB,
        meta("US", Instant.now(), Instant.now().plus(Duration.ofDays(1)), BLOB));
    CliRun mislabelled = backup("restore", "--from", "s3://sov-backups/" + usInEu);
    assertEquals(1, mislabelled.exit(), mislabelled.err());
    assertEquals("backup-zone-mismatch", JSON.readTree(mislabelled.out()).get("reason").asText());
    // an EU object kept outside EU's locations
    s3.put(BUCKET, "elsewhere/EU/x.sealed", BLOB, meta("EU", Instant.now(), Instant.now(), BLOB));
    CliRun elsewhere = backup("restore", "--from", "s3://sov-backups/elsewhere/EU/x.sealed");
    assertEquals(1, elsewhere.exit(), elsewhere.err());
    assertEquals("location-not-allowed", JSON.readTree(elsewhere.out()).get("reason").asText());

    assertTrue(host.restored.isEmpty(), "nothing was sent to the host");
    assertEquals(4, AuditLog.verify(audit).entries());
  }

  @Test
  void s3ErrorsExitTwoWithStatusAndCodeButNoCredentials() throws Exception {
    // a wrong secret: FakeS3 recomputes the signature and answers as S3 does
    System.setProperty("aws.secretAccessKey", "not-the-" + FakeS3.SECRET_KEY);
    CliRun badSignature = create("EU", "s3://sov-backups/eu", "--s3-region", "eu-central-1");
    assertEquals(2, badSignature.exit(), badSignature.err());
    assertTrue(badSignature.err().contains("HTTP 403 SignatureDoesNotMatch"), badSignature.err());
    assertTrue(s3.objects.isEmpty());
    System.setProperty("aws.secretAccessKey", FakeS3.SECRET_KEY);

    // a server that echoes the caller's key id and secret in its error message
    s3.failWith(
        "PUT",
        403,
        "AccessDenied",
        "Access Denied for " + FakeS3.ACCESS_KEY + " / " + FakeS3.SECRET_KEY);
    CliRun denied = create("EU", "s3://sov-backups/eu", "--s3-region", "eu-central-1");
    assertEquals(2, denied.exit(), denied.err());
    assertTrue(
        denied.err().contains("s3 PutObject s3://sov-backups/eu/EU/")
            && denied.err().contains("HTTP 403 AccessDenied"),
        denied.err());
    assertTrue(denied.err().contains("[redacted]"), denied.err());
    assertEquals("store-failed", JSON.readTree(denied.out()).get("reason").asText());

    s3.put(
        BUCKET,
        "eu/EU/x.sealed",
        BLOB,
        meta("EU", Instant.now(), Instant.now().plus(Duration.ofDays(1)), BLOB));
    s3.failWith("GET", 500, "InternalError", "We encountered an internal error. Please try again.");
    CliRun broken = backup("restore", "--from", "s3://sov-backups/eu/EU/x.sealed");
    assertEquals(2, broken.exit(), broken.err());
    assertTrue(
        broken
            .err()
            .contains(
                "s3 GetObject s3://sov-backups/eu/EU/x.sealed failed: HTTP 500 InternalError"),
        broken.err());
    assertTrue(host.restored.isEmpty());
    assertTrue(s3.requests("GET").size() > 1, "the SDK retried the 500");

    String log = Files.readString(audit);
    assertEquals(3, AuditLog.verify(audit).entries());
    assertTrue(
        log.contains("\"BACKUP_FAILED\"")
            && log.contains("\"RESTORE_FAILED\"")
            && log.contains("\"storeStatus\":403")
            && log.contains("\"storeStatus\":500"),
        log);
    assertNoCredentials(
        badSignature.out(),
        badSignature.err(),
        denied.out(),
        denied.err(),
        broken.out(),
        broken.err());
  }
}
