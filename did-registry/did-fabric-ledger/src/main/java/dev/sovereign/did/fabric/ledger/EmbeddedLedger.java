package dev.sovereign.did.fabric.ledger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.crypto.Crypto;
import dev.sovereign.did.fabric.core.DidFabricContract;
import dev.sovereign.did.fabric.core.DidFabricLedger;
import dev.sovereign.did.fabric.core.Encoding;
import dev.sovereign.did.fabric.core.EndorsementVerifier;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.OperationLogVerifier;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SignatureVerifier;
import dev.sovereign.did.fabric.core.Transition;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The embedded did:fabric ledger: a SQLite file ({@code ledger.sqlite}, WAL, synchronous=FULL)
 * under a data directory, running {@link DidFabricContract} through {@link SqliteLedgerState}.
 * Concurrent writes are group-committed: each group is one {@code BEGIN IMMEDIATE} SQLite
 * transaction with a savepoint per write, so writers (threads here, or other processes on the same
 * file) are serialized and a crash leaves either all of a group or none of it. Reads are answered
 * as endorsed reads signed by the ledger's own key (see {@link LedgerIdentity}).
 */
public final class EmbeddedLedger implements DidFabricLedger, AutoCloseable {
  /** Test hook between the statements of a write; production code passes {@link #NO_FAULT}. */
  interface WriteFault {
    void after(String step) throws SQLException;
  }

  static final WriteFault NO_FAULT = step -> {};

  private final DidFabricContract contract;
  private final ProviderSignatureVerifier signatures;
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
    this.signatures = (ProviderSignatureVerifier) contract.verifier();
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
    DidFabricContract contract =
        new DidFabricContract(network, new ProviderSignatureVerifier(Crypto.system()));
    try {
      LedgerIdentity identity = LedgerIdentity.loadOrCreate(dataDir.resolve("ledger-identity"));
      java.util.Properties properties = new java.util.Properties();
      // the driver otherwise runs "SELECT last_insert_rowid()" after every INSERT; nothing here
      // reads generated keys
      properties.setProperty("jdbc.get_generated_keys", "false");
      Connection c =
          DriverManager.getConnection(
              "jdbc:sqlite:" + dataDir.resolve("ledger.sqlite"), properties);
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

  /**
   * Submits a write; {@code endorsingOrgs} is recorded as the DID's key-level policy on create.
   *
   * <p>Writes are committed in groups, the way an orderer cuts blocks: concurrent submitters queue
   * their operations and one of them (the leader) applies every queued operation in order inside
   * one SQLite transaction, each under its own savepoint (a rejected operation leaves no trace and
   * does not affect the others; a later operation sees the earlier ones), then commits once (one
   * WAL sync for the group). No submitter returns before the commit that holds its write; if the
   * commit fails, every write of the group fails and none is on the ledger. A lone submitter is a
   * group of one.
   *
   * <p>Before queueing, each submitter parses its operation from the wire bytes and checks its
   * signature in its own thread (on {@link Crypto#system()}), against the key the write will need
   * if the ledger does not move first: the new document's for a create, the last committed
   * version's (as this ledger last wrote it) for an update or deactivate. The leader's contract run
   * then skips only a check of exactly that key, message and signature, already found valid; any
   * other (the DID moved, another process wrote it, the pre-check failed or was not possible) is
   * made there, as before. So signature checks run on every core while the leader does the rest.
   */
  public VersionRecord submit(Operation operation, List<String> endorsingOrgs)
      throws RejectedException {
    Pending mine = new Pending(Operation.parse(operation.toBytes()), endorsingOrgs);
    precheck(mine);
    queue.add(mine);
    List<LedgerEvent> events = new ArrayList<>();
    while (!mine.done) {
      if (leader.tryLock()) {
        try {
          synchronized (connection) {
            while (!mine.done) { // more than MAX_GROUP queued ahead: several groups
              events.addAll(commitGroup());
            }
          }
        } finally {
          leader.unlock();
        }
        Pending next = queue.peek(); // queued while this group ran: its submitter leads the next
        if (next != null) {
          LockSupport.unpark(next.thread);
        }
      } else {
        // the leader unparks this thread when its write is done, or when it is next to lead; the
        // bound only guards against a wake-up lost to a race the protocol does not have
        LockSupport.parkNanos(this, 10_000_000L);
      }
    }
    for (LedgerEvent event : events) {
      for (Consumer<LedgerEvent> listener : listeners) {
        listener.accept(event);
      }
    }
    if (mine.failure instanceof RejectedException r) {
      throw r;
    }
    if (mine.failure instanceof RuntimeException e) {
      throw e;
    }
    if (mine.failure != null) {
      throw new LedgerCorruptedException("write failed and was rolled back", mine.failure);
    }
    return mine.record;
  }

  // committed groups so far (written by the leader holding the connection's lock)
  private long groups;
  private long groupedWrites;
  private long applyNanos;
  private long commitNanos;

  /**
   * Committed groups since opening: how many, the writes they held (accepted or refused), and the
   * leader's wall time applying them (contract and statements) and committing them (the WAL sync).
   */
  public record GroupStats(long groups, long writes, long applyNanos, long commitNanos) {}

  /** See {@link GroupStats}. */
  public GroupStats groupStats() {
    synchronized (connection) {
      return new GroupStats(groups, groupedWrites, applyNanos, commitNanos);
    }
  }

  /** The most writes one group commit holds. */
  static final int MAX_GROUP = 1024;

  /** The most recently written heads kept for pre-checks (dropped all at once beyond this). */
  static final int MAX_RECENT_HEADS = 1 << 16;

  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final ReentrantLock leader = new ReentrantLock();

  /** The last version this ledger committed per DID: which key an update's pre-check uses. */
  private final ConcurrentHashMap<String, VersionRecord> recentHeads = new ConcurrentHashMap<>();

  /** A queued write and, once its group is committed or failed, its outcome. */
  private static final class Pending {
    final Operation operation;
    final List<String> endorsingOrgs;
    final Thread thread = Thread.currentThread();
    Multikey checkedKey; // set by the submitter's own pre-check, before it queues
    byte[] checkedMessage;
    byte[] checkedSignature;
    VersionRecord record;
    Exception failure;
    LedgerEvent event;
    volatile boolean done;

    Pending(Operation operation, List<String> endorsingOrgs) {
      this.operation = operation;
      this.endorsingOrgs = endorsingOrgs;
    }

    /** Whether the submitter already found exactly this signature valid with this key. */
    boolean checked(Multikey key, byte[] message, byte[] signature) {
      return checkedKey != null
          && checkedKey.equals(key)
          && Arrays.equals(checkedMessage, message)
          && Arrays.equals(checkedSignature, signature);
    }
  }

  /** The submitter's own signature check (see {@link #submit(Operation, List)}). */
  private void precheck(Pending p) {
    Operation op = p.operation;
    op.toBytes(); // kept by the operation: the leader's version record starts from these bytes
    try {
      Map<String, Multikey> keys;
      if (op.type() == Operation.Type.CREATE) {
        keys = op.documentKeys(); // kept by the operation: the contract does not redo it
      } else {
        VersionRecord head = recentHeads.get(op.did());
        if (head == null || !head.versionId().equals(op.prevVersionId())) {
          return;
        }
        keys = Transition.keysOf(head);
      }
      Multikey key = keys.get(op.verificationMethod());
      byte[] message = op.signingInput();
      byte[] signature = op.signature();
      if (key != null && signatures.verifies(key, message, signature)) {
        p.checkedKey = key;
        p.checkedMessage = message;
        p.checkedSignature = signature;
      }
    } catch (RejectedException | RuntimeException e) {
      // not checkable ahead: the contract checks it in the group and says why it is refused
    }
  }

  /**
   * Applies and commits the queued writes (called holding the connection's lock); returns the
   * events of the committed ones, in order.
   */
  private List<LedgerEvent> commitGroup() {
    List<Pending> group = new ArrayList<>();
    for (Pending p; group.size() < MAX_GROUP && (p = queue.poll()) != null; ) {
      group.add(p);
    }
    List<LedgerEvent> events = new ArrayList<>();
    long t0 = System.nanoTime();
    try (Statement s = connection.createStatement();
        Statements statements = new Statements(connection)) {
      s.execute("BEGIN IMMEDIATE");
      boolean committed = false;
      try {
        long block = lastBlock();
        Instant last = lastTime();
        for (Pending p : group) {
          Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
          Instant time = last != null && now.isBefore(last) ? last : now;
          byte[] nonce = new byte[24];
          random.nextBytes(nonce);
          String txId = HexFormat.of().formatHex(Encoding.sha256(nonce));
          SqliteLedgerState state = new SqliteLedgerState(connection, txId, time, statements.get);
          statements.savepoint.execute();
          try {
            SignatureVerifier checks =
                (key, message, signature) ->
                    p.checked(key, message, signature)
                        || signatures.verifies(key, message, signature);
            p.record =
                contract.submit(state, p.operation.type(), p.operation, p.endorsingOrgs, checks);
            apply(statements, state, block + 1, txId, time);
            statements.release.execute();
            block++;
            last = time;
            p.event = new LedgerEvent(block, txId, state.eventName, state.eventPayload);
          } catch (RejectedException | RuntimeException e) {
            // this write only: the others of the group go on (storage errors end the group)
            statements.rollbackTo.execute();
            statements.release.execute();
            p.record = null;
            p.failure = e;
          }
        }
        long t1 = System.nanoTime();
        s.execute("COMMIT");
        committed = true;
        groups++;
        groupedWrites += group.size();
        applyNanos += t1 - t0;
        commitNanos += System.nanoTime() - t1;
      } finally {
        if (!committed) {
          s.execute("ROLLBACK");
        }
      }
    } catch (SQLException | RuntimeException e) {
      // nothing of the group is on the ledger
      for (Pending p : group) {
        p.record = null;
        p.event = null;
        p.failure = e;
      }
    }
    if (recentHeads.size() > MAX_RECENT_HEADS) {
      recentHeads.clear();
    }
    for (Pending p : group) {
      if (p.event != null) {
        events.add(p.event);
        recentHeads.put(p.record.did(), p.record);
      }
      p.done = true;
      LockSupport.unpark(p.thread);
    }
    return events;
  }

  /** The statements of one group commit, prepared once for all its writes. */
  private static final class Statements implements AutoCloseable {
    final PreparedStatement get;
    final PreparedStatement put;
    final PreparedStatement policy;
    final PreparedStatement log;
    final PreparedStatement savepoint;
    final PreparedStatement release;
    final PreparedStatement rollbackTo;

    Statements(Connection c) throws SQLException {
      savepoint = c.prepareStatement("SAVEPOINT write");
      release = c.prepareStatement("RELEASE write");
      rollbackTo = c.prepareStatement("ROLLBACK TO write");
      get = c.prepareStatement(SqliteLedgerState.GET);
      put = c.prepareStatement("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)");
      policy =
          c.prepareStatement("INSERT OR REPLACE INTO endorsement_policy (key, orgs) VALUES (?, ?)");
      log =
          c.prepareStatement(
              "INSERT INTO txlog (block, tx_id, time, event_name, event_payload)"
                  + " VALUES (?, ?, ?, ?, ?)");
    }

    @Override
    public void close() throws SQLException {
      get.close();
      put.close();
      policy.close();
      log.close();
      savepoint.close();
      release.close();
      rollbackTo.close();
    }
  }

  private void apply(
      Statements statements, SqliteLedgerState state, long block, String txId, Instant time)
      throws SQLException {
    PreparedStatement put = statements.put;
    for (Map.Entry<String, byte[]> w : state.writes.entrySet()) {
      put.setBytes(1, SqliteLedgerState.key(w.getKey()));
      put.setBytes(2, w.getValue());
      put.executeUpdate();
      fault.after("put");
    }
    for (Map.Entry<String, List<String>> p : state.endorsement.entrySet()) {
      statements.policy.setBytes(1, SqliteLedgerState.key(p.getKey()));
      statements.policy.setString(2, String.join(",", p.getValue()));
      statements.policy.executeUpdate();
    }
    PreparedStatement log = statements.log;
    log.setLong(1, block);
    log.setString(2, txId);
    log.setString(3, time.toString());
    log.setString(4, state.eventName);
    log.setBytes(5, state.eventPayload);
    log.executeUpdate();
    fault.after("txlog");
  }

  private long lastBlock() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet r = s.executeQuery("SELECT max(block) FROM txlog")) {
      return r.next() ? r.getLong(1) : 0;
    }
  }

  /** The time of the last committed transaction, if any (ledger time never goes back). */
  private Instant lastTime() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet r = s.executeQuery("SELECT time FROM txlog ORDER BY block DESC LIMIT 1")) {
      return r.next() ? Instant.parse(r.getString(1)) : null;
    }
  }

  private SqliteLedgerState readView() {
    return new SqliteLedgerState(connection, null, null, null);
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
