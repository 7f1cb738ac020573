package dev.sovereign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.backup.BackupAudit;
import dev.sovereign.backup.BackupLocation;
import dev.sovereign.backup.BackupPolicy;
import dev.sovereign.backup.BackupPolicy.ZoneRule;
import dev.sovereign.backup.BackupStore;
import dev.sovereign.backup.DirectoryBackupStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign backup create|restore}: sealed-state backups under a per-zone location and
 * retention policy.
 */
@Command(
    name = "backup",
    mixinStandardHelpOptions = true,
    description = {
      "Backs up and restores the enclave's sealed state through the host's admin API. The blob is "
          + "ciphertext that only an attested enclave with the same measurement, region hosts and policy "
          + "can open (docs/sealing.md).",
      "The backup policy (JSON) names, per zone, where backups may be stored (directories or "
          + "s3://bucket/prefix), how long they may live and optionally the one S3 region they may use: "
          + "{\"zones\": {\"EU\": {\"retention\": \"P90D\", \"locations\": [\"/backups/eu\", \"s3://acme-backups/eu\"], "
          + "\"s3Region\": \"eu-central-1\"}}}. "
          + "Every backup, deletion of an expired backup, restore, refusal and storage failure is appended to a "
          + "hash-chained audit log."
    },
    subcommands = {BackupCommand.Create.class, BackupCommand.Restore.class})
final class BackupCommand implements Runnable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SUFFIX = DirectoryBackupStore.SUFFIX;

  static final Pattern ZONE = BackupPolicy.ZONE;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /** Options both jobs share. */
  abstract static class Job implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--host",
        required = true,
        paramLabel = "URL",
        description = "the host, e.g. http://127.0.0.1:8080")
    URI host;

    @Option(
        names = "--token-file",
        paramLabel = "FILE",
        description =
            "file holding the admin bearer token (first line; readable by its owner only), "
                + "default: $SOVEREIGN_ADMIN_TOKEN. A token is never taken as an argument: every "
                + "local user can read a process's arguments")
    Path tokenFile;

    /** Refuses a token given as an argument, saying why (the old {@code --token} option). */
    @Option(names = "--token", paramLabel = "TOKEN", hidden = true)
    void tokenArgument(String ignored) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--token is refused: an argument is readable by every local user (/proc/PID/cmdline); "
              + "use SOVEREIGN_ADMIN_TOKEN or --token-file FILE (mode 0600)");
    }

    private String token;
    private boolean tokenRead;

    @Option(
        names = "--policy",
        required = true,
        paramLabel = "FILE",
        description = "backup policy (JSON): per-zone locations, retention, optional s3Region")
    Path policy;

    @Option(
        names = "--audit",
        paramLabel = "FILE",
        description = "audit log (default: $SOVEREIGN_HOME/.sovereign/backup/audit.log)")
    Path audit;

    @Option(
        names = "--s3-endpoint",
        paramLabel = "URL",
        description =
            "an S3-compatible endpoint instead of AWS S3 "
                + "(path-style requests), e.g. http://127.0.0.1:9000")
    URI s3Endpoint;

    @Option(
        names = "--s3-region",
        paramLabel = "REGION",
        description =
            "the S3 region to sign for (default: the "
                + "zone's s3Region, else the SDK's chain, e.g. $AWS_REGION). Credentials come from the SDK's default chain "
                + "($AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY, profile, ...) and are never printed or audited")
    String s3Region;

    @Mixin JsonOption json = new JsonOption();

    @picocli.CommandLine.Mixin AdminHttp.TlsOptions tls = new AdminHttp.TlsOptions();

    Clock clock = Clock.systemUTC();

    private Progress progress;

    /** The job's progress line (terminal only, never with --json). */
    Progress progress() {
      if (progress == null) {
        progress = Progress.on(spec.commandLine().getErr(), json.on());
      }
      return progress;
    }

    /** stderr, after clearing the progress line so a message never lands inside it. */
    PrintWriter err() {
      if (progress != null) {
        progress.close();
      }
      return spec.commandLine().getErr();
    }

    BackupAudit auditLog() {
      return new BackupAudit(
          audit != null ? audit : CliPaths.home().resolve(".sovereign/backup/audit.log"), clock);
    }

    String bearer() {
      String t = token();
      if (t == null || t.isBlank()) {
        throw new IllegalArgumentException(
            "an admin token is required (SOVEREIGN_ADMIN_TOKEN or --token-file)");
      }
      return t;
    }

    /** The token from {@code --token-file}, else the environment; null when neither has one. */
    String token() {
      if (!tokenRead) {
        token =
            tokenFile != null
                ? SecretFile.firstLine("--token-file", tokenFile)
                : System.getenv("SOVEREIGN_ADMIN_TOKEN");
        tokenRead = true;
      }
      return token;
    }

    ZoneRule rule(String zone) throws IOException {
      return BackupPolicy.rule(policy, zone);
    }

    /**
     * The S3 region a job for this zone uses: {@code --s3-region}, else the zone's {@code
     * s3Region}; null when neither is set (the SDK's region chain decides). See {@link
     * #regionRefused}.
     */
    String region(ZoneRule rule) {
      return s3Region != null ? s3Region : rule.s3Region();
    }

    /** A zone that pins {@code s3Region} refuses another {@code --s3-region}. */
    boolean regionRefused(ZoneRule rule) {
      return rule.s3Region() != null && s3Region != null && !rule.s3Region().equals(s3Region);
    }

    BackupStore open(BackupLocation location, ZoneRule rule) throws IOException {
      return BackupPolicy.open(location, region(rule), s3Endpoint);
    }

    static Instant expiry(BackupStore.Meta meta, ZoneRule rule) {
      return BackupPolicy.expiry(meta, rule);
    }

    JsonNode post(String path, String body) throws IOException, InterruptedException, HostRefused {
      progress().phase("waiting for the host: POST " + path, null);
      HttpRequest.Builder b =
          HttpRequest.newBuilder(host.resolve(path)).timeout(Duration.ofMinutes(2));
      String t = token();
      if (!tls.hasClientCertificate()
          || (t != null && !t.isBlank())) { // a client certificate makes the token optional
        b.header("Authorization", "Bearer " + bearer());
      }
      b =
          body == null
              ? b.POST(HttpRequest.BodyPublishers.noBody())
              : b.header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> r = tls.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode n = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
      if (r.statusCode() / 100 != 2) {
        throw new HostRefused(
            r.statusCode(),
            n.path("code").asText("http-" + r.statusCode()),
            n.path("detail").asText(""));
      }
      return n;
    }

    int rejected(String reason, String message, Map<String, Object> fields, String event)
        throws IOException {
      fields.put("reason", reason);
      auditLog().append(event, fields);
      err().println("sovereign backup: rejected: " + reason + " (" + message + ")");
      if (json.on()) {
        ObjectNode o = JSON.createObjectNode().put("outcome", "rejected").put("reason", reason);
        spec.commandLine().getOut().println(o);
      }
      return SovereignCli.REJECTED;
    }

    /**
     * A storage failure (exit 2): audited with the store's status and code, printed with its safe
     * message.
     */
    /**
     * Exit code for a job that ended with {@code e}: a store failure is audited as {@code
     * failedEvent} (exit 2 either way), anything else is a usage or environment error (exit 2).
     */
    int ended(Exception e, Map<String, Object> fields, String failedEvent) {
      if (e instanceof BackupStore.Failed f) {
        try {
          return failed(f, fields, failedEvent);
        } catch (IOException io) {
          err()
              .println(
                  "sovereign backup: " + f.getMessage() + "; the audit log could not be written");
          return SovereignCli.USAGE;
        }
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      } else if (e instanceof IllegalArgumentException) {
        err().println("sovereign backup: " + e.getMessage());
      } else {
        err().println("sovereign backup: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      return SovereignCli.USAGE;
    }

    int failed(BackupStore.Failed e, Map<String, Object> fields, String event) throws IOException {
      fields.put("reason", "store-failed");
      fields.put("storeCode", e.code);
      if (e.status != 0) {
        fields.put("storeStatus", e.status);
      }
      auditLog().append(event, fields);
      err().println("sovereign backup: " + e.getMessage());
      if (json.on()) {
        spec.commandLine()
            .getOut()
            .println(
                JSON.createObjectNode()
                    .put("outcome", "failed")
                    .put("reason", "store-failed")
                    .put("storeCode", e.code)
                    .put("storeStatus", e.status));
      }
      return SovereignCli.USAGE;
    }
  }

  /** The host answered with a problem. */
  static final class HostRefused extends Exception {
    final int status;
    final String code;
    final String detail;

    HostRefused(int status, String code, String detail) {
      super(code, null, false, false);
      this.status = status;
      this.code = code;
      this.detail = detail;
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Asks the host to seal the enclave's state now and stores the blob at DIR or s3://bucket/prefix, which "
            + "must lie in one of the zone's allowed locations (and, for S3, in the zone's s3Region if it pins one); "
            + "then deletes the zone's backups there that are past retention.",
        "A directory gets sovereign-<zone>-<ms>.sealed and a .sealed.json sidecar; S3 gets the object "
            + "<prefix>/<zone>/<yyyyMMddTHHmmssSSSZ>-<sha256>.sealed with the metadata in x-amz-meta-* headers.",
        "Exit 0 stored, 1 refused by policy or the host (reason code), 2 usage or storage failure."
      })
  static final class Create extends Job {
    @Option(
        names = "--to",
        required = true,
        paramLabel = "DIR|s3://BUCKET/PREFIX",
        description = "where to store the backup")
    String to;

    @Option(
        names = "--zone",
        required = true,
        paramLabel = "ZONE",
        description = "the zone whose policy applies, e.g. EU")
    String zone;

    @Override
    public Integer call() {
      Map<String, Object> fields = new LinkedHashMap<>();
      try {
        token(); // a --token-file that cannot be used is refused before anything is done
        if (!ZONE.matcher(zone).matches()) {
          throw new IllegalArgumentException("--zone must be 1-64 of A-Z a-z 0-9 _ -");
        }
        BackupLocation location = BackupLocation.parse(to);
        ZoneRule rule = rule(zone);
        fields.put("zone", zone);
        fields.put("location", location.toString());
        if (rule == null) {
          return rejected(
              "zone-not-in-backup-policy",
              "the backup policy has no rule for zone " + zone,
              fields,
              "BACKUP_REFUSED");
        }
        if (!rule.allows(location)) {
          return rejected(
              "location-not-allowed",
              location + " is not under the locations of zone " + zone + ": " + rule.locations(),
              fields,
              "BACKUP_REFUSED");
        }
        if (location instanceof BackupLocation.S3 && regionRefused(rule)) {
          fields.put("s3Region", s3Region);
          return rejected(
              "s3-region-not-allowed",
              "zone " + zone + " keeps S3 backups in " + rule.s3Region() + " only",
              fields,
              "BACKUP_REFUSED");
        }
        if (location instanceof BackupLocation.S3 && region(rule) != null) {
          fields.put("s3Region", region(rule));
        }
        try (BackupStore store = open(location, rule)) {
          JsonNode answer;
          try {
            answer = post("/v1/backup", null);
          } catch (HostRefused e) {
            return rejected(e.code, "the host refused: " + e.detail, fields, "BACKUP_REFUSED");
          }
          byte[] blob = Base64.getDecoder().decode(answer.get("sealedState").asText());
          Instant created = clock.instant();
          BackupStore.Meta meta =
              new BackupStore.Meta(
                  null,
                  zone,
                  created,
                  created.plus(rule.retention()),
                  BackupAudit.sha256(blob),
                  blob.length);
          progress().phase("storing " + blob.length + " bytes at " + location, null);
          try {
            meta = store.put(meta, blob);
          } catch (BackupStore.Failed e) {
            return failed(e, fields, "BACKUP_FAILED");
          }
          String address = store.address(meta.ref());
          fields.put("file", location instanceof BackupLocation.Dir ? meta.ref() : address);
          fields.put("sha256", meta.sha256());
          fields.put("expiresAt", meta.expiresAt().toString());
          auditLog().append("BACKUP_CREATED", fields);
          List<String> deleted = new ArrayList<>();
          BackupStore.Failed pruneFailure = null;
          try {
            prune(store, rule, meta.ref(), deleted);
          } catch (BackupStore.Failed e) {
            pruneFailure = e;
          }
          err()
              .println(
                  "sovereign backup: stored "
                      + address
                      + " ("
                      + blob.length
                      + " bytes, zone "
                      + zone
                      + ", expires "
                      + meta.expiresAt()
                      + "); deleted "
                      + deleted.size()
                      + " expired");
          if (json.on() && pruneFailure == null) {
            ObjectNode o =
                JSON.createObjectNode()
                    .put("outcome", "stored")
                    .put("file", address)
                    .put("zone", zone)
                    .put("sha256", meta.sha256())
                    .put("expiresAt", meta.expiresAt().toString());
            deleted.forEach(o.putArray("deletedExpired")::add);
            spec.commandLine().getOut().println(o);
          }
          if (pruneFailure != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("zone", zone);
            f.put("location", location.toString());
            return failed(pruneFailure, f, "RETENTION_FAILED");
          }
          return SovereignCli.OK;
        }
      } catch (IOException | IllegalArgumentException | InterruptedException e) {
        return ended(e, fields, "BACKUP_FAILED");
      }
    }

    /**
     * Deletes this zone's backups at the store's location whose retention has passed; audited one
     * by one.
     */
    private void prune(BackupStore store, ZoneRule rule, String justStored, List<String> deleted)
        throws IOException {
      Instant now = clock.instant();
      for (BackupStore.Meta m : store.list(zone)) {
        if (m.ref().equals(justStored) || !expiry(m, rule).isBefore(now)) {
          continue;
        }
        store.delete(m);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("zone", zone);
        f.put(
            "file",
            store.location() instanceof BackupLocation.Dir ? m.ref() : store.address(m.ref()));
        f.put("createdAt", m.createdAt().toString());
        if (m.expiresAt() != null) {
          f.put("expiresAt", m.expiresAt().toString());
        }
        f.put("retention", rule.retention().toString());
        auditLog().append("BACKUP_EXPIRED_DELETED", f);
        deleted.add(
            store.location() instanceof BackupLocation.Dir ? m.ref() : store.address(m.ref()));
      }
    }
  }

  @Command(
      name = "restore",
      mixinStandardHelpOptions = true,
      description = {
        "Feeds a backup to the host's enclave, which opens it only after the key broker released its key to "
            + "an attested enclave with the same measurement, region hosts and policy. The backup must lie in one "
            + "of its zone's allowed locations (and S3 region); backups past their zone's retention and blobs whose "
            + "SHA-256 differs from the stored metadata are refused (and audited) before anything is sent.",
        "Exit 0 restored, 1 refused (reason code), 2 usage or storage failure."
      })
  static final class Restore extends Job {
    @Option(
        names = "--from",
        required = true,
        paramLabel = "FILE|s3://BUCKET/KEY",
        description =
            "a .sealed file or object written by backup create (S3 keys: <prefix>/<zone>/<name>.sealed)")
    String from;

    @Override
    public Integer call() {
      Map<String, Object> fields = new LinkedHashMap<>();
      try {
        token(); // a --token-file that cannot be used is refused before anything is done
        BackupLocation location = BackupLocation.parse(from);
        ZoneRule rule;
        BackupStore.Backup backup;
        String zone;
        BackupStore store;
        if (location instanceof BackupLocation.Dir d) {
          fields.put("file", d.path().getFileName().toString());
          store = new DirectoryBackupStore(new BackupLocation.Dir(d.path().getParent()));
          progress().phase("reading the backup from " + location, null);
          backup = store.read(d.path().getFileName().toString());
          zone = backup.meta().zone();
          fields.put("zone", zone);
          rule = zone == null ? null : rule(zone);
          if (rule == null) {
            return rejected(
                "zone-not-in-backup-policy",
                "the backup policy has no rule for zone " + zone,
                fields,
                "RESTORE_REFUSED");
          }
          if (!rule.allows(store.location())) {
            return rejected(
                "location-not-allowed",
                store.location() + " is not under the locations of zone " + zone,
                fields,
                "RESTORE_REFUSED");
          }
        } else {
          // s3://bucket/<prefix>/<zone>/<name>.sealed: the zone comes from the key, so every policy
          // check
          // (location, region) is made before any request; the stored metadata must then agree with
          // it.
          BackupLocation.S3 object = (BackupLocation.S3) location;
          if (object.segments().size() < 2 || !object.name().endsWith(SUFFIX)) {
            throw new IllegalArgumentException(
                "--from s3://bucket/[prefix/]<zone>/<name>" + SUFFIX + " expected");
          }
          zone = object.parentOf().name();
          fields.put("file", object.toString());
          fields.put("zone", zone);
          rule = ZONE.matcher(zone).matches() ? rule(zone) : null;
          if (rule == null) {
            return rejected(
                "zone-not-in-backup-policy",
                "the backup policy has no rule for zone " + zone,
                fields,
                "RESTORE_REFUSED");
          }
          if (!rule.allows(object.parentOf())) {
            return rejected(
                "location-not-allowed",
                object.parentOf() + " is not under the locations of zone " + zone,
                fields,
                "RESTORE_REFUSED");
          }
          if (regionRefused(rule)) {
            fields.put("s3Region", s3Region);
            return rejected(
                "s3-region-not-allowed",
                "zone " + zone + " keeps S3 backups in " + rule.s3Region() + " only",
                fields,
                "RESTORE_REFUSED");
          }
          store = open(object.parentOf().parentOf(), rule);
          try (BackupStore s = store) {
            backup = s.read(object.prefix());
          }
          if (!zone.equals(backup.meta().zone())) {
            return rejected(
                "backup-zone-mismatch",
                "the object's metadata names zone " + backup.meta().zone(),
                fields,
                "RESTORE_REFUSED");
          }
        }
        return restore(backup, rule, fields);
      } catch (IOException | IllegalArgumentException | InterruptedException e) {
        return ended(e, fields, "RESTORE_FAILED");
      }
    }

    private int restore(BackupStore.Backup backup, ZoneRule rule, Map<String, Object> fields)
        throws IOException, InterruptedException {
      BackupStore.Meta meta = backup.meta();
      if (meta.createdAt() == null || meta.sha256() == null) {
        return rejected(
            "backup-metadata-missing",
            "the backup has no createdAt/sha256 metadata",
            fields,
            "RESTORE_REFUSED");
      }
      Instant expiry = expiry(meta, rule);
      if (expiry.isBefore(clock.instant())) {
        return rejected(
            "backup-expired",
            "created "
                + meta.createdAt()
                + ", expired "
                + expiry
                + ", retention "
                + rule.retention(),
            fields,
            "RESTORE_REFUSED");
      }
      if (!BackupAudit.sha256(backup.blob()).equals(meta.sha256())) {
        return rejected(
            "backup-digest-mismatch",
            "the blob is not the one that was backed up",
            fields,
            "RESTORE_REFUSED");
      }
      JsonNode answer;
      try {
        answer =
            post(
                "/v1/restore",
                JSON.createObjectNode()
                    .put("sealedState", Base64.getEncoder().encodeToString(backup.blob()))
                    .toString());
      } catch (HostRefused e) {
        String reason =
            e.code.equals("seal-rejected") && e.detail.contains(": ")
                ? "seal-rejected:" + e.detail.substring(e.detail.lastIndexOf(": ") + 2)
                : e.code;
        return rejected(reason, "the host or enclave refused", fields, "RESTORE_REFUSED");
      }
      fields.put("sha256", meta.sha256());
      fields.put("openRounds", answer.path("openRounds").asInt());
      auditLog().append("RESTORED", fields);
      err()
          .println(
              "sovereign backup: restored "
                  + from
                  + " ("
                  + answer.path("openRounds").asInt()
                  + " open rounds)");
      if (json.on()) {
        spec.commandLine()
            .getOut()
            .println(
                JSON.createObjectNode()
                    .put("outcome", "restored")
                    .put("openRounds", answer.path("openRounds").asInt()));
      }
      return SovereignCli.OK;
    }
  }
}
