package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.enclave.audit.AuditChain;
import dev.sovereign.enclave.audit.AuditHeadToken;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sovereign audit verify}: exit 0 with a report, 1 with the reason code, 2 for usage errors.
 */
class AuditCommandTest {
  private static final EnclaveIdentity ENCLAVE = EnclaveIdentity.generate(new SecureRandom());

  @TempDir Path dir;

  private Path signedLog() throws Exception {
    AuditChain chain = AuditChain.open(dir.resolve("audit.jsonl"), Clock.systemUTC());
    chain.append("round-opened", Map.of("round", "r1"));
    chain.append(
        "submission",
        Map.of("round", "r1", "payloadId", "p1", "outcome", "rejected", "reason", "replay"));
    long seq = chain.seq();
    String head = chain.head();
    chain.append(
        AuditChain.HEAD_SIGNED,
        Map.of(
            "covers",
            seq,
            "head",
            head,
            "jws",
            AuditHeadToken.sign(ENCLAVE, "22".repeat(32), seq, head, Clock.systemUTC().instant())));
    return chain.file();
  }

  @Test
  void aSignedLogIsValidAndTheJsonReportNamesItsHeads() throws Exception {
    Path log = signedLog();
    CliRun r =
        CliRun.of("audit", "verify", log.toString(), "--json", "--enclave-did", ENCLAVE.did());
    assertEquals(0, r.exit(), r.err());
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertTrue(report.get("valid").asBoolean());
    assertEquals(3, report.get("entries").asLong());
    assertEquals(ENCLAVE.did(), report.get("signedHeads").get(0).get("enclaveDid").asText());
  }

  @Test
  void anEditedLineIsRejectedWithItsReasonCode() throws Exception {
    Path log = signedLog();
    List<String> lines = Files.readAllLines(log);
    lines.set(0, lines.get(0).replace("r1", "r9"));
    Files.write(log, lines, StandardCharsets.UTF_8);
    CliRun r =
        CliRun.of("audit", "verify", log.toString(), "--json", "--enclave-did", ENCLAVE.did());
    assertEquals(1, r.exit(), r.err());
    assertTrue(r.err().contains("audit-chain-broken"), r.err());
    assertEquals("audit-chain-broken", new ObjectMapper().readTree(r.out()).get("code").asText());
  }

  @Test
  void headsByAnotherEnclaveAreRejectedWhenTheDidIsPinned() throws Exception {
    Path log = signedLog();
    String other = EnclaveIdentity.generate(new SecureRandom()).did();
    CliRun r = CliRun.of("audit", "verify", log.toString(), "--enclave-did", other);
    assertEquals(1, r.exit(), r.err());
    assertTrue(r.err().contains("audit-head-wrong-enclave"), r.err());
  }

  @Test
  void aMissingFileOrNoPinnedEnclaveDidIsAUsageError() throws Exception {
    CliRun r =
        CliRun.of(
            "audit",
            "verify",
            dir.resolve("nope.jsonl").toString(),
            "--enclave-did",
            ENCLAVE.did());
    assertEquals(2, r.exit(), r.err());
    assertEquals(2, CliRun.of("audit", "verify", signedLog().toString()).exit());
  }

  @Test
  void anEmptyLogIsRejected() throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.jsonl"));
    CliRun r =
        CliRun.of("audit", "verify", empty.toString(), "--json", "--enclave-did", ENCLAVE.did());
    assertEquals(1, r.exit(), r.err());
    assertEquals("audit-log-empty", new ObjectMapper().readTree(r.out()).get("code").asText());
  }

  /**
   * Issue 17 (3): the log cut right after its first signed head (the round close after it gone) is
   * refused once the auditor names the result it must hold or how fresh its last head must be; a
   * cut inside the signed part is an unsigned tail.
   */
  @Test
  void aLogCutAfterAnEarlierHeadIsRejectedAgainstTheResultAndTheHeadsAge() throws Exception {
    Path log = signedLog();
    List<String> first = Files.readAllLines(log);
    AuditChain chain = AuditChain.open(log, Clock.systemUTC());
    String resultJwt = "eyJhbGciOiJFZERTQSJ9.eyJyb3VuZCI6InIxIn0.c2ln";
    chain.append(
        "round-closed",
        Map.of(
            "round",
            "r1",
            "resultSha256",
            java.util.HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest(resultJwt.getBytes(StandardCharsets.US_ASCII)))));
    long seq = chain.seq();
    String head = chain.head();
    chain.append(
        AuditChain.HEAD_SIGNED,
        Map.of(
            "covers",
            seq,
            "head",
            head,
            "jws",
            AuditHeadToken.sign(ENCLAVE, "22".repeat(32), seq, head, Clock.systemUTC().instant())));
    Path result = Files.writeString(dir.resolve("result.jwt"), resultJwt + "\n");
    CliRun whole =
        CliRun.of(
            "audit",
            "verify",
            log.toString(),
            "--enclave-did",
            ENCLAVE.did(),
            "--result",
            result.toString(),
            "--max-head-age",
            "PT10M");
    assertEquals(0, whole.exit(), whole.err());

    Path cut = Files.write(dir.resolve("cut.jsonl"), first, StandardCharsets.UTF_8);
    CliRun plain = CliRun.of("audit", "verify", cut.toString(), "--enclave-did", ENCLAVE.did());
    assertEquals(0, plain.exit(), plain.err());
    assertTrue(plain.err().contains("freshness not checked"), plain.err());
    CliRun r =
        CliRun.of(
            "audit",
            "verify",
            cut.toString(),
            "--json",
            "--enclave-did",
            ENCLAVE.did(),
            "--result",
            result.toString());
    assertEquals(1, r.exit(), r.err());
    assertEquals("audit-result-missing", new ObjectMapper().readTree(r.out()).get("code").asText());
    CliRun stale =
        CliRun.of(
            "audit",
            "verify",
            cut.toString(),
            "--json",
            "--enclave-did",
            ENCLAVE.did(),
            "--max-head-age",
            "PT0S");
    assertEquals(1, stale.exit(), stale.err());
    assertEquals("audit-head-stale", new ObjectMapper().readTree(stale.out()).get("code").asText());

    List<String> inside = new ArrayList<>(Files.readAllLines(log));
    Path tail =
        Files.write(dir.resolve("tail.jsonl"), inside.subList(0, 4), StandardCharsets.UTF_8);
    CliRun t =
        CliRun.of("audit", "verify", tail.toString(), "--json", "--enclave-did", ENCLAVE.did());
    assertEquals(1, t.exit(), t.err());
    assertEquals("audit-unsigned-tail", new ObjectMapper().readTree(t.out()).get("code").asText());
  }
}
