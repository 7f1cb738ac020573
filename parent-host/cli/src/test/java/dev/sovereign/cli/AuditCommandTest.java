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
    CliRun r = CliRun.of("audit", "verify", log.toString(), "--json");
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
  void aMissingFileIsAUsageError() {
    CliRun r = CliRun.of("audit", "verify", dir.resolve("nope.jsonl").toString());
    assertEquals(2, r.exit(), r.err());
  }
}
