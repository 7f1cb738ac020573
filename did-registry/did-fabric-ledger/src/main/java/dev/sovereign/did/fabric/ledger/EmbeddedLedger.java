package dev.sovereign.did.fabric.ledger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.fabric.core.DidFabricContract;
import dev.sovereign.did.fabric.core.DidFabricLedger;
import dev.sovereign.did.fabric.core.Encoding;
import dev.sovereign.did.fabric.core.EndorsementVerifier;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.OperationLogVerifier;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.VerifiedDidLog;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The embedded did:fabric ledger: a SQLite file ({@code ledger.sqlite}, WAL, synchronous=FULL)
 * under a data directory, running {@link DidFabricContract} through {@link SqliteLedgerState}. Each
 * write is one {@code BEGIN IMMEDIATE} SQLite transaction, so writers (threads here, or other
 * processes on the same file) are serialized and a crash leaves either all of a write or none of
 * it. Reads are answered as endorsed reads signed by the ledger's own key (see {@link
 * LedgerIdentity}).
 */
public final class EmbeddedLedger implements DidFabricLedger, AutoCloseable {
  /** Test hook between the statements of a write; production code passes {@link #NO_FAULT}. */
  interface WriteFault {
    void after(String step) throws SQLException;
  }

  static final WriteFault NO_FAULT = step -> {};

  private final DidFabricContract contract;
  private final Connection connection;
  private final LedgerIdentity identity;
  private final WriteFault fault;
  private final SecureRandom random = new SecureRandom();
  private final List<Consumer<LedgerEvent>> listeners = new CopyOnWriteArrayList<>();

  private EmbeddedLedger(
      DidFabricContract contract,
      Connection connection,
      LedgerIdentity identity,
      WriteFault fault) {
    this.contract = contract;
    this.connection = connection;
    this.identity = identity;
    this.fault = fault;
  }

  /** Opens (creating if absent) the ledger for {@code network} in {@code dataDir}. */
  public static EmbeddedLedger open(Path dataDir, String network) throws IOException {
    return open(dataDir, network, NO_FAULT);
  }

  static EmbeddedLedger open(Path dataDir, String network, WriteFault fault) throws IOException {
    Files.createDirectories(dataDir);
    DidFabricContract contract = new DidFabricContract(network);
    try {
      LedgerIdentity identity = LedgerIdentity.loadOrCreate(dataDir.resolve("ledger-identity"));
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("ledger.sqlite"));
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 30000");
        s.execute("PRAGMA journal_mode = WAL");
        s.execute("PRAGMA synchronous = FULL");
        s.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
        s.execute(
            "CREATE TABLE IF NOT EXISTS state (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID");
        s.execute(
            "CREATE TABLE IF NOT EXISTS txlog (block INTEGER PRIMARY KEY, tx_id TEXT NOT NULL UNIQUE,"
                + " time TEXT NOT NULL, event_name TEXT NOT NULL, event_payload BLOB NOT NULL)");
        s.execute(
            "CREATE TABLE IF NOT EXISTS endorsement_policy (key BLOB PRIMARY KEY, orgs TEXT NOT NULL)");
      }
      try (PreparedStatement s =
          c.prepareStatement("INSERT OR IGNORE INTO meta (name, value) VALUES ('network', ?)")) {
        s.setString(1, network);
        s.executeUpdate();
      }
      c.setAutoCommit(true);
      String stored = meta(c, "network");
      if (!network.equals(stored)) {
        c.close();
        throw new IOException(
            "ledger in " + dataDir + " serves network " + stored + ", not " + network);
      }
      return new EmbeddedLedger(contract, c, identity, fault);
    } catch (SQLException | GeneralSecurityException e) {
      throw new IOException("cannot open the embedded ledger in " + dataDir, e);
    }
  }

  private static String meta(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  @Override
  public String network() {
    return contract.network();
  }

  /** The MSP id endorsed reads name. */
  public String mspId() {
    return LedgerIdentity.MSP_ID;
  }

  /** The organisation CA certificate to pin for this ledger's endorsed reads. */
  public X509Certificate orgCaCertificate() {
    return identity.caCertificate();
  }

  /** A verifier pinned to this ledger's organisation CA (one endorsement required). */
  public EndorsementVerifier endorsementVerifier() {
    return EndorsementVerifier.create(Map.of(mspId(), List.of(orgCaCertificate())), 1);
  }

  /** Called after each committed write with its event (cache invalidation). */
  public void addListener(Consumer<LedgerEvent> listener) {
    listeners.add(listener);
  }

  @Override
  public VersionRecord submit(Operation operation) throws RejectedException {
    return submit(operation, List.of());
  }

  /** Submits a write; {@code endorsingOrgs} is recorded as the DID's key-level policy on create. */
  public VersionRecord submit(Operation operation, List<String> endorsingOrgs)
      throws RejectedException {
    LedgerEvent event;
    VersionRecord record;
    synchronized (connection) {
      try (Statement s = connection.createStatement()) {
        s.execute("BEGIN IMMEDIATE");
        boolean committed = false;
        try {
          long block = lastBlock() + 1;
          Instant time = nextTimestamp();
          byte[] nonce = new byte[24];
          random.nextBytes(nonce);
          String txId = HexFormat.of().formatHex(Encoding.sha256(nonce));
          SqliteLedgerState state = new SqliteLedgerState(connection, txId, time);
          record = contract.submit(state, operation.type(), operation.toBytes(), endorsingOrgs);
          apply(state, block, txId, time);
          s.execute("COMMIT");
          committed = true;
          event = new LedgerEvent(block, txId, state.eventName, state.eventPayload);
        } finally {
          if (!committed) {
            s.execute("ROLLBACK");
          }
        }
      } catch (SQLException e) {
        throw new LedgerCorruptedException("write failed and was rolled back", e);
      }
    }
    for (Consumer<LedgerEvent> listener : listeners) {
      listener.accept(event);
    }
    return record;
  }

  private void apply(SqliteLedgerState state, long block, String txId, Instant time)
      throws SQLException {
    try (PreparedStatement put =
        connection.prepareStatement("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)")) {
      for (Map.Entry<String, byte[]> w : state.writes.entrySet()) {
        put.setBytes(1, SqliteLedgerState.key(w.getKey()));
        put.setBytes(2, w.getValue());
        put.executeUpdate();
        fault.after("put");
      }
    }
    for (Map.Entry<String, List<String>> p : state.endorsement.entrySet()) {
      try (PreparedStatement put =
          connection.prepareStatement(
              "INSERT OR REPLACE INTO endorsement_policy (key, orgs) VALUES (?, ?)")) {
        put.setBytes(1, SqliteLedgerState.key(p.getKey()));
        put.setString(2, String.join(",", p.getValue()));
        put.executeUpdate();
      }
    }
    try (PreparedStatement log =
        connection.prepareStatement(
            "INSERT INTO txlog (block, tx_id, time, event_name, event_payload) VALUES (?, ?, ?, ?, ?)")) {
      log.setLong(1, block);
      log.setString(2, txId);
      log.setString(3, time.toString());
      log.setString(4, state.eventName);
      log.setBytes(5, state.eventPayload);
      log.executeUpdate();
    }
    fault.after("txlog");
  }

  private long lastBlock() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet r = s.executeQuery("SELECT max(block) FROM txlog")) {
      return r.next() ? r.getLong(1) : 0;
    }
  }

  /** Ledger time: now (microseconds), never before the last committed transaction. */
  private Instant nextTimestamp() throws SQLException {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    try (Statement s = connection.createStatement();
        ResultSet r = s.executeQuery("SELECT time FROM txlog ORDER BY block DESC LIMIT 1")) {
      if (r.next()) {
        Instant last = Instant.parse(r.getString(1));
        return now.isBefore(last) ? last : now;
      }
    }
    return now;
  }

  private SqliteLedgerState readView() {
    return new SqliteLedgerState(connection, null, null);
  }

  /** The current version record of {@code did}. */
  public VersionRecord read(String did) throws RejectedException {
    synchronized (connection) {
      return contract.read(readView(), did);
    }
  }

  @Override
  public byte[] exportLog(String did) throws RejectedException {
    synchronized (connection) {
      return contract.exportLog(readView(), did);
    }
  }

  @Override
  public byte[] endorsedHead(String did, String nonce) throws RejectedException {
    byte[] payload;
    synchronized (connection) {
      payload = contract.head(readView(), did, nonce);
    }
    try {
      ObjectNode answer = JsonNodeFactory.instance.objectNode();
      answer.put("format", EndorsementVerifier.FORMAT);
      answer.put("payload", Encoding.b64url(payload));
      ArrayNode endorsements = answer.putArray("endorsements");
      ObjectNode e = endorsements.addObject();
      e.put("kind", "ledger");
      e.put("mspId", mspId());
      e.put("certificate", Encoding.b64url(identity.certificate().getEncoded()));
      e.put("signature", Encoding.b64url(identity.sign(EndorsementVerifier.signedBytes(payload))));
      return Jcs.canonicalize(answer);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ledger key cannot sign", e);
    }
  }

  /** Every DID with at least one version, in key order. */
  public List<String> dids() {
    List<String> out = new java.util.ArrayList<>();
    synchronized (connection) {
      for (byte[] head : readView().getByPartialCompositeKey("did")) {
        out.add(Jcs.parseObject(head).get("did").textValue());
      }
    }
    return out;
  }

  /**
   * Re-verifies the whole file: every DID's exported log with {@link OperationLogVerifier}, each
   * head against its log's last version, and each transaction's event against its version record.
   */
  public IntegrityReport verifyIntegrity() {
    int versions = 0;
    long transactions;
    synchronized (connection) {
      for (String did : dids()) {
        try {
          VerifiedDidLog log =
              OperationLogVerifier.verify(did, contract.exportLog(readView(), did));
          VersionRecord head = contract.read(readView(), did);
          if (!head.versionId().equals(log.current().versionId())) {
            throw new LedgerCorruptedException("head of " + did + " is not its last version", null);
          }
          versions += log.records().size();
        } catch (RejectedException e) {
          throw new LedgerCorruptedException(
              "log of " + did + " does not verify: " + e.getMessage(), e);
        }
      }
      try (Statement s = connection.createStatement();
          ResultSet r = s.executeQuery("SELECT count(*), coalesce(max(block), 0) FROM txlog")) {
        r.next();
        transactions = r.getLong(1);
        if (r.getLong(2) != transactions) {
          throw new LedgerCorruptedException("transaction log has gaps", null);
        }
      } catch (SQLException e) {
        throw new LedgerCorruptedException("transaction log unreadable", e);
      }
    }
    if (transactions != versions) {
      throw new LedgerCorruptedException(
          transactions + " transactions but " + versions + " versions", null);
    }
    return new IntegrityReport(dids().size(), versions, transactions);
  }

  /**
   * Events committed after {@code afterBlock}, oldest first (replay for listeners that were away).
   */
  public List<LedgerEvent> eventsAfter(long afterBlock) {
    List<LedgerEvent> out = new java.util.ArrayList<>();
    synchronized (connection) {
      try (PreparedStatement s =
          connection.prepareStatement(
              "SELECT block, tx_id, event_name, event_payload FROM txlog WHERE block > ? ORDER BY block")) {
        s.setLong(1, afterBlock);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            out.add(new LedgerEvent(r.getLong(1), r.getString(2), r.getString(3), r.getBytes(4)));
          }
        }
      } catch (SQLException e) {
        throw new LedgerCorruptedException("transaction log unreadable", e);
      }
    }
    return out;
  }

  @Override
  public void close() {
    synchronized (connection) {
      try {
        connection.close();
      } catch (SQLException e) {
        throw new LedgerCorruptedException("close failed", e);
      }
    }
  }

  static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
