package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.enclave.audit.AuditChain;
import dev.sovereign.enclave.audit.AuditRejectedException;
import dev.sovereign.enclave.audit.AuditVerifier;
import dev.sovereign.enclave.policy.DevPolicy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The host's audit log through HTTP with a real enclave process: a round, three submissions the
 * enclave rejects, the close, a backup, a refused and a granted restore all land in the chain; the
 * export verifies offline with heads signed by the enclave DID, holds reason codes but no payload
 * bytes, and an edit of the export is caught.
 */
@QuarkusTest
@TestProfile(HostAuditTest.WithEnclave.class)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class HostAuditTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path DIR = Path.of("target/host-audit").toAbsolutePath();
  private static final String ADMIN = "Bearer test-admin-token";
  private static final String ROUND = "r-audit-1";
  private static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

  /** A launched enclave with an embedded key broker; heads are signed every 3 entries. */
  public static class WithEnclave implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        Path jar = DevEnclaveDir.freshWithEnclaveJar(DIR);
        Path policy =
            DevEnclaveDir.writePolicy(
                DIR,
                jar,
                DevPolicy.builder("host-audit")
                    .minGroupSize(2)
                    .functions("sum", "count")
                    .zone("EU", ANCHOR));
        return Map.of(
            "sovereign.host.data-dir", DIR.resolve("host").toString(),
            "sovereign.host.enclave.launch", "true",
            "sovereign.host.enclave.jar", jar.toString(),
            "sovereign.host.enclave.policy", policy.toString(),
            "sovereign.host.seal.every-payloads", "1000",
            "sovereign.host.seal.interval", "PT1H",
            "sovereign.audit.sign-every", "3");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Inject HostService host;

  /** Every enclave DID an attestation or health check showed in this class's run. */
  private static final java.util.Set<String> SEEN =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A JWE-shaped payload the host stores and the enclave rejects (its key id is nobody's). */
  private static String fakeJwe(int i) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header =
        "{\"alg\":\"ECDH-ES+A256KW\",\"cty\":\"JWT\",\"enc\":\"A256GCM\",\"kid\":\"nobody-"
            + i
            + "\",\"zone\":\"EU\"}";
    return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(new byte[40])
        + "."
        + b64.encodeToString(new byte[12])
        + "."
        + b64.encodeToString(("marker-ciphertext-" + i).getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(new byte[16]);
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void everyRoundSubmissionBackupAndRestoreIsChainedAndTheExportVerifiesUnderTheEnclaveDid()
      throws Exception {
    String enclaveDid =
        JSON.readTree(
                given()
                    .queryParam("nonce", "00112233")
                    .get("/v1/attestation")
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString())
            .get("enclaveDid")
            .asText();
    SEEN.add(enclaveDid);
    given().get("/v1/audit").then().statusCode(401);
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("round", ROUND, "dataset", "loyalty-points"))
        .post("/v1/rounds")
        .then()
        .statusCode(201);
    List<String> ids = new ArrayList<>();
    List<String> jwes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      jwes.add(fakeJwe(i));
      ids.add(
          given()
              .contentType("application/jose")
              .body(jwes.get(i).getBytes(StandardCharsets.US_ASCII))
              .post("/v1/rounds/" + ROUND + "/payloads")
              .then()
              .statusCode(202)
              .extract()
              .path("payloadId"));
    }
    for (int i = 0; i < 300 && host.inbox().pendingCount() > 0; i++) {
      Thread.sleep(100);
    }
    given()
        .header("Authorization", ADMIN)
        .post("/v1/rounds/" + ROUND + "/close")
        .then()
        .statusCode(200);
    String blob =
        given()
            .header("Authorization", ADMIN)
            .post("/v1/backup")
            .then()
            .statusCode(200)
            .extract()
            .path("sealedState");
    byte[] tampered = Base64.getDecoder().decode(blob);
    tampered[tampered.length - 1] ^= 1;
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("sealedState", Base64.getEncoder().encodeToString(tampered)))
        .post("/v1/restore")
        .then()
        .statusCode(422);
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("sealedState", blob))
        .post("/v1/restore")
        .then()
        .statusCode(200);

    byte[] export =
        given()
            .header("Authorization", ADMIN)
            .get("/v1/audit")
            .then()
            .statusCode(200)
            .contentType("application/x-ndjson")
            .extract()
            .asByteArray();
    AuditVerifier.VerifiedLog log =
        AuditVerifier.verify(AuditVerifier.lines(export), java.util.Set.of(enclaveDid));
    assertEquals(java.util.Set.of(enclaveDid), log.enclaveDids());
    assertTrue(
        log.signedHeads().size() >= 2, "signed every 3 entries and at close: " + log.signedHeads());

    List<JsonNode> entries = new ArrayList<>();
    for (String line : AuditVerifier.lines(export)) {
      entries.add(JSON.readTree(line));
    }
    List<String> kinds =
        entries.stream()
            .map(e -> e.get("kind").asText())
            .filter(k -> !k.equals(AuditChain.HEAD_SIGNED))
            .toList();
    // Four seals: the open's (the enclave's keys on disk before any payload is acknowledged), the
    // close's own (stored before the result leaves, protocol 1.6), the host's after the close, then
    // the admin backup.
    assertEquals(
        List.of(
            "round-opened",
            "backup-sealed",
            "submission",
            "submission",
            "submission",
            "backup-sealed",
            "round-closed",
            "backup-sealed",
            "backup-sealed",
            "restore-refused",
            "restored"),
        kinds);
    List<JsonNode> submissions =
        entries.stream().filter(e -> e.get("kind").asText().equals("submission")).toList();
    for (JsonNode s : submissions) {
      assertEquals(ROUND, s.at("/fields/round").asText());
      assertTrue(ids.contains(s.at("/fields/payloadId").asText()), s.toString());
      assertEquals("rejected", s.at("/fields/outcome").asText());
      assertFalse(s.at("/fields/reason").asText().isEmpty(), s.toString());
      assertEquals(4, s.get("fields").size(), "round, payloadId, outcome, reason only: " + s);
    }
    assertEquals(
        List.of("round-opened", "close", "host", "admin"),
        entries.stream()
            .filter(e -> e.get("kind").asText().equals("backup-sealed"))
            .map(e -> e.at("/fields/trigger").asText())
            .toList());
    assertEquals(
        "seal-rejected",
        entries.stream()
            .filter(e -> e.get("kind").asText().equals("restore-refused"))
            .findFirst()
            .orElseThrow()
            .at("/fields/code")
            .asText());
    String text = new String(export, StandardCharsets.UTF_8);
    for (String jwe : jwes) {
      assertFalse(
          text.contains(jwe.substring(jwe.indexOf('.'))), "no payload bytes in the audit log");
    }
    assertFalse(text.contains(blob), "no sealed blob in the audit log");
    assertFalse(
        text.contains(
            Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("marker-ciphertext-0".getBytes(StandardCharsets.UTF_8))));

    List<String> edited = new ArrayList<>(AuditVerifier.lines(export));
    int submission = 0;
    while (!edited.get(submission).contains("\"rejected\"")) {
      submission++; // the first submission (the open's seal comes before it)
    }
    edited.set(submission, edited.get(submission).replace("\"rejected\"", "\"accepted\""));
    AuditRejectedException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            AuditRejectedException.class,
            () -> AuditVerifier.verify(edited, java.util.Set.of(enclaveDid)));
    assertEquals("audit-chain-broken", e.code());
  }

  private void awaitDrained() throws Exception {
    // a condition, not a speed: after a kill the successor enclave JVM starts and restores first,
    // which took over 30 s once on this 2-core machine under load 22-27
    for (int i = 0; i < 1200 && host.inbox().pendingCount() > 0; i++) {
      Thread.sleep(100);
    }
    assertEquals(0, host.inbox().pendingCount(), "the enclave answered every payload");
  }

  private static String submit(String round, String jwe) {
    return given()
        .contentType("application/jose")
        .body(jwe.getBytes(StandardCharsets.US_ASCII))
        .post("/v1/rounds/" + round + "/payloads")
        .then()
        .statusCode(202)
        .extract()
        .path("payloadId");
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void aPayloadResentToARecoveredEnclaveIsRecordedAgainAsResentAndOnlyThatOne() throws Exception {
    String round = "r-audit-2";
    String enclaveDid = host.health().enclaveDid();
    SEEN.add(enclaveDid);
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("round", round, "dataset", "loyalty-points"))
        .post("/v1/rounds")
        .then()
        .statusCode(201);
    String covered = submit(round, fakeJwe(10));
    awaitDrained();
    host.sealNow(); // covers the first payload's verdict
    String tail = submit(round, fakeJwe(11));
    awaitDrained();
    ProcessHandle enclave = ProcessHandle.of(host.launcher().orElseThrow().pid()).orElseThrow();
    assertTrue(enclave.destroyForcibly(), "SIGKILL sent");
    enclave.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    String after =
        submit(round, fakeJwe(12)); // its drain starts the successor, which recovers first
    awaitDrained();

    byte[] export =
        given()
            .header("Authorization", ADMIN)
            .get("/v1/audit")
            .then()
            .statusCode(200)
            .extract()
            .asByteArray();
    AuditVerifier.VerifiedLog log =
        AuditVerifier.verify(AuditVerifier.lines(export), java.util.Set.of(enclaveDid));
    assertEquals(
        java.util.Set.of(enclaveDid),
        log.enclaveDids(),
        "the successor signs with the restored DID");
    Map<String, List<JsonNode>> byPayload = new java.util.HashMap<>();
    List<String> kinds = new ArrayList<>();
    for (String line : AuditVerifier.lines(export)) {
      JsonNode e = JSON.readTree(line);
      kinds.add(e.get("kind").asText());
      if (e.get("kind").asText().equals("submission")
          && e.at("/fields/round").asText().equals(round)) {
        byPayload
            .computeIfAbsent(e.at("/fields/payloadId").asText(), k -> new ArrayList<>())
            .add(e.get("fields"));
      }
    }
    assertTrue(kinds.contains("restored"), "the recovery restored the seal: " + kinds);
    assertEquals(
        1,
        byPayload.get(covered).size(),
        "covered by the seal, not resent: " + byPayload.get(covered));
    assertEquals(
        1, byPayload.get(after).size(), "first sent to the successor: " + byPayload.get(after));
    List<JsonNode> t = byPayload.get(tail);
    assertEquals(2, t.size(), "its verdict, then the re-send to the recovered enclave: " + t);
    assertFalse(t.get(0).has("resent"), t.toString());
    assertTrue(t.get(1).path("resent").asBoolean(), t.toString());
    assertEquals("rejected", t.get(1).path("outcome").asText());
    assertFalse(t.get(1).path("reason").asText().isEmpty(), t.toString());
    assertEquals(5, t.get(1).size(), "round, payloadId, outcome, reason, resent only: " + t.get(1));
    assertEquals(
        1, host.inbox().allOf(round).stream().filter(e -> e.payloadId().equals(tail)).count());
  }

  /**
   * Issue 18: exports taken while four seeded submitters post payloads (and a seal, a backup and
   * its restore run) each end in an enclave-signed head that covers every entry in them and verify
   * offline; the headers say where the export stopped; a copy cut before its final head or edited
   * is still rejected.
   */
  @Test
  @org.junit.jupiter.api.Order(3)
  void everyExportTakenUnderConcurrentSubmitsSealsAndRestoresVerifiesAndACutOrEditedOneDoesNot()
      throws Exception {
    String round = "r-audit-3";
    SEEN.add(host.health().enclaveDid());
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("round", round, "dataset", "loyalty-points"))
        .post("/v1/rounds")
        .then()
        .statusCode(201);
    java.util.function.Predicate<String> restoreEntry =
        l -> l.contains("\"kind\":\"restored\"") || l.contains("\"kind\":\"restore-refused\"");
    long restoresBefore =
        AuditVerifier.lines(
                given()
                    .header("Authorization", ADMIN)
                    .get("/v1/audit")
                    .then()
                    .statusCode(200)
                    .extract()
                    .asByteArray())
            .stream()
            .filter(restoreEntry)
            .count();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    List<java.util.concurrent.Future<Integer>> submitters = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      submitters.add(
          pool.submit(
              () -> {
                java.util.Random random = new java.util.Random(1800 + thread);
                for (int i = 0; i < 20; i++) {
                  submit(round, fakeJwe(1000 + thread * 100 + i));
                  Thread.sleep(random.nextInt(15));
                }
                return 20;
              }));
    }
    java.util.Random random = new java.util.Random(18);
    java.util.concurrent.atomic.AtomicInteger restores =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger refusals =
        new java.util.concurrent.atomic.AtomicInteger();
    List<byte[]> exports = new ArrayList<>();
    try {
      for (int e = 0; e < 10; e++) {
        if (e == 4) {
          host.sealNow();
        }
        if (e == 7) {
          // a backup and its restore while the submitters run: restored if nothing was counted
          // between them, else refused because the live enclave moved past that seal
          String sealed =
              given()
                  .header("Authorization", ADMIN)
                  .post("/v1/backup")
                  .then()
                  .statusCode(200)
                  .extract()
                  .path("sealedState");
          io.restassured.response.Response restore =
              given()
                  .header("Authorization", ADMIN)
                  .contentType("application/json")
                  .body(Map.of("sealedState", sealed))
                  .post("/v1/restore");
          if (restore.statusCode() == 200) {
            restores.incrementAndGet();
          } else {
            assertEquals(422, restore.statusCode(), restore.asString());
            assertTrue(
                restore.jsonPath().getString("detail").endsWith(": STATE_ADVANCED"),
                restore.asString());
            refusals.incrementAndGet();
          }
        }
        io.restassured.response.Response r =
            given().header("Authorization", ADMIN).get("/v1/audit");
        assertEquals(200, r.statusCode(), r.asString());
        byte[] export = r.asByteArray();
        List<String> lines = AuditVerifier.lines(export);
        assertEquals(
            String.valueOf(lines.size()),
            r.header("Sovereign-Audit-Entries"),
            "the header says where the export stopped");
        assertTrue(
            Long.parseLong(r.header("Sovereign-Audit-Log-Entries")) >= lines.size(),
            r.headers().toString());
        AuditVerifier.VerifiedLog v = AuditVerifier.verify(lines, java.util.Set.copyOf(SEEN));
        assertEquals(
            AuditChain.HEAD_SIGNED,
            JSON.readTree(lines.get(lines.size() - 1)).get("kind").asText(),
            "an export ends with its signed head");
        assertEquals(lines.size() - 1, v.finalHead().seq(), "the final head covers the rest");
        exports.add(export);
        Thread.sleep(random.nextInt(40));
      }
      for (java.util.concurrent.Future<Integer> f : submitters) {
        assertEquals(20, f.get(2, java.util.concurrent.TimeUnit.MINUTES));
      }
    } finally {
      pool.shutdownNow();
    }
    awaitDrained();
    List<String> last =
        AuditVerifier.lines(
            given()
                .header("Authorization", ADMIN)
                .get("/v1/audit")
                .then()
                .statusCode(200)
                .extract()
                .asByteArray());
    AuditVerifier.verify(last, java.util.Set.copyOf(SEEN));
    long submissions =
        last.stream()
            .filter(
                l ->
                    l.contains("\"kind\":\"submission\"")
                        && l.contains(round)
                        && !l.contains("\"resent\":true"))
            .count();
    assertEquals(80, submissions, "every submission of the round is in the final export");
    assertEquals(
        1,
        last.stream().filter(restoreEntry).count() - restoresBefore,
        "the restore (" + restores + " restored, " + refusals + " refused) is in the log");

    List<String> cut = new ArrayList<>(AuditVerifier.lines(exports.get(exports.size() - 1)));
    cut.remove(cut.size() - 1);
    AuditRejectedException c =
        org.junit.jupiter.api.Assertions.assertThrows(
            AuditRejectedException.class,
            () -> AuditVerifier.verify(cut, java.util.Set.copyOf(SEEN)));
    assertEquals("audit-unsigned-tail", c.code());
    List<String> edited = new ArrayList<>(last);
    int at = -1;
    for (int i = 0; i < edited.size() && at < 0; i++) {
      if (edited.get(i).contains("\"outcome\":\"rejected\"")) {
        at = i;
      }
    }
    edited.set(at, edited.get(at).replace("\"outcome\":\"rejected\"", "\"outcome\":\"accepted\""));
    assertEquals(
        "audit-chain-broken",
        org.junit.jupiter.api.Assertions.assertThrows(
                AuditRejectedException.class,
                () -> AuditVerifier.verify(edited, java.util.Set.copyOf(SEEN)))
            .code());
  }

  /**
   * Issue 17 (1) through the HTTP API: after a backup the running enclave answers one more payload;
   * the admin restore of that backup is then 422 {@code seal-rejected} ending {@code
   * STATE_ADVANCED} (the enclave moved past the seal and a live enclave never goes back), audited
   * as {@code restore-refused} for that blob, and the enclave keeps its DID; a backup taken after
   * the payload restores (nothing moved since).
   */
  @Test
  @org.junit.jupiter.api.Order(4)
  void anAdminRestoreOfABackupTheRunningEnclaveHasMovedPastIsRefusedWithStateAdvanced()
      throws Exception {
    String round = "r-audit-4";
    String enclaveDid = host.health().enclaveDid();
    SEEN.add(enclaveDid);
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("round", round, "dataset", "loyalty-points"))
        .post("/v1/rounds")
        .then()
        .statusCode(201);
    awaitDrained();
    String backup = backup();
    submit(round, fakeJwe(4000));
    awaitDrained(); // the enclave answered it: counted (rejected) after the backup's seal

    io.restassured.response.Response refused = restore(backup);
    assertEquals(422, refused.statusCode(), refused.asString());
    assertEquals("seal-rejected", refused.jsonPath().getString("code"));
    assertTrue(
        refused.jsonPath().getString("detail").endsWith(": STATE_ADVANCED"), refused.asString());
    assertEquals(enclaveDid, host.health().enclaveDid());
    String sha = HostAudit.sha256Hex(Base64.getDecoder().decode(backup));
    List<String> log =
        AuditVerifier.lines(
            given()
                .header("Authorization", ADMIN)
                .get("/v1/audit")
                .then()
                .statusCode(200)
                .extract()
                .asByteArray());
    assertEquals(
        1,
        log.stream()
            .filter(l -> l.contains("\"kind\":\"restore-refused\"") && l.contains(sha))
            .count(),
        "the refusal is audited for that blob");

    assertEquals(200, restore(backup()).statusCode(), "a backup taken after the payload restores");
  }

  private static String backup() {
    return given()
        .header("Authorization", ADMIN)
        .post("/v1/backup")
        .then()
        .statusCode(200)
        .extract()
        .path("sealedState");
  }

  private static io.restassured.response.Response restore(String sealedState) {
    return given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("sealedState", sealedState))
        .post("/v1/restore");
  }
}
