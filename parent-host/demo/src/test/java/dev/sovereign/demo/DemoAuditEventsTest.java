package dev.sovereign.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The demo's check that the host's audit log holds the run's events: a log that drops, adds or
 * rewrites one is caught even when its chain and heads verify (a host can sign what it chose to
 * write).
 */
class DemoAuditEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "demo-r";
  private static final String RESULT = "ab".repeat(32);
  private static final String DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

  private static JsonNode entry(String kind, Object... kv) {
    ObjectNode e = JSON.createObjectNode().put("kind", kind);
    ObjectNode f = e.putObject("fields");
    for (int i = 0; i < kv.length; i += 2) {
      f.set((String) kv[i], JSON.valueToTree(kv[i + 1]));
    }
    return e;
  }

  private static List<JsonNode> complete() {
    List<JsonNode> l = new ArrayList<>();
    l.add(entry("round-opened", "round", ROUND, "dataset", "loyalty-points"));
    l.add(entry("submission", "round", ROUND, "payloadId", "p1", "outcome", "accepted"));
    l.add(entry("submission", "round", ROUND, "payloadId", "p2", "outcome", "accepted"));
    l.add(entry("backup-sealed", "trigger", "admin"));
    l.add(entry("restored", "trigger", "recovery"));
    l.add(entry("restored", "trigger", "admin", "enclaveDid", DID));
    l.add(entry("restore-refused", "trigger", "admin", "code", "seal-rejected"));
    l.add(
        entry(
            "submission",
            "round",
            ROUND,
            "payloadId",
            "p3",
            "outcome",
            "rejected",
            "reason",
            "replay"));
    l.add(entry("round-closed", "round", ROUND, "resultSha256", RESULT));
    l.add(entry("edge-refused", "code", "zone-not-served", "count", 1));
    return l;
  }

  private static List<String> missing(List<JsonNode> entries) {
    return DemoSteps.missingAuditEvents(
        entries, ROUND, RESULT, List.of("p1", "p2"), Map.of("replay", 1L), DID);
  }

  private static List<JsonNode> without(Predicate<JsonNode> drop) {
    return complete().stream().filter(drop.negate()).toList();
  }

  @Test
  void aLogWithEveryEventOfTheRunLacksNothingAndAResentVerdictIsNotCountedTwice() {
    assertEquals(List.of(), missing(complete()));
    List<JsonNode> withResend = new ArrayList<>(complete());
    withResend.add(
        entry(
            "submission",
            "round",
            ROUND,
            "payloadId",
            "p1",
            "outcome",
            "accepted",
            "resent",
            true));
    assertEquals(List.of(), missing(withResend));
  }

  @Test
  void aDroppedRejectionAnInventedAcceptanceOrARewrittenReasonIsCaught() {
    assertEquals(
        1, missing(without(e -> e.path("fields").path("payloadId").asText().equals("p3"))).size());
    List<JsonNode> invented = new ArrayList<>(complete());
    invented.add(entry("submission", "round", ROUND, "payloadId", "p9", "outcome", "accepted"));
    assertTrue(
        missing(invented).get(0).startsWith("one accepted submission per accepted payload"),
        missing(invented).toString());
    List<JsonNode> doubled = new ArrayList<>(complete());
    doubled.add(entry("submission", "round", ROUND, "payloadId", "p1", "outcome", "accepted"));
    assertEquals(1, missing(doubled).size(), "a first verdict recorded twice");
    List<JsonNode> rewritten = new ArrayList<>(complete());
    rewritten.set(
        7,
        entry(
            "submission",
            "round",
            ROUND,
            "payloadId",
            "p3",
            "outcome",
            "rejected",
            "reason",
            "malformed"));
    assertTrue(
        missing(rewritten).get(0).startsWith("rejected submissions by reason"),
        missing(rewritten).toString());
  }

  @Test
  void aMissingCloseEdgeRefusalBackupOrRestoreIsNamed() {
    assertEquals(
        List.of("round-closed demo-r with the result's SHA-256"),
        missing(without(e -> e.path("kind").asText().equals("round-closed"))));
    List<JsonNode> otherResult = new ArrayList<>(complete());
    otherResult.set(8, entry("round-closed", "round", ROUND, "resultSha256", "cd".repeat(32)));
    assertEquals(1, missing(otherResult).size());
    assertEquals(
        List.of("edge-refused zone-not-served"),
        missing(without(e -> e.path("kind").asText().equals("edge-refused"))));
    assertEquals(
        List.of("backup-sealed (admin)"),
        missing(without(e -> e.path("kind").asText().equals("backup-sealed"))));
    assertEquals(
        1,
        missing(
                without(
                    e ->
                        e.path("fields").path("trigger").asText().equals("admin")
                            && e.path("kind").asText().equals("restored")))
            .size(),
        "the recovery's restore is not the admin's");
    assertEquals(
        List.of("restore-refused seal-rejected (the tampered blob)"),
        missing(without(e -> e.path("kind").asText().equals("restore-refused"))));
    assertEquals(
        List.of(),
        DemoSteps.missingAuditEvents(
            without(
                e ->
                    e.path("kind").asText().startsWith("restore")
                        || e.path("kind").asText().equals("backup-sealed")),
            ROUND,
            RESULT,
            List.of("p1", "p2"),
            Map.of("replay", 1L),
            null),
        "no backup step, no backup events asked for");
  }

  private static final String FABRIC_DID =
      "did:fabric:sovereign:z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V";

  @Test
  void aRelayThatSuppliedDidEvidenceIsFoundAndOneThatSuppliedNoneOrNoneAtAllIsNamed() {
    List<JsonNode> log = new ArrayList<>(complete());
    log.add(
        entry(
            "evidence-relayed",
            "round",
            ROUND,
            "deferred",
            1,
            "didLogsSupplied",
            1,
            "failures",
            Map.of()));
    assertEquals(
        List.of(), DemoSteps.relayProblems(log, log.toString(), ROUND, List.of(FABRIC_DID)));
    List<JsonNode> nothing = new ArrayList<>(complete());
    nothing.add(
        entry(
            "evidence-relayed",
            "round",
            ROUND,
            "deferred",
            1,
            "didLogsSupplied",
            0,
            "failures",
            Map.of("ledger-DID_NOT_FOUND", 1)));
    assertEquals(
        1,
        DemoSteps.relayProblems(nothing, nothing.toString(), ROUND, List.of(FABRIC_DID)).size(),
        "a relay that found nothing on the ledger");
    assertEquals(
        1,
        DemoSteps.relayProblems(complete(), complete().toString(), ROUND, List.of(FABRIC_DID))
            .size(),
        "no relay at all");
    List<JsonNode> otherRound = new ArrayList<>(complete());
    otherRound.add(
        entry("evidence-relayed", "round", "other", "deferred", 1, "didLogsSupplied", 1));
    assertEquals(
        1,
        DemoSteps.relayProblems(otherRound, otherRound.toString(), ROUND, List.of(FABRIC_DID))
            .size());
  }

  @Test
  void aProducerDidAnywhereInTheLogIsCaught() {
    List<JsonNode> log = new ArrayList<>(complete());
    log.add(
        entry(
            "evidence-relayed",
            "round",
            ROUND,
            "deferred",
            1,
            "didLogsSupplied",
            1,
            "dids",
            List.of(FABRIC_DID)));
    assertEquals(
        List.of("entries free of producer DIDs (1 named)"),
        DemoSteps.relayProblems(
            log, log.toString(), ROUND, List.of(FABRIC_DID, "did:fabric:sovereign:other")));
  }
}
