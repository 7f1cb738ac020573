package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.sovereign.keybroker.AuditLog;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
  private static final byte[] BLOB = "SVSEAL-ciphertext-only".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  private HttpServer host;
  private final List<String> restored = new ArrayList<>();
  private Path policy;
  private Path audit;

  @BeforeEach
  void scriptedHost() throws IOException {
    host = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    host.createContext("/v1/backup", x -> {
      byte[] body = ("{\"sealedState\":\"" + Base64.getEncoder().encodeToString(BLOB) + "\",\"rounds\":[\"r1\"]}")
          .getBytes(StandardCharsets.UTF_8);
      int status = "Bearer t0ken".equals(x.getRequestHeaders().getFirst("Authorization")) ? 200 : 401;
      x.sendResponseHeaders(status, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    host.createContext("/v1/restore", x -> {
      JsonNode req = JSON.readTree(x.getRequestBody());
      byte[] blob = Base64.getDecoder().decode(req.get("sealedState").asText());
      boolean ok = java.util.Arrays.equals(blob, BLOB);
      restored.add(req.get("sealedState").asText());
      byte[] body = (ok ? "{\"restored\":true,\"openRounds\":1}"
          : "{\"code\":\"seal-rejected\",\"status\":422,\"detail\":\"the enclave refused the sealed state: TAMPERED\"}")
          .getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(ok ? 200 : 422, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    host.start();
    policy = dir.resolve("backup-policy.json");
    Files.writeString(policy, """
        {"zones": {"EU": {"retention": "P90D", "locations": ["%s"]},
                   "US": {"retention": "P30D", "locations": ["%s"]}}}
        """.formatted(dir.resolve("eu-backups"), dir.resolve("us-backups")));
    audit = dir.resolve("audit/backup-audit.log");
  }

  @AfterEach
  void stop() {
    host.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + host.getAddress().getPort();
  }

  private CliRun create(String zone, Path to) {
    return CliRun.of("backup", "create", "--host", url(), "--token", "t0ken", "--policy", policy.toString(),
        "--audit", audit.toString(), "--zone", zone, "--to", to.toString(), "--json");
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
    Files.writeString(eu.resolve("sovereign-EU-1.sealed.json"), "{\"zone\":\"EU\",\"createdAt\":\"" + old
        + "\",\"sha256\":\"" + BackupAudit.sha256(BLOB) + "\"}");
    CliRun ok = create("EU", eu);
    assertEquals(0, ok.exit(), ok.err());
    JsonNode out = JSON.readTree(ok.out());
    assertEquals("stored", out.get("outcome").asText());
    assertEquals("sovereign-EU-1.sealed", out.get("deletedExpired").get(0).asText());
    assertFalse(Files.exists(eu.resolve("sovereign-EU-1.sealed")));
    assertArrayEquals(BLOB, Files.readAllBytes(Path.of(out.get("file").asText())));

    CliRun back = CliRun.of("backup", "restore", "--host", url(), "--token", "t0ken", "--policy", policy.toString(),
        "--audit", audit.toString(), "--from", out.get("file").asText());
    assertEquals(0, back.exit(), back.err());

    AuditLog.Verified chain = AuditLog.verify(audit);
    assertEquals(5, chain.entries());
    String log = Files.readString(audit);
    for (String event : List.of("BACKUP_REFUSED", "BACKUP_CREATED", "BACKUP_EXPIRED_DELETED", "RESTORED")) {
      assertTrue(log.contains("\"" + event + "\""), event);
    }
    assertFalse(log.contains(Base64.getEncoder().encodeToString(BLOB)), "the audit log never holds a blob");
  }

  @Test
  void anExpiredBackupIsRefusedBeforeAnythingIsSentAndATamperedOneWithTheEnclavesReason() throws Exception {
    Path us = dir.resolve("us-backups");
    Files.createDirectories(us);
    Files.write(us.resolve("sovereign-US-1.sealed"), BLOB);
    Files.writeString(us.resolve("sovereign-US-1.sealed.json"), "{\"zone\":\"US\",\"createdAt\":\""
        + Instant.now().minus(Duration.ofDays(31)) + "\",\"sha256\":\"" + BackupAudit.sha256(BLOB) + "\"}");
    CliRun expired = CliRun.of("backup", "restore", "--host", url(), "--token", "t0ken", "--policy",
        policy.toString(), "--audit", audit.toString(), "--from", us.resolve("sovereign-US-1.sealed").toString());
    assertEquals(1, expired.exit());
    assertTrue(expired.err().contains("backup-expired"));
    assertTrue(restored.isEmpty(), "nothing was sent to the host");

    byte[] tampered = BLOB.clone();
    tampered[0] ^= 1;
    Files.write(us.resolve("sovereign-US-2.sealed"), tampered);
    Files.writeString(us.resolve("sovereign-US-2.sealed.json"), "{\"zone\":\"US\",\"createdAt\":\"" + Instant.now()
        + "\",\"sha256\":\"" + BackupAudit.sha256(tampered) + "\"}");
    CliRun refused = CliRun.of("backup", "restore", "--host", url(), "--token", "t0ken", "--policy",
        policy.toString(), "--audit", audit.toString(), "--from", us.resolve("sovereign-US-2.sealed").toString(), "--json");
    assertEquals(1, refused.exit());
    assertEquals("seal-rejected:TAMPERED", JSON.readTree(refused.out()).get("reason").asText());
    assertEquals(2, AuditLog.verify(audit).entries());
    try (Stream<String> lines = Files.lines(audit)) {
      assertEquals(2, lines.filter(l -> l.contains("\"RESTORE_REFUSED\"")).count());
    }
  }
}
