package dev.sovereign.did.fabric.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.fabric.core.EndorsedHead;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.OperationLogVerifier;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VerifiedDidLog;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded ledger: same contract, endorsed reads, atomic and serialized writes. */
class EmbeddedLedgerTest {
  @TempDir Path dir;

  private static Operation rotate(
      VersionRecord current, SoftwareControllerKey signer, SoftwareControllerKey next) {
    return FabricDocuments.update(
        current.did(),
        current.versionId(),
        FabricDocuments.document(current.did(), List.of(next.publicKey()), 1),
        current.did() + "#key-1",
        signer);
  }

  @Test
  void writesRunTheContractAndTheLogAndEndorsedHeadVerifyAfterReopening() throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.P256);
    String did;
    List<String> events = new ArrayList<>();
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      ledger.addListener(e -> events.add(e.name() + " " + EmbeddedLedger.utf8(e.payload())));
      VersionRecord v1 = ledger.submit(FabricDocuments.create("local", a));
      did = v1.did();
      ledger.submit(rotate(v1, a, b));
      RejectedException replay =
          assertThrows(RejectedException.class, () -> ledger.submit(rotate(v1, a, b)));
      assertEquals(ReasonCode.REPLAYED_OPERATION, replay.reason());
    }
    assertEquals(2, events.size());
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      VerifiedDidLog log = OperationLogVerifier.verify(did, ledger.exportLog(did));
      EndorsedHead head =
          ledger
              .endorsementVerifier()
              .verify(did, "nonce-1", ledger.endorsedHead(did, "nonce-1"), Instant.now());
      assertEquals(log, head.requireCurrent(log));
      assertEquals(List.of("SovereignLedgerMSP"), head.endorsingOrgs());
      assertEquals(2, ledger.verifyIntegrity().versions());
      assertEquals(2, ledger.eventsAfter(0).size());
    }
  }

  @Test
  void endorsedHeadExposesAHiddenRotationAsAStaleLog() throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      VersionRecord v1 = ledger.submit(FabricDocuments.create("local", a));
      byte[] oldLog = ledger.exportLog(v1.did());
      ledger.submit(rotate(v1, a, b));
      VerifiedDidLog stale = OperationLogVerifier.verify(v1.did(), oldLog);
      EndorsedHead head =
          ledger
              .endorsementVerifier()
              .verify(v1.did(), "n", ledger.endorsedHead(v1.did(), "n"), Instant.now());
      RejectedException e = assertThrows(RejectedException.class, () -> head.requireCurrent(stale));
      assertEquals(ReasonCode.LOG_NOT_FRESH, e.reason());
    }
  }

  @Test
  void endorsedReadsFromAnotherLedgerForAnotherNonceOrTamperedAreRejected() throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir.resolve("one"), "local");
        EmbeddedLedger impostor = EmbeddedLedger.open(dir.resolve("two"), "local")) {
      String did = ledger.submit(FabricDocuments.create("local", a)).did();
      impostor.submit(FabricDocuments.create("local", a));
      Instant now = Instant.now();
      RejectedException foreign =
          assertThrows(
              RejectedException.class,
              () ->
                  ledger
                      .endorsementVerifier()
                      .verify(did, "n", impostor.endorsedHead(did, "n"), now));
      assertEquals(ReasonCode.ENDORSEMENT_INVALID, foreign.reason());
      RejectedException replayed =
          assertThrows(
              RejectedException.class,
              () ->
                  ledger
                      .endorsementVerifier()
                      .verify(did, "fresh", ledger.endorsedHead(did, "old"), now));
      assertEquals(ReasonCode.ENDORSEMENT_MISMATCH, replayed.reason());
      ObjectNode answer = Jcs.parseObject(ledger.endorsedHead(did, "n"));
      String payload = answer.get("payload").textValue();
      answer.put(
          "payload",
          payload.substring(0, 10)
              + (payload.charAt(10) == 'A' ? 'B' : 'A')
              + payload.substring(11));
      RejectedException tampered =
          assertThrows(
              RejectedException.class,
              () -> ledger.endorsementVerifier().verify(did, "n", Jcs.canonicalize(answer), now));
      assertEquals(ReasonCode.ENDORSEMENT_INVALID, tampered.reason());
    }
  }

  @Test
  void failureBetweenStatementsOfAWriteLeavesNoTraceOfIt() throws Exception {
    int[] writes = {0};
    EmbeddedLedger.WriteFault fault =
        step -> {
          if (writes[0] == 2 && step.equals("put")) {
            throw new SQLException("injected failure after the first row of the write");
          }
        };
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    VersionRecord v1;
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local", fault)) {
      writes[0] = 1;
      v1 = ledger.submit(FabricDocuments.create("local", a));
      writes[0] = 2;
      assertThrows(LedgerCorruptedException.class, () -> ledger.submit(rotate(v1, a, b)));
      assertEquals(v1.versionId(), ledger.read(v1.did()).versionId());
    }
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      assertEquals(new IntegrityReport(1, 1, 1), ledger.verifyIntegrity());
      ledger.submit(rotate(v1, a, b));
      assertEquals(2, ledger.verifyIntegrity().versions());
    }
  }

  @Test
  void childJvmHaltedInTheMiddleOfAWriteLeavesALedgerThatReopensAndVerifies() throws Exception {
    List<String> out = runChild(List.of("halt-after-put", "7"), -1);
    assertTrue(out.contains("halting mid-write"), out.toString());
    List<String> committed =
        out.stream().filter(l -> l.startsWith("committed ")).map(l -> l.substring(10)).toList();
    assertEquals(3, committed.size(), "writes 1-6 are three DIDs; write 7 died mid-transaction");
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      assertEquals(new IntegrityReport(3, 6, 6), ledger.verifyIntegrity());
      assertEquals(committed, sorted(ledger.dids(), committed));
      SoftwareControllerKey k = SoftwareControllerKey.generate(Multikey.Type.ED25519);
      ledger.submit(FabricDocuments.create("local", k));
      assertEquals(7, ledger.verifyIntegrity().transactions());
    }
  }

  @Test
  void childJvmKilledWhileWritingLeavesALedgerThatReopensAndVerifies() throws Exception {
    List<String> out = runChild(List.of("loop"), 15);
    List<String> committed =
        out.stream().filter(l -> l.startsWith("committed ")).map(l -> l.substring(10)).toList();
    assertTrue(committed.size() >= 15);
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      IntegrityReport report = ledger.verifyIntegrity();
      assertTrue(
          ledger.dids().containsAll(committed), "every write the child saw committed survived");
      assertTrue(
          report.dids() >= committed.size(),
          "a write past the last line read may also have committed");
    }
  }

  private static List<String> sorted(List<String> actual, List<String> expectedOrder) {
    return expectedOrder.stream().filter(actual::contains).toList();
  }

  /** Runs CrashWriter; with killAfter >= 0, SIGKILLs it once that many DIDs were committed. */
  private List<String> runChild(List<String> args, int killAfter)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CrashWriter.class.getName(),
                dir.toString()));
    command.addAll(args);
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (var reader =
        new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
      String line;
      long committed = 0;
      while ((line = reader.readLine()) != null) {
        lines.add(line);
        if (line.startsWith("committed ") && ++committed == killAfter) {
          child.destroyForcibly(); // SIGKILL: no shutdown hooks, no rollback, possibly mid-write
          break;
        }
      }
    }
    assertTrue(child.waitFor(60, TimeUnit.SECONDS));
    return lines;
  }

  @Test
  void concurrentWritersAreSerializedAndContendingUpdatesOfOneDidConflictCleanly()
      throws Exception {
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      SoftwareControllerKey shared = SoftwareControllerKey.generate(Multikey.Type.ED25519);
      VersionRecord base = ledger.submit(FabricDocuments.create("local", shared));
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<String>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(
            pool.submit(
                () -> {
                  SoftwareControllerKey own = SoftwareControllerKey.generate(Multikey.Type.ED25519);
                  VersionRecord v = ledger.submit(FabricDocuments.create("local", own));
                  ledger.submit(rotate(v, own, own));
                  try {
                    ledger.submit(
                        rotate(
                            base, shared, SoftwareControllerKey.generate(Multikey.Type.ED25519)));
                    return "won";
                  } catch (RejectedException e) {
                    return e.reason().code();
                  }
                }));
      }
      List<String> outcomes = new ArrayList<>();
      for (Future<String> f : results) {
        outcomes.add(f.get(60, TimeUnit.SECONDS));
      }
      pool.shutdown();
      assertEquals(1, outcomes.stream().filter("won"::equals).count(), outcomes.toString());
      assertEquals(
          7, outcomes.stream().filter("STALE_PREV_VERSION"::equals).count(), outcomes.toString());
      assertEquals(new IntegrityReport(9, 1 + 16 + 1, 18), ledger.verifyIntegrity());
    }
  }

  @Test
  void aGroupCommitCarriesManyWritersAndARejectedWriteInItHarmsNoOther() throws Exception {
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      int writers = 32;
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      List<Future<Object>> results = new ArrayList<>();
      for (int t = 0; t < writers; t++) {
        boolean forged = t % 4 == 0;
        results.add(
            pool.submit(
                () -> {
                  SoftwareControllerKey own = SoftwareControllerKey.generate(Multikey.Type.ED25519);
                  Operation create = FabricDocuments.create("local", own);
                  Operation sent = forged ? withOtherSignature(create) : create;
                  start.await();
                  try {
                    return ledger.submit(sent);
                  } catch (RejectedException e) {
                    return e.reason();
                  }
                }));
      }
      start.countDown();
      List<VersionRecord> committed = new ArrayList<>();
      int rejected = 0;
      for (Future<Object> f : results) {
        Object o = f.get(60, TimeUnit.SECONDS);
        if (o instanceof VersionRecord r) {
          committed.add(r);
        } else {
          assertEquals(ReasonCode.BAD_SIGNATURE, o);
          rejected++;
        }
      }
      pool.shutdown();
      assertEquals(writers / 4, rejected);
      assertEquals(writers - writers / 4, committed.size());
      for (VersionRecord r : committed) {
        assertEquals(r.versionId(), ledger.read(r.did()).versionId());
      }
      IntegrityReport report = ledger.verifyIntegrity();
      assertEquals(committed.size(), report.dids());
      assertEquals(committed.size(), report.versions());
    }
  }

  @Test
  void aStorageFailureInAGroupFailsEveryWriteOfItAndLeavesNone() throws Exception {
    boolean[] fail = {false};
    EmbeddedLedger.WriteFault fault =
        step -> {
          if (fail[0] && step.equals("txlog")) {
            throw new SQLException("injected storage failure");
          }
        };
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local", fault)) {
      VersionRecord before =
          ledger.submit(
              FabricDocuments.create(
                  "local", SoftwareControllerKey.generate(Multikey.Type.ED25519)));
      fail[0] = true;
      Operation create =
          FabricDocuments.create("local", SoftwareControllerKey.generate(Multikey.Type.ED25519));
      assertThrows(LedgerCorruptedException.class, () -> ledger.submit(create));
      fail[0] = false;
      assertEquals(
          ReasonCode.DID_NOT_FOUND,
          assertThrows(RejectedException.class, () -> ledger.read(create.did())).reason());
      assertEquals(1, ledger.verifyIntegrity().versions());
      assertEquals(before.versionId(), ledger.read(before.did()).versionId());
      assertEquals(1, ledger.submit(create).sequence());
    }
  }

  @Test
  void aSignatureCheckedAheadAgainstAHeadSinceMovedByAnotherWriterDoesNotLetARotatedKeyWrite()
      throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey c = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    try (EmbeddedLedger mine = EmbeddedLedger.open(dir, "local");
        EmbeddedLedger other = EmbeddedLedger.open(dir, "local")) {
      VersionRecord v1 = mine.submit(FabricDocuments.create("local", a));
      // another writer on the same file rotates A to B: this handle still remembers v1 (key A)
      VersionRecord v2 = other.submit(rotate(v1, a, b));
      // signed by A on v1: A's signature checks out against the remembered head, but v1 is stale
      assertEquals(
          ReasonCode.STALE_PREV_VERSION,
          assertThrows(RejectedException.class, () -> mine.submit(rotate(v1, a, c))).reason());
      // signed by the rotated-away A on v2, with the same method id #key-1 (now B's)
      assertEquals(
          ReasonCode.BAD_SIGNATURE,
          assertThrows(RejectedException.class, () -> mine.submit(rotate(v2, a, c))).reason());
      VersionRecord v3 = mine.submit(rotate(v2, b, c));
      // on this handle's own head (v3, key C): the old keys are refused too
      for (SoftwareControllerKey old : List.of(a, b)) {
        assertEquals(
            ReasonCode.BAD_SIGNATURE,
            assertThrows(RejectedException.class, () -> mine.submit(rotate(v3, old, a))).reason());
      }
      assertEquals(v3.versionId(), other.read(v1.did()).versionId());
      assertEquals(new IntegrityReport(1, 3, 3), mine.verifyIntegrity());
    }
  }

  /** The same operation with its signature replaced by one over other bytes. */
  private static Operation withOtherSignature(Operation op) throws Exception {
    ObjectNode json = Jcs.parseObject(op.toBytes());
    String sig = json.get("proof").get("signatureValue").asText();
    char c = sig.charAt(5) == 'A' ? 'B' : 'A';
    ((ObjectNode) json.get("proof"))
        .put("signatureValue", sig.substring(0, 5) + c + sig.substring(6));
    return Operation.parse(Jcs.canonicalize(json));
  }

  @Test
  void aWriteRunAheadOnRowsAnotherWriterHasSinceReplacedIsDecidedByTheContractOnTheLedger()
      throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey c = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    try (EmbeddedLedger mine = EmbeddedLedger.open(dir, "local");
        EmbeddedLedger other = EmbeddedLedger.open(dir, "local")) {
      VersionRecord v1 = mine.submit(FabricDocuments.create("local", a));
      VersionRecord v2 = mine.submit(rotate(v1, a, a)); // run ahead on the rows mine wrote
      assertEquals(2, mine.groupStats().validatedWrites());
      VersionRecord v3 = other.submit(rotate(v2, a, b));
      // mine still holds v2's rows: run ahead on them, this rotation by A is accepted, but the
      // head it read was replaced by v3, so the contract decides on the ledger: stale
      assertEquals(
          ReasonCode.STALE_PREV_VERSION,
          assertThrows(RejectedException.class, () -> mine.submit(rotate(v2, a, c))).reason());
      assertEquals(
          ReasonCode.BAD_SIGNATURE,
          assertThrows(RejectedException.class, () -> mine.submit(rotate(v3, a, a))).reason());
      assertEquals(2, mine.groupStats().validatedWrites());
      VersionRecord v4 = mine.submit(rotate(v3, b, a));
      assertEquals(v4.versionId(), other.read(v1.did()).versionId());
      assertEquals(new IntegrityReport(1, 4, 4), other.verifyIntegrity());
    }
  }

  @Test
  void ledgerTimeNeverGoesBackAcrossTheBlocksOfConcurrentGroups() throws Exception {
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<VersionRecord>> writes = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        Operation op =
            FabricDocuments.create("local", SoftwareControllerKey.generate(Multikey.Type.ED25519));
        writes.add(pool.submit(() -> ledger.submit(op)));
      }
      for (Future<VersionRecord> w : writes) {
        w.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      Instant previous = Instant.EPOCH;
      for (LedgerEvent e : ledger.eventsAfter(0)) {
        String did = Jcs.parseObject(e.payload()).get("did").textValue();
        Instant time = ledger.read(did).versionTime();
        assertTrue(!time.isBefore(previous), "block " + e.blockNumber() + " goes back in time");
        previous = time;
      }
      assertEquals(400, ledger.verifyIntegrity().versions());
    }
  }

  @Test
  void aLedgerFileServesOnlyTheNetworkItWasCreatedFor() throws Exception {
    EmbeddedLedger.open(dir, "local").close();
    assertThrows(IOException.class, () -> EmbeddedLedger.open(dir, "othernet"));
  }
}
