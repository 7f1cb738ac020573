package dev.sovereign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sovereign backup create|restore}: sealed-state backups under a per-zone location and retention policy. */
@Command(
    name = "backup",
    mixinStandardHelpOptions = true,
    description = {
      "Backs up and restores the enclave's sealed state through the host's admin API. The blob is "
          + "ciphertext that only an attested enclave with the same measurement, region hosts and policy "
          + "can open (docs/sealing.md).",
      "The backup policy (JSON) names, per zone, where backups may be stored and how long they may live: "
          + "{\"zones\": {\"EU\": {\"retention\": \"P90D\", \"locations\": [\"/backups/eu\"]}}}. "
          + "Every backup, deletion of an expired backup, restore and refusal is appended to a hash-chained audit log."
    },
    subcommands = {BackupCommand.Create.class, BackupCommand.Restore.class})
final class BackupCommand implements Runnable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SUFFIX = ".sealed";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /** Options both jobs share. */
  abstract static class Job implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--host", required = true, paramLabel = "URL", description = "the host, e.g. http://127.0.0.1:8080")
    URI host;

    @Option(names = "--token", paramLabel = "TOKEN", description = "admin bearer token (default: $SOVEREIGN_ADMIN_TOKEN)")
    String token;

    @Option(names = "--policy", required = true, paramLabel = "FILE", description = "backup policy (JSON): per-zone locations and retention")
    Path policy;

    @Option(names = "--audit", paramLabel = "FILE", description = "audit log (default: $SOVEREIGN_HOME/.sovereign/backup/audit.log)")
    Path audit;

    @Option(names = "--json", description = "machine-readable outcome on stdout")
    boolean json;

    Clock clock = Clock.systemUTC();

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    BackupAudit auditLog() {
      return new BackupAudit(audit != null ? audit : CliPaths.home().resolve(".sovereign/backup/audit.log"), clock);
    }

    String bearer() {
      String t = token != null ? token : System.getenv("SOVEREIGN_ADMIN_TOKEN");
      if (t == null || t.isBlank()) {
        throw new IllegalArgumentException("an admin token is required (--token or SOVEREIGN_ADMIN_TOKEN)");
      }
      return t;
    }

    /** The zone's rule from the policy. */
    record ZoneRule(String zone, Duration retention, List<Path> locations) {}

    ZoneRule rule(String zone) throws IOException {
      JsonNode z = JSON.readTree(policy.toFile()).path("zones").path(zone);
      if (z.isMissingNode()) {
        return null;
      }
      Duration retention;
      try {
        retention = Duration.parse(z.path("retention").asText(""));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(policy + ": zones." + zone + ".retention must be an ISO-8601 duration, e.g. P90D");
      }
      List<Path> locations = new ArrayList<>();
      z.path("locations").forEach(l -> locations.add(Path.of(l.asText()).toAbsolutePath().normalize()));
      if (retention.isNegative() || retention.isZero() || locations.isEmpty()) {
        throw new IllegalArgumentException(policy + ": zones." + zone + " needs a positive retention and a location");
      }
      return new ZoneRule(zone, retention, locations);
    }

    JsonNode post(String path, String body) throws IOException, InterruptedException, HostRefused {
      HttpRequest.Builder b = HttpRequest.newBuilder(host.resolve(path)).timeout(Duration.ofMinutes(2))
          .header("Authorization", "Bearer " + bearer());
      b = body == null ? b.POST(HttpRequest.BodyPublishers.noBody())
          : b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode n = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
      if (r.statusCode() / 100 != 2) {
        throw new HostRefused(r.statusCode(), n.path("code").asText("http-" + r.statusCode()), n.path("detail").asText(""));
      }
      return n;
    }

    int rejected(String reason, String message, Map<String, Object> fields, String event) throws IOException {
      fields.put("reason", reason);
      auditLog().append(event, fields);
      err().println("sovereign backup: rejected: " + reason + " (" + message + ")");
      if (json) {
        ObjectNode o = JSON.createObjectNode().put("outcome", "rejected").put("reason", reason);
        spec.commandLine().getOut().println(o);
      }
      return SovereignCli.REJECTED;
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

  @Command(name = "create", mixinStandardHelpOptions = true, description = {
      "Asks the host to seal the enclave's state now and stores the blob under DIR, which must lie in one "
          + "of the zone's allowed locations; then deletes the zone's backups in DIR that are past retention."})
  static final class Create extends Job {
    @Option(names = "--to", required = true, paramLabel = "DIR", description = "backup directory (s3:// is not built)")
    String to;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "the zone whose policy applies, e.g. EU")
    String zone;

    @Override
    public Integer call() {
      try {
        if (to.startsWith("s3://")) {
          err().println("sovereign backup: s3:// locations are not built; use a directory");
          return SovereignCli.USAGE;
        }
        ZoneRule rule = rule(zone);
        Path dir = Path.of(to).toAbsolutePath().normalize();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("zone", zone);
        fields.put("location", dir.toString());
        if (rule == null) {
          return rejected("zone-not-in-backup-policy", "the backup policy has no rule for zone " + zone, fields,
              "BACKUP_REFUSED");
        }
        if (rule.locations().stream().noneMatch(dir::startsWith)) {
          return rejected("location-not-allowed", dir + " is not under the locations of zone " + zone + ": "
              + rule.locations(), fields, "BACKUP_REFUSED");
        }
        JsonNode answer;
        try {
          answer = post("/v1/backup", null);
        } catch (HostRefused e) {
          return rejected(e.code, "the host refused: " + e.detail, fields, "BACKUP_REFUSED");
        }
        byte[] blob = Base64.getDecoder().decode(answer.get("sealedState").asText());
        Instant created = clock.instant();
        Files.createDirectories(dir);
        String name = "sovereign-" + zone + "-" + created.toEpochMilli();
        Path file = dir.resolve(name + SUFFIX);
        Files.write(file, blob);
        ObjectNode meta = JSON.createObjectNode().put("zone", zone).put("createdAt", created.toString())
            .put("expiresAt", created.plus(rule.retention()).toString()).put("sha256", BackupAudit.sha256(blob))
            .put("bytes", blob.length);
        Files.write(dir.resolve(name + SUFFIX + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
        fields.put("file", file.getFileName().toString());
        fields.put("sha256", meta.get("sha256").asText());
        fields.put("expiresAt", meta.get("expiresAt").asText());
        auditLog().append("BACKUP_CREATED", fields);
        List<String> deleted = prune(dir, rule);
        err().println("sovereign backup: stored " + file + " (" + blob.length + " bytes, zone " + zone + ", expires "
            + meta.get("expiresAt").asText() + "); deleted " + deleted.size() + " expired");
        if (json) {
          ObjectNode o = JSON.createObjectNode().put("outcome", "stored").put("file", file.toString())
              .put("zone", zone).put("sha256", meta.get("sha256").asText())
              .put("expiresAt", meta.get("expiresAt").asText());
          deleted.forEach(o.putArray("deletedExpired")::add);
          spec.commandLine().getOut().println(o);
        }
        return SovereignCli.OK;
      } catch (IllegalArgumentException e) {
        err().println("sovereign backup: " + e.getMessage());
        return SovereignCli.USAGE;
      } catch (IOException e) {
        err().println("sovereign backup: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        return SovereignCli.USAGE;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return SovereignCli.USAGE;
      }
    }

    /** Deletes this zone's backups in {@code dir} whose retention has passed; audited one by one. */
    private List<String> prune(Path dir, ZoneRule rule) throws IOException {
      List<String> deleted = new ArrayList<>();
      List<Path> metas;
      try (Stream<Path> s = Files.list(dir)) {
        metas = s.filter(p -> p.getFileName().toString().endsWith(SUFFIX + ".json")).sorted().toList();
      }
      for (Path m : metas) {
        JsonNode meta = JSON.readTree(m.toFile());
        if (!zone.equals(meta.path("zone").asText())) {
          continue;
        }
        Instant created = Instant.parse(meta.path("createdAt").asText());
        if (created.plus(rule.retention()).isBefore(clock.instant())) {
          String blobName = m.getFileName().toString().replaceFirst("\\.json$", "");
          Files.deleteIfExists(dir.resolve(blobName));
          Files.deleteIfExists(m);
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("zone", zone);
          f.put("file", blobName);
          f.put("createdAt", created.toString());
          f.put("retention", rule.retention().toString());
          auditLog().append("BACKUP_EXPIRED_DELETED", f);
          deleted.add(blobName);
        }
      }
      return deleted;
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true, description = {
      "Feeds a backup to the host's enclave, which opens it only after the key broker released its key to "
          + "an attested enclave with the same measurement, region hosts and policy. Backups past their zone's "
          + "retention are refused (and audited) before anything is sent."})
  static final class Restore extends Job {
    @Option(names = "--from", required = true, paramLabel = "FILE", description = "a .sealed file written by backup create")
    Path from;

    @Override
    public Integer call() {
      try {
        Path metaFile = from.resolveSibling(from.getFileName() + ".json");
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("file", from.getFileName().toString());
        if (!Files.isRegularFile(from) || !Files.isRegularFile(metaFile)) {
          err().println("sovereign backup: " + from + " or its .json metadata is missing");
          return SovereignCli.USAGE;
        }
        JsonNode meta = JSON.readTree(metaFile.toFile());
        String zone = meta.path("zone").asText();
        fields.put("zone", zone);
        ZoneRule rule = rule(zone);
        if (rule == null) {
          return rejected("zone-not-in-backup-policy", "the backup policy has no rule for zone " + zone, fields,
              "RESTORE_REFUSED");
        }
        Instant created = Instant.parse(meta.path("createdAt").asText());
        if (created.plus(rule.retention()).isBefore(clock.instant())) {
          return rejected("backup-expired", "created " + created + ", retention " + rule.retention(), fields,
              "RESTORE_REFUSED");
        }
        byte[] blob = Files.readAllBytes(from);
        if (!BackupAudit.sha256(blob).equals(meta.path("sha256").asText())) {
          return rejected("backup-digest-mismatch", "the blob is not the one that was backed up", fields,
              "RESTORE_REFUSED");
        }
        JsonNode answer;
        try {
          answer = post("/v1/restore", JSON.createObjectNode()
              .put("sealedState", Base64.getEncoder().encodeToString(blob)).toString());
        } catch (HostRefused e) {
          String reason = e.code.equals("seal-rejected") && e.detail.contains(": ")
              ? "seal-rejected:" + e.detail.substring(e.detail.lastIndexOf(": ") + 2) : e.code;
          return rejected(reason, "the host or enclave refused", fields, "RESTORE_REFUSED");
        }
        fields.put("openRounds", answer.path("openRounds").asInt());
        auditLog().append("RESTORED", fields);
        err().println("sovereign backup: restored " + from + " (" + answer.path("openRounds").asInt() + " open rounds)");
        if (json) {
          spec.commandLine().getOut().println(JSON.createObjectNode().put("outcome", "restored")
              .put("openRounds", answer.path("openRounds").asInt()));
        }
        return SovereignCli.OK;
      } catch (IllegalArgumentException | DateTimeParseException e) {
        err().println("sovereign backup: " + e.getMessage());
        return SovereignCli.USAGE;
      } catch (IOException e) {
        err().println("sovereign backup: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        return SovereignCli.USAGE;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return SovereignCli.USAGE;
      }
    }
  }
}
