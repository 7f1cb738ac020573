package dev.sovereign.did.fabric.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.fabric.FabricDidResolver;
import dev.sovereign.did.fabric.core.EndorsedHead;
import dev.sovereign.did.fabric.core.FabricDidEvidence;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.LedgerState;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger file's storage formats: new ledgers in V2 (8 KiB pages, a DID's rows together), a
 * ledger written by the code before V2 (the fixture {@code ledger-v1/ledger.sqlite}, written by
 * main at 75c702c: 7 DIDs, 10 versions, a rotation by a P-256 key, a deactivation, a per-DID
 * endorsement policy) opened and written in place with the same answers, an unknown format refused.
 */
class StorageFormatTest {
  @TempDir Path dir;

  private static final int FIXTURE_DIDS = 7;
  private static final int FIXTURE_VERSIONS = 10;

  private void copyFixture(Path to) throws Exception {
    Files.createDirectories(to);
    try (InputStream in = getClass().getResourceAsStream("/ledger-v1/ledger.sqlite")) {
      assertNotNull(in, "fixture ledger-v1/ledger.sqlite");
      Files.copy(in, to.resolve("ledger.sqlite"));
    }
  }

  private static Connection jdbc(Path ledgerDir) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + ledgerDir.resolve("ledger.sqlite"));
  }

  private static long pragma(Path ledgerDir, String name) throws SQLException {
    try (Connection c = jdbc(ledgerDir);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("PRAGMA " + name)) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void aV2RowKeyPutsTheDidFirstKeepsRangeOrderAndInvertsExactly() {
    String did = "did:fabric:local:abc";
    List<String> keys =
        List.of(
            LedgerState.compositeKey("did", did),
            LedgerState.compositeKey("didver", did, "0000000001"),
            LedgerState.compositeKey("didver", did, "0000000002"),
            LedgerState.compositeKey("didvid", did, "v-1"),
            LedgerState.compositeKey("did", did + "x"),
            "plain",
            LedgerState.compositeKey("lonely"));
    for (String key : keys) {
      byte[] row = StorageFormat.V2.rowKey(key);
      assertEquals(key, StorageFormat.logicalKey(row));
      assertArrayEquals(key.getBytes(StandardCharsets.UTF_8), StorageFormat.V1.rowKey(key));
    }
    byte[] head = StorageFormat.V2.rowKey(keys.get(0));
    assertEquals(1, head[0]);
    assertEquals(did + "\u0000did\u0000", new String(head, 1, head.length - 1, UTF8));
    assertEquals("didver", StorageFormat.typeOf(StorageFormat.V2.rowKey(keys.get(1))));
    assertEquals(null, StorageFormat.typeOf(StorageFormat.V2.rowKey("plain")));
    // a DID's versions are exactly the rows in its range, in sequence order
    byte[][] range = StorageFormat.V2.range(LedgerState.compositeKey("didver", did));
    for (String key : keys) {
      byte[] row = StorageFormat.V2.rowKey(key);
      boolean in =
          Arrays.compareUnsigned(row, range[0]) >= 0 && Arrays.compareUnsigned(row, range[1]) < 0;
      assertEquals(key.startsWith(LedgerState.compositeKey("didver", did)), in, key);
    }
    assertTrue(
        Arrays.compareUnsigned(
                StorageFormat.V2.rowKey(keys.get(1)), StorageFormat.V2.rowKey(keys.get(2)))
            < 0);
    assertEquals(null, StorageFormat.V2.range(LedgerState.compositeKey("did")));
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  @Test
  void aNewLedgerIsWrittenInFormatTwoWithEightKibPagesAndEachDidsRowsTogether() throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    String did;
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      assertEquals(StorageFormat.V2, ledger.storageFormat());
      VersionRecord v1 = ledger.submit(FabricDocuments.create("local", a));
      did = v1.did();
      ledger.submit(
          FabricDocuments.update(
              did,
              v1.versionId(),
              FabricDocuments.document(did, List.of(a.publicKey()), 1),
              did + "#key-1",
              a));
      ledger.submit(
          FabricDocuments.create("local", SoftwareControllerKey.generate(Multikey.Type.ED25519)));
    }
    assertEquals(2, pragma(dir, "user_version"));
    assertEquals(8192, pragma(dir, "page_size"));
    List<String> logical = new ArrayList<>();
    try (Connection c = jdbc(dir);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT skey FROM state ORDER BY skey")) {
      while (r.next()) {
        logical.add(StorageFormat.logicalKey(r.getBytes(1)));
      }
    }
    assertEquals(8, logical.size());
    // the DID's head, two versions and two versionId rows are adjacent in key order
    int first = -1;
    for (int i = 0; i < logical.size(); i++) {
      if (logical.get(i).contains(did)) {
        first = first == -1 ? i : first;
        assertTrue(i - first < 5, "rows of " + did + " together: " + logical);
      }
    }
    assertTrue(logical.get(first).equals(LedgerState.compositeKey("did", did)));
    // a build that knows only V1 cannot prepare its statements on this file: it fails to open
    try (Connection c = jdbc(dir)) {
      assertThrows(SQLException.class, () -> c.prepareStatement(StorageFormat.V1.get));
      assertThrows(SQLException.class, () -> c.prepareStatement(StorageFormat.V1.policy));
    }
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      assertEquals(new IntegrityReport(2, 3, 3), ledger.verifyIntegrity());
    }
  }

  @Test
  void aLedgerWrittenBeforeFormatTwoOpensInPlaceAnswersRefusesReplaysAndKeepsWorking()
      throws Exception {
    copyFixture(dir);
    SoftwareControllerKey k = SoftwareControllerKey.generate(Multikey.Type.P256);
    String created;
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      assertEquals(StorageFormat.V1, ledger.storageFormat());
      assertEquals(
          new IntegrityReport(FIXTURE_DIDS, FIXTURE_VERSIONS, FIXTURE_VERSIONS),
          ledger.verifyIntegrity());
      for (String did : ledger.dids()) {
        List<Operation> ops = operations(ledger, did);
        // every recorded operation submitted again is refused as a replay (the head, the version
        // and the versionId rows of the V1 file are read)
        for (Operation op : ops) {
          RejectedException replay = assertThrows(RejectedException.class, () -> ledger.submit(op));
          assertTrue(
              replay.reason() == ReasonCode.REPLAYED_OPERATION
                  || replay.reason() == ReasonCode.DEACTIVATED,
              did + " " + replay.reason());
        }
      }
      VersionRecord v1 = ledger.submit(FabricDocuments.create("local", k));
      created = v1.did();
      ledger.submit(
          FabricDocuments.update(
              created,
              v1.versionId(),
              FabricDocuments.document(created, List.of(k.publicKey()), 1),
              created + "#key-1",
              k));
      assertEquals(FIXTURE_VERSIONS + 2, ledger.eventsAfter(0).size());
    }
    assertEquals(0, pragma(dir, "user_version"));
    assertEquals(4096, pragma(dir, "page_size"));
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      assertEquals(StorageFormat.V1, ledger.storageFormat());
      assertEquals(
          new IntegrityReport(FIXTURE_DIDS + 1, FIXTURE_VERSIONS + 2, FIXTURE_VERSIONS + 2),
          ledger.verifyIntegrity());
      assertEquals(2, ledger.read(created).sequence());
      EndorsedHead head =
          ledger
              .endorsementVerifier()
              .verify(created, "n", ledger.endorsedHead(created, "n"), now());
      assertEquals(2, head.sequence());
    }
  }

  private static Instant now() {
    return Instant.now();
  }

  private static List<Operation> operations(EmbeddedLedger ledger, String did) throws Exception {
    List<Operation> out = new ArrayList<>();
    for (JsonNode v : Jcs.parseObject(ledger.exportLog(did)).get("versions")) {
      out.add(VersionRecord.parse(v).operation());
    }
    return out;
  }

  /**
   * The fixture's rows copied, each under its V2 row key, into a new V2 ledger: every query gives
   * the same bytes on both (the head, the log, the events, resolution at each version and time, the
   * evidence bundle's log and the endorsed head's signed payload, refusals and their reasons).
   */
  @Test
  void everyQueryGivesTheSameAnswerOnAFormatOneLedgerAndOnItsRowsInFormatTwo() throws Exception {
    Path one = dir.resolve("v1");
    Path two = dir.resolve("v2");
    copyFixture(one);
    EmbeddedLedger.open(two, "local").close();
    try (Connection from = jdbc(one);
        Connection to = jdbc(two)) {
      to.setAutoCommit(false);
      copyRows(from, "SELECT key, value FROM state", to, StorageFormat.V2.put, true);
      copyRows(from, "SELECT key, orgs FROM endorsement_policy", to, StorageFormat.V2.policy, true);
      try (Statement s = from.createStatement();
          ResultSet r = s.executeQuery("SELECT * FROM txlog ORDER BY block");
          PreparedStatement p = to.prepareStatement("INSERT INTO txlog VALUES (?, ?, ?, ?, ?)")) {
        while (r.next()) {
          for (int i = 1; i <= 5; i++) {
            p.setObject(i, r.getObject(i));
          }
          p.executeUpdate();
        }
      }
      to.commit();
    }
    try (EmbeddedLedger v1 = EmbeddedLedger.open(one, "local");
        EmbeddedLedger v2 = EmbeddedLedger.open(two, "local")) {
      assertEquals(StorageFormat.V1, v1.storageFormat());
      assertEquals(StorageFormat.V2, v2.storageFormat());
      assertEquals(FIXTURE_DIDS, v1.dids().size());
      assertEquals(v1.dids(), v2.dids());
      assertEquals(v1.verifyIntegrity(), v2.verifyIntegrity());
      List<LedgerEvent> e1 = v1.eventsAfter(0);
      List<LedgerEvent> e2 = v2.eventsAfter(0);
      assertEquals(FIXTURE_VERSIONS, e1.size());
      for (int i = 0; i < e1.size(); i++) {
        assertEquals(e1.get(i).blockNumber(), e2.get(i).blockNumber());
        assertEquals(e1.get(i).txId(), e2.get(i).txId());
        assertEquals(e1.get(i).name(), e2.get(i).name());
        assertArrayEquals(e1.get(i).payload(), e2.get(i).payload());
      }
      assertEquals(v1.eventsAfter(4).size(), v2.eventsAfter(4).size());
      FabricDidResolver r1 = new FabricDidResolver(v1, v1.endorsementVerifier(), Clock.systemUTC());
      FabricDidResolver r2 = new FabricDidResolver(v2, v2.endorsementVerifier(), Clock.systemUTC());
      int deactivated = 0;
      for (String did : v1.dids()) {
        assertArrayEquals(v1.read(did).toBytes(), v2.read(did).toBytes());
        byte[] log = v1.exportLog(did);
        assertArrayEquals(log, v2.exportLog(did));
        // the endorsed head: the same signed payload (signatures are ECDSA, randomized, by each
        // ledger's own key), each verified against its ledger's CA
        EndorsedHead h1 =
            v1.endorsementVerifier().verify(did, "nonce", v1.endorsedHead(did, "nonce"), now());
        EndorsedHead h2 =
            v2.endorsementVerifier().verify(did, "nonce", v2.endorsedHead(did, "nonce"), now());
        assertEquals(h1.sequence(), h2.sequence());
        assertEquals(h1.versionId(), h2.versionId());
        assertEquals(
            Jcs.parseObject(v1.endorsedHead(did, "x")).get("payload"),
            Jcs.parseObject(v2.endorsedHead(did, "x")).get("payload"));
        assertEquals(
            Jcs.parseObject(FabricDidEvidence.bundle(v1, did, "n")).get("log"),
            Jcs.parseObject(FabricDidEvidence.bundle(v2, did, "n")).get("log"));
        assertEquals(
            FabricDidEvidence.verify(
                    did,
                    "n",
                    FabricDidEvidence.bundle(v1, did, "n"),
                    v1.endorsementVerifier(),
                    now())
                .records()
                .size(),
            FabricDidEvidence.verify(
                    did,
                    "n",
                    FabricDidEvidence.bundle(v2, did, "n"),
                    v2.endorsementVerifier(),
                    now())
                .records()
                .size());
        assertSameResolution(
            r1.resolve(Did.parse(did), ResolutionOptions.latest()),
            r2.resolve(Did.parse(did), ResolutionOptions.latest()));
        for (JsonNode version : Jcs.parseObject(log).get("versions")) {
          VersionRecord record = VersionRecord.parse(version);
          assertSameResolution(
              r1.resolve(Did.parse(did), ResolutionOptions.atVersion(record.versionId())),
              r2.resolve(Did.parse(did), ResolutionOptions.atVersion(record.versionId())));
          assertSameResolution(
              r1.resolve(Did.parse(did), ResolutionOptions.atTime(record.versionTime())),
              r2.resolve(Did.parse(did), ResolutionOptions.atTime(record.versionTime())));
          deactivated += record.deactivates() ? 1 : 0;
          // the same refusal, with the same reason and message, for a replay of each operation
          RejectedException x1 =
              assertThrows(RejectedException.class, () -> v1.submit(record.operation()));
          RejectedException x2 =
              assertThrows(RejectedException.class, () -> v2.submit(record.operation()));
          assertEquals(x1.reason(), x2.reason());
          assertEquals(x1.getMessage(), x2.getMessage());
        }
      }
      assertEquals(1, deactivated);
      assertEquals(v1.eventsAfter(0).size(), v2.eventsAfter(0).size()); // refusals wrote nothing
    }
  }

  private static void assertSameResolution(DidResolutionResult a, DidResolutionResult b) {
    assertEquals(a.error(), b.error());
    assertEquals(a.didDocument(), b.didDocument());
    assertEquals(a.didDocumentMetadata(), b.didDocumentMetadata());
  }

  private static void copyRows(
      Connection from, String select, Connection to, String insert, boolean keyed)
      throws SQLException {
    try (Statement s = from.createStatement();
        ResultSet r = s.executeQuery(select);
        PreparedStatement p = to.prepareStatement(insert)) {
      while (r.next()) {
        byte[] key = r.getBytes(1);
        p.setBytes(
            1, keyed ? StorageFormat.V2.rowKey(new String(key, StandardCharsets.UTF_8)) : key);
        p.setObject(2, r.getObject(2));
        p.executeUpdate();
      }
    }
  }

  @Test
  void aLedgerFileOfAnUnknownLaterFormatIsRefusedWithATypedErrorAndLeftAsItIs() throws Exception {
    EmbeddedLedger.open(dir, "local").close();
    try (Connection c = jdbc(dir);
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version = 3");
    }
    UnsupportedLedgerFormatException refused =
        assertThrows(
            UnsupportedLedgerFormatException.class, () -> EmbeddedLedger.open(dir, "local"));
    assertEquals(3, refused.found());
    assertEquals(3, pragma(dir, "user_version"));
  }

  /**
   * A format-one ledger written by eight threads and read by two in a child JVM killed with
   * SIGKILL: it reopens, still in format one, with every acknowledged and every read version.
   */
  @Test
  void aFormatOneLedgerKilledWhileManyThreadsWriteReopensWithEveryAcknowledgedVersion()
      throws Exception {
    copyFixture(dir);
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            CrashWriter.class.getName(),
            dir.toString(),
            "concurrent");
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    Map<String, String> seen = new HashMap<>();
    List<String> lines = new ArrayList<>();
    int acknowledged = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), UTF8))) {
      for (String line; (line = out.readLine()) != null; ) {
        lines.add(line);
        String[] f = line.split(" ");
        if (f[0].equals("acknowledged") || f[0].equals("read")) {
          seen.put(f[1] + " " + f[2], f[3]);
          acknowledged += f[0].equals("acknowledged") ? 1 : 0;
        }
        if (acknowledged >= 100) {
          child.destroyForcibly();
          break;
        }
      }
    }
    assertTrue(child.waitFor(60, TimeUnit.SECONDS));
    assertTrue(acknowledged >= 100, lines.toString());
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      assertEquals(StorageFormat.V1, ledger.storageFormat());
      IntegrityReport report = ledger.verifyIntegrity();
      assertTrue(report.versions() >= FIXTURE_VERSIONS + acknowledged);
      for (Map.Entry<String, String> e : seen.entrySet()) {
        String did = e.getKey().split(" ")[0];
        assertTrue(ledger.read(did).sequence() >= Long.parseLong(e.getKey().split(" ")[1]));
        assertTrue(EmbeddedLedger.utf8(ledger.exportLog(did)).contains(e.getValue()), e.toString());
      }
    }
    assertEquals(0, pragma(dir, "user_version"));
  }
}
