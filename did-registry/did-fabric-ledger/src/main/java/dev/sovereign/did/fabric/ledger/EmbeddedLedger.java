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
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The embedded did:fabric ledger: a SQLite file ({@code ledger.sqlite}, WAL) under a data
 * directory, running {@link DidFabricContract} through {@link SqliteLedgerState}. Concurrent writes
 * are group-committed: each group is one {@code BEGIN IMMEDIATE} SQLite transaction holding the
 * rows of every write the contract accepted, so writers (threads here, or other processes on the
 * same file) are serialized and a crash leaves either all of a group or none of it. Reads are
 * answered as endorsed reads signed by the ledger's own key (see {@link LedgerIdentity}).
 *
 * <p>Durability: SQLite runs with {@code synchronous=NORMAL} (a commit writes its WAL frames but
 * does not sync them; a checkpoint syncs the WAL before copying it and the database after), and
 * this class syncs the WAL itself, outside the write lock, on one thread of its own (the cutter):
 * one sync at a time, each covering every group committed before it starts, so the next groups are
 * applied while a sync runs and are all covered by the next one. A write is acknowledged (its
 * submit returns, its event is delivered, its refusal is reported) only after a sync that started
 * after its group's commit has completed; a read returns only once every commit it could have seen
 * is covered by a completed sync. A failed sync acknowledges nothing it covered and stops the
 * ledger: every later write and read fails until it is reopened.
 */
public final class EmbeddedLedger implements DidFabricLedger, AutoCloseable {
  /** Test hook between the statements of a write; production code passes {@link #NO_FAULT}. */
  interface WriteFault {
    void after(String step) throws SQLException, IOException;
  }

  static final WriteFault NO_FAULT = step -> {};

  private final DidFabricContract contract;
  private final ProviderSignatureVerifier signatures;
  private final Connection connection;
  private final StorageFormat format;
  private final LedgerIdentity identity;
  private final WriteFault fault;
  private final SecureRandom random = new SecureRandom();
  private final List<Consumer<LedgerEvent>> listeners = new CopyOnWriteArrayList<>();

  /**
   * Descriptors of the WAL file, opened with the ledger: each sync takes one for itself (the cutter
   * and a reader syncing another process's commits), so concurrent syncs each see a write-back
   * error of the pages they cover (Linux reports such an error once per open file description).
   */
  private final ArrayBlockingQueue<FileChannel> walChannels;

  private final PreparedStatement dataVersion;

  /** The leader's statements, prepared once (used holding the connection's lock). */
  private final Statements statements;

  /** Syncs the WAL after group commits, one sync at a time (see {@link #cutter()}). */
  private final Thread syncer;

  /** Set holding the connection's lock by {@link #close()}: no group is committed after it. */
  private volatile boolean shut;

  /** Copies the WAL into the database in the background (see {@link #checkpoints()}). */
  private final Connection checkpointConnection;

  private final Thread checkpointer;

  private volatile boolean closing;

  private EmbeddedLedger(
      DidFabricContract contract,
      Connection connection,
      StorageFormat format,
      LedgerIdentity identity,
      WriteFault fault,
      List<FileChannel> walChannels,
      long dataVersion,
      Connection checkpointConnection)
      throws SQLException {
    this.contract = contract;
    this.signatures = (ProviderSignatureVerifier) contract.verifier();
    this.connection = connection;
    this.format = format;
    this.identity = identity;
    this.fault = fault;
    this.walChannels = new ArrayBlockingQueue<>(walChannels.size(), false, walChannels);
    this.dataVersion = connection.prepareStatement("PRAGMA data_version");
    this.statements = new Statements(connection, format);
    this.syncedDataVersion = dataVersion;
    this.checkpointConnection = checkpointConnection;
    this.checkpointer = new Thread(this::checkpoints, "embedded-ledger-checkpoint");
    checkpointer.setDaemon(true);
    checkpointer.start();
    this.syncer = new Thread(this::cutter, "embedded-ledger-sync");
    syncer.setDaemon(true);
    syncer.start();
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
      StorageFormat format;
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 30000");
        format = createOrRead(c, s);
        s.execute("PRAGMA journal_mode = WAL");
        // commits write the WAL without syncing it; EmbeddedLedger syncs it after each group
        // commit, outside the write lock, and acknowledges nothing before that sync completes
        s.execute("PRAGMA synchronous = NORMAL");
        // the WAL is copied into the database by a background checkpoint (checkpoints()); the
        // writer checkpoints itself only if that falls far behind
        s.execute("PRAGMA wal_autocheckpoint = " + BACKSTOP_CHECKPOINT_PAGES);
        createTables(s, format); // a V1 file written by a build that stopped while creating it
      } catch (SQLException | RuntimeException | UnsupportedLedgerFormatException e) {
        c.close();
        throw e;
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
      // everything the file holds now, and the directory entries of the database and its WAL,
      // are on disk before the first write is acknowledged (synchronous=NORMAL does not sync a
      // new WAL's directory entry as FULL does)
      Path db = dataDir.resolve("ledger.sqlite");
      Path walFile = dataDir.resolve("ledger.sqlite-wal");
      long version;
      try (Statement s = c.createStatement();
          ResultSet r = s.executeQuery("PRAGMA data_version")) {
        version = r.next() ? r.getLong(1) : 0;
      }
      List<FileChannel> channels = new ArrayList<>();
      for (int i = 0; i < SYNC_CHANNELS; i++) {
        channels.add(FileChannel.open(walFile, StandardOpenOption.READ));
      }
      channels.get(0).force(false);
      try (FileChannel f = FileChannel.open(db, StandardOpenOption.READ)) {
        f.force(false);
      }
      try (FileChannel d = FileChannel.open(dataDir, StandardOpenOption.READ)) {
        d.force(true);
      }
      Connection checkpoint = DriverManager.getConnection("jdbc:sqlite:" + db);
      try (Statement s = checkpoint.createStatement()) {
        s.execute("PRAGMA busy_timeout = 30000");
        // a checkpoint syncs the WAL before copying it and the database after
        s.execute("PRAGMA synchronous = NORMAL");
        s.execute("PRAGMA wal_autocheckpoint = 0");
      }
      return new EmbeddedLedger(
          contract, c, format, identity, fault, channels, version, checkpoint);
    } catch (SQLException | GeneralSecurityException e) {
      throw new IOException("cannot open the embedded ledger in " + dataDir, e);
    }
  }

  /**
   * The file's storage format: a new file (no schema, user_version 0) is created in {@link
   * StorageFormat#CURRENT} (its page size, tables and user_version in one transaction, so a process
   * stopped while creating it leaves a file that is new again); a file with a schema is in the
   * format its user_version names (0: V1, every ledger written before formats were recorded).
   *
   * @throws UnsupportedLedgerFormatException for a user_version this build does not know
   */
  private static StorageFormat createOrRead(Connection c, Statement s)
      throws SQLException, UnsupportedLedgerFormatException {
    if (userVersion(s) == 0 && !hasSchema(s)) {
      // the page size takes effect only in a file that has no page yet (before WAL mode)
      s.execute("PRAGMA page_size = " + StorageFormat.CURRENT.pageSize);
      s.execute("BEGIN IMMEDIATE");
      boolean done = false;
      try {
        if (userVersion(s) == 0 && !hasSchema(s)) { // not created by another process meanwhile
          createTables(s, StorageFormat.CURRENT);
          s.execute("PRAGMA user_version = " + StorageFormat.CURRENT.version);
        }
        s.execute("COMMIT");
        done = true;
      } finally {
        if (!done) {
          s.execute("ROLLBACK");
        }
      }
    }
    return StorageFormat.of(userVersion(s));
  }

  private static void createTables(Statement s, StorageFormat format) throws SQLException {
    s.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    s.execute(format.createState);
    s.execute(
        "CREATE TABLE IF NOT EXISTS txlog (block INTEGER PRIMARY KEY, tx_id TEXT NOT NULL UNIQUE,"
            + " time TEXT NOT NULL, event_name TEXT NOT NULL, event_payload BLOB NOT NULL)");
    s.execute(format.createPolicy);
  }

  private static int userVersion(Statement s) throws SQLException {
    try (ResultSet r = s.executeQuery("PRAGMA user_version")) {
      return r.next() ? r.getInt(1) : 0;
    }
  }

  private static boolean hasSchema(Statement s) throws SQLException {
    try (ResultSet r = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
      return r.next() && r.getLong(1) > 0;
    }
  }

  /** The storage format of this ledger's file. */
  StorageFormat storageFormat() {
    return format;
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
   * one SQLite transaction (the contract decides on each before any of its rows is written, so a
   * rejected operation leaves no trace and does not affect the others; a later operation sees the
   * earlier ones), then commits once. The leader goes on committing the groups queued meanwhile
   * until its own write is acknowledged, then hands the lead to the next queued submitter. The
   * ledger's sync thread (the cutter) syncs the WAL, one sync at a time, each covering every group
   * committed before it starts; the writes of a group (accepted or refused) return only once such a
   * sync has completed, and if it fails none of them is acknowledged. If the commit fails, every
   * write of the group fails and none is on the ledger. A lone submitter is a group of one.
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
    requireHealthy();
    Pending mine = new Pending(Operation.parse(operation.toBytes()), endorsingOrgs);
    precheck(mine);
    simulate(mine);
    queue.add(mine);
    while (!mine.done) {
      if (!queue.isEmpty() && leader.tryLock()) {
        try {
          synchronized (connection) {
            // this write first (more than MAX_GROUP queued ahead: several groups), then what was
            // queued meanwhile, while this write waits for its sync anyway
            do {
              commitGroup();
            } while (!mine.done && !queue.isEmpty());
          }
        } finally {
          leader.unlock();
        }
        Pending next = queue.peek(); // queued after the last group: its submitter leads the next
        if (next != null) {
          LockSupport.unpark(next.thread);
        }
      } else {
        // the cutter unparks this thread when its write is synced, a leader when it is next to
        // lead; the bound only guards against a wake-up lost to a race the protocol does not have
        LockSupport.parkNanos(this, 10_000_000L);
      }
    }
    if (mine.event != null && !listeners.isEmpty()) { // (no iterator allocated per write without)
      for (Consumer<LedgerEvent> listener : listeners) {
        listener.accept(mine.event);
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
  private long leaderCpuNanos;
  private long validatedWrites;
  private long checkpointedWrites;
  private final LongAdder syncs = new LongAdder();
  private final LongAdder syncNanos = new LongAdder();

  /**
   * Committed groups since opening: how many, the writes they held (accepted or refused), the
   * leader's wall time applying them (contract and statements) and committing them (holding the
   * write lock), the leader's CPU time for both (less than the wall time when the leader's thread
   * waits for a core), how many accepted writes the leader applied from their submitter's
   * simulation (the others ran the contract on the leader), and the WAL syncs made after the
   * commits (outside the write lock, by the cutter, with readers' syncs of other processes'
   * commits).
   */
  public record GroupStats(
      long groups,
      long writes,
      long applyNanos,
      long commitNanos,
      long leaderCpuNanos,
      long validatedWrites,
      long syncs,
      long syncNanos) {}

  /** See {@link GroupStats}. */
  public GroupStats groupStats() {
    synchronized (connection) {
      return new GroupStats(
          groups,
          groupedWrites,
          applyNanos,
          commitNanos,
          leaderCpuNanos,
          validatedWrites,
          syncs.sum(),
          syncNanos.sum());
    }
  }

  /** The most writes one group commit holds. */
  static final int MAX_GROUP = 1024;

  /** Committed writes after which the background checkpoint runs. */
  static final int CHECKPOINT_WRITES = 256;

  /** WAL pages past which the background checkpoint waits for the writer to restart the WAL. */
  static final int RESTART_CHECKPOINT_PAGES = 8192;

  /** WAL pages past which the writer checkpoints at commit (the background one fell behind). */
  static final int BACKSTOP_CHECKPOINT_PAGES = 32768;

  /**
   * The most WAL syncs in flight at once (one open descriptor each): the cutter's, and a reader's
   * covering another process's commits.
   */
  static final int SYNC_CHANNELS = 2;

  /** The most recently written heads kept for pre-checks (dropped all at once beyond this). */
  static final int MAX_RECENT_HEADS = 1 << 16;

  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();

  private final ReentrantLock leader = new ReentrantLock();

  /** The rows this ledger last wrote, by state key: what a simulation assumes the state holds. */
  private final ConcurrentHashMap<String, byte[]> recentRows = new ConcurrentHashMap<>();

  /** The most rows kept for simulations (dropped all at once beyond this). */
  static final int MAX_RECENT_ROWS = 1 << 15;

  /**
   * The last version this ledger committed per DID, as its versionId and controller keys only:
   * which key an update's pre-check uses. (Not the version record itself: that holds the parsed
   * operation and its document, several kilobytes that the garbage collector would copy and scan
   * for as long as the entry lives.)
   */
  private final ConcurrentHashMap<String, RecentHead> recentHeads = new ConcurrentHashMap<>();

  /** A committed version's id and its capabilityInvocation keys (none once deactivated). */
  private record RecentHead(String versionId, Map<String, Multikey> keys) {}

  /** Group commits so far (written holding the connection's lock, after the commit). */
  private volatile long committedSeq;

  /** Group commits covered by a completed WAL sync (guarded by {@link #unsynced}). */
  private long durableSeq;

  /** The first failed WAL sync (guarded by {@link #unsynced}; read without it to fail fast). */
  private volatile Throwable syncFailure;

  /** The data_version this connection saw when it last synced (guarded by {@link #unsynced}). */
  private long syncedDataVersion;

  /** Committed groups whose writes wait for a sync, oldest first. */
  private final ArrayDeque<Group> unsynced = new ArrayDeque<>();

  private record Group(long seq, List<Pending> writes) {}

  /** A queued write and, once its group is committed or failed, its outcome. */
  private static final class Pending {
    final Operation operation;
    final List<String> endorsingOrgs;
    final Thread thread = Thread.currentThread();
    String txId; // drawn by the submitter, before it queues
    Instant time; // the submitter's time, the write's ledger time unless the ledger's is later
    SqliteLedgerState simulation; // the submitter's run of the contract, if it succeeded
    VersionRecord simulatedRecord;
    SqliteLedgerState applied; // the transaction whose rows the leader wrote
    Multikey checkedKey; // set by the submitter's own pre-check, before it queues
    byte[] checkedMessage;
    byte[] checkedSignature;
    VersionRecord record;
    Exception failure;
    LedgerEvent event;
    volatile boolean done; // its outcome may be returned: synced, or failed

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

  /**
   * The submitter's run of the contract, off the ledger, the way a Fabric peer endorses a proposal:
   * against the state this ledger last wrote for the keys it reads (absent if not known here), at
   * the submitter's time (as a Fabric transaction carries its client's timestamp), with its own
   * txId. If the contract accepts, the leader applies its writes only if every key it read still
   * holds the same bytes and the ledger's last time is not later; otherwise, or if the contract
   * refused here, the leader runs the contract itself, at the later of the two times.
   */
  private void simulate(Pending p) {
    p.time = Instant.now().truncatedTo(ChronoUnit.MICROS);
    SqliteLedgerState state =
        SqliteLedgerState.simulation(
            p.txId, p.time, key -> recentRows.get(key)); // recentRows: the leader's last writes
    try {
      SignatureVerifier checks =
          (key, message, signature) ->
              p.checked(key, message, signature) || signatures.verifies(key, message, signature);
      p.simulatedRecord =
          contract.submit(state, p.operation.type(), p.operation, p.endorsingOrgs, checks);
      p.simulation = state;
    } catch (RejectedException | RuntimeException e) {
      // decided by the leader's own run of the contract
    }
  }

  /** The submitter's own signature check (see {@link #submit(Operation, List)}). */
  private void precheck(Pending p) {
    byte[] nonce = new byte[24];
    random.nextBytes(nonce);
    p.txId = HexFormat.of().formatHex(Encoding.sha256(nonce));
    Operation op = p.operation;
    op.toBytes(); // kept by the operation: the leader's version record starts from these bytes
    try {
      Map<String, Multikey> keys;
      if (op.type() == Operation.Type.CREATE) {
        keys = op.documentKeys(); // kept by the operation: the contract does not redo it
      } else {
        RecentHead head = recentHeads.get(op.did());
        if (head == null || !head.versionId().equals(op.prevVersionId())) {
          return;
        }
        keys = head.keys();
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
   * Applies and commits the queued writes (called holding the connection's lock); the committed
   * group then waits in {@link #unsynced} for the cutter's next sync. A group that fails, or any
   * group once a sync has failed, is failed at once: nothing of it is on the ledger.
   *
   * <p>The contract decides on each write before any of its rows is written (it reads the state,
   * which holds the group's earlier writes, and buffers its own), so a refusal needs no rollback; a
   * storage failure while writing rows fails the whole group. The last block and time are kept from
   * the previous group unless another connection has committed since ({@code data_version}).
   */
  private void commitGroup() {
    List<Pending> group = new ArrayList<>();
    for (Pending p; group.size() < MAX_GROUP && (p = queue.poll()) != null; ) {
      group.add(p);
    }
    if (group.isEmpty()) {
      return;
    }
    // in the submitters' time order (stable), so that ledger time does not go back within a group
    group.sort(java.util.Comparator.comparing(p -> p.time));
    long t0 = System.nanoTime();
    long c0 = cpuNanos();
    boolean committed = false;
    try {
      requireHealthy();
      if (shut) {
        throw new IllegalStateException("the ledger is closed");
      }
      statements.begin.execute();
      try {
        long version = dataVersion();
        if (version != tipVersion) {
          tipBlock = lastBlock();
          tipTime = lastTime();
        }
        long block = tipBlock;
        Instant last = tipTime;
        int validated = 0;
        for (Pending p : group) {
          SqliteLedgerState simulated = p.simulation;
          if (simulated != null
              && (last == null || !simulated.txTimestamp().isBefore(last))
              && simulated.readsHold(statements.get, format)) {
            // the contract's run on the submitter's thread read what the ledger holds now: its
            // outcome is the contract's outcome here
            p.record = p.simulatedRecord;
            apply(simulated, block + 1, p.txId, simulated.txTimestamp());
            block++;
            last = simulated.txTimestamp();
            p.event = new LedgerEvent(block, p.txId, simulated.eventName, simulated.eventPayload);
            p.applied = simulated;
            validated++;
            continue;
          }
          Instant time = last != null && p.time.isBefore(last) ? last : p.time;
          SqliteLedgerState state =
              new SqliteLedgerState(connection, format, p.txId, time, statements.get);
          try {
            SignatureVerifier checks =
                (key, message, signature) ->
                    p.checked(key, message, signature)
                        || signatures.verifies(key, message, signature);
            p.record =
                contract.submit(state, p.operation.type(), p.operation, p.endorsingOrgs, checks);
          } catch (RejectedException | RuntimeException e) {
            // this write only, and nothing of it was written: the others of the group go on
            p.record = null;
            p.failure = e;
            continue;
          }
          apply(state, block + 1, p.txId, time); // a storage failure ends the group
          block++;
          last = time;
          p.event = new LedgerEvent(block, p.txId, state.eventName, state.eventPayload);
          p.applied = state;
        }
        long t1 = System.nanoTime();
        statements.commit.execute();
        committed = true;
        tipBlock = block;
        tipTime = last;
        tipVersion = version; // this connection's own commits do not change its data_version
        groups++;
        groupedWrites += group.size();
        validatedWrites += validated;
        if (groupedWrites - checkpointedWrites >= CHECKPOINT_WRITES) {
          checkpointedWrites = groupedWrites;
          LockSupport.unpark(checkpointer);
        }
        applyNanos += t1 - t0;
        commitNanos += System.nanoTime() - t1;
        leaderCpuNanos += cpuNanos() - c0;
      } finally {
        if (!committed) {
          tipVersion = -1;
          statements.rollback.execute();
        }
      }
    } catch (SQLException | IOException | RuntimeException e) {
      // nothing of the group is on the ledger (a failure after the commit is not possible here)
      if (!committed) {
        for (Pending p : group) {
          p.record = null;
          p.event = null;
          p.failure = e;
        }
      }
    }
    if (!committed) {
      for (Pending p : group) {
        p.done = true;
        LockSupport.unpark(p.thread);
      }
      return;
    }
    if (recentHeads.size() > MAX_RECENT_HEADS) {
      recentHeads.clear();
    }
    if (recentRows.size() > MAX_RECENT_ROWS) {
      recentRows.clear();
    }
    for (Pending p : group) {
      if (p.event != null) {
        keepHead(p.record);
        recentRows.putAll(p.applied.writes);
      }
      p.simulation = null;
      p.applied = null;
    }
    long seq = committedSeq + 1;
    synchronized (unsynced) {
      unsynced.addLast(new Group(seq, group));
      committedSeq = seq; // a sync that reads it after this line covers the group's frames
      if (syncFailure != null) {
        releaseCovered(); // the cutter has stopped: fail the group here
      }
    }
    LockSupport.unpark(syncer);
  }

  /**
   * Keeps {@code record} as the DID's head for pre-checks, with the keys {@link Transition#keysOf}
   * gives: none once deactivated, else its document's, which the operation computed (and kept) when
   * the contract accepted it. Without them (not possible for a version the contract accepted) the
   * DID's next write is simply not pre-checked.
   */
  private void keepHead(VersionRecord record) {
    try {
      Map<String, Multikey> keys =
          record.deactivates() ? Map.of() : record.operation().documentKeys();
      recentHeads.put(record.did(), new RecentHead(record.versionId(), keys));
    } catch (RejectedException e) {
      recentHeads.remove(record.did());
    }
  }

  // the last committed block and time, and this connection's data_version when they were read
  // (guarded by the connection's lock); -1: read them again
  private long tipBlock;
  private Instant tipTime;
  private long tipVersion = -1;

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private static long cpuNanos() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
  }

  /**
   * The background checkpoint: every {@link #CHECKPOINT_WRITES} committed writes, copies the WAL's
   * frames into the database on a connection of its own (SQLite syncs the WAL before copying and
   * the database after), so the leader's commits only append to the WAL. A passive checkpoint never
   * blocks the writer; once the WAL holds more than {@link #RESTART_CHECKPOINT_PAGES} pages a
   * restarting one waits for the writer lock so that the next commit starts the WAL over. A failed
   * checkpoint leaves the WAL as it was (nothing is lost) and is tried again.
   */
  private void checkpoints() {
    while (!closing) {
      LockSupport.parkNanos(this, 1_000_000_000L);
      if (closing) {
        return;
      }
      try (Statement s = checkpointConnection.createStatement();
          ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
        if (r.next() && r.getLong(2) > RESTART_CHECKPOINT_PAGES) {
          try (ResultSet restart = s.executeQuery("PRAGMA wal_checkpoint(RESTART)")) {
            restart.next();
          }
        }
      } catch (SQLException e) {
        checkpointFailures.increment();
      }
    }
  }

  private final LongAdder checkpointFailures = new LongAdder();

  /**
   * The cutter: while groups are committed and not yet covered, syncs the WAL, one sync at a time,
   * each covering every group committed before it starts (whatever was committed while the previous
   * sync ran), then releases the writes of the covered groups and the readers waiting for them. A
   * write committed while a sync runs waits for the next one, never for a sync of its own. After a
   * failed sync it stops: nothing not yet released is ever acknowledged (see {@link
   * #requireHealthy()}), and leaders fail their groups themselves.
   */
  private void cutter() {
    while (true) {
      long covered = committedSeq;
      synchronized (unsynced) {
        if (syncFailure != null) {
          return;
        }
        if (covered <= durableSeq) {
          covered = -1;
        }
      }
      if (covered != -1) {
        syncWal(covered, -1);
      } else if (shut) {
        return; // no group is committed after shut, and every committed one is synced
      } else {
        LockSupport.park(this);
      }
    }
  }

  /**
   * Syncs the WAL (on a descriptor of its own) covering group {@code covered} and, if {@code
   * dataVersion} is not -1, other connections' commits up to that data_version.
   */
  private void syncWal(long covered, long dataVersion) {
    FileChannel channel = null;
    Throwable failure = null;
    long t0 = System.nanoTime();
    try {
      channel = walChannels.take();
      fault.after("sync");
      channel.force(false);
    } catch (IOException | SQLException | RuntimeException e) {
      failure = e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = e;
    } finally {
      if (channel != null) {
        walChannels.add(channel);
      }
    }
    syncs.increment();
    syncNanos.add(System.nanoTime() - t0);
    synchronized (unsynced) {
      if (failure != null) {
        if (syncFailure == null) {
          syncFailure = failure;
        }
      } else {
        durableSeq = Math.max(durableSeq, covered);
        if (dataVersion != -1) {
          syncedDataVersion = dataVersion;
        }
      }
      releaseCovered();
    }
  }

  /**
   * Releases every write of a group covered by a completed sync, or, once a sync failed, of every
   * waiting group (failed, not acknowledged); wakes waiting readers. Called holding {@link
   * #unsynced}.
   */
  private void releaseCovered() {
    Throwable failed = syncFailure;
    while (!unsynced.isEmpty() && (failed != null || unsynced.peekFirst().seq() <= durableSeq)) {
      for (Pending p : unsynced.pollFirst().writes()) {
        if (failed != null) {
          p.record = null;
          p.event = null;
          p.failure = notDurable(failed);
        }
        p.done = true;
        LockSupport.unpark(p.thread);
      }
    }
    unsynced.notifyAll();
  }

  private static LedgerCorruptedException notDurable(Throwable syncFailure) {
    return new LedgerCorruptedException(
        "the WAL sync failed: writes since the last completed sync are not acknowledged, and the"
            + " ledger must be reopened",
        syncFailure);
  }

  /** Fails fast once a WAL sync has failed. */
  private void requireHealthy() {
    Throwable failed = syncFailure;
    if (failed != null) {
      throw notDurable(failed);
    }
  }

  /** The leader's statements, prepared once for every group. */
  private static final class Statements implements AutoCloseable {
    final PreparedStatement get;
    final PreparedStatement put;
    final PreparedStatement policy;
    final PreparedStatement log;
    final PreparedStatement begin;
    final PreparedStatement commit;
    final PreparedStatement rollback;
    final PreparedStatement lastBlock;
    final PreparedStatement lastTime;

    Statements(Connection c, StorageFormat format) throws SQLException {
      begin = c.prepareStatement("BEGIN IMMEDIATE");
      commit = c.prepareStatement("COMMIT");
      rollback = c.prepareStatement("ROLLBACK");
      lastBlock = c.prepareStatement("SELECT max(block) FROM txlog");
      lastTime = c.prepareStatement("SELECT time FROM txlog ORDER BY block DESC LIMIT 1");
      get = c.prepareStatement(format.get);
      put = c.prepareStatement(format.put);
      policy = c.prepareStatement(format.policy);
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
      begin.close();
      commit.close();
      rollback.close();
      lastBlock.close();
      lastTime.close();
    }
  }

  private void apply(SqliteLedgerState state, long block, String txId, Instant time)
      throws SQLException, IOException {
    PreparedStatement put = statements.put;
    for (Map.Entry<String, byte[]> w : state.writes.entrySet()) {
      put.setBytes(1, format.rowKey(w.getKey()));
      put.setBytes(2, w.getValue());
      put.executeUpdate();
      fault.after("put");
    }
    for (Map.Entry<String, List<String>> p : state.endorsement.entrySet()) {
      statements.policy.setBytes(1, format.rowKey(p.getKey()));
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
    try (ResultSet r = statements.lastBlock.executeQuery()) {
      return r.next() ? r.getLong(1) : 0;
    }
  }

  /** The time of the last committed transaction, if any (ledger time never goes back). */
  private Instant lastTime() throws SQLException {
    try (ResultSet r = statements.lastTime.executeQuery()) {
      return r.next() ? Instant.parse(r.getString(1)) : null;
    }
  }

  private SqliteLedgerState readView() {
    return new SqliteLedgerState(connection, format, null, null, null);
  }

  /** A read of the ledger's state, made holding the connection's lock. */
  @FunctionalInterface
  private interface Read<T, E extends Exception> {
    T read() throws E;
  }

  /**
   * Runs {@code body} and returns its answer only once every commit it could have seen is covered
   * by a completed WAL sync: this ledger's groups up to the last one committed, and other
   * connections' commits (a changed data_version: this connection then syncs the WAL itself). So no
   * reader is shown a write a power loss could still take back.
   */
  private <T, E extends Exception> T durably(Read<T, E> body) throws E {
    T answer;
    long seq;
    long version;
    synchronized (connection) {
      requireHealthy();
      answer = body.read();
      seq = committedSeq;
      version = dataVersion();
    }
    boolean foreign;
    boolean wait;
    synchronized (unsynced) {
      foreign = version != syncedDataVersion;
      wait = durableSeq < seq && syncFailure == null;
    }
    if (foreign) {
      syncWal(seq, version);
    } else if (wait) {
      step("read-waits-for-sync");
    }
    boolean interrupted = false;
    synchronized (unsynced) {
      while (durableSeq < seq && syncFailure == null) {
        try {
          unsynced.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    requireHealthy();
    return answer;
  }

  private long dataVersion() {
    try (ResultSet r = dataVersion.executeQuery()) {
      return r.next() ? r.getLong(1) : 0;
    } catch (SQLException e) {
      throw new LedgerCorruptedException("data_version unreadable", e);
    }
  }

  private void step(String name) {
    try {
      fault.after(name);
    } catch (SQLException | IOException e) {
      throw new LedgerCorruptedException("injected failure at " + name, e);
    }
  }

  /** The current version record of {@code did}. */
  public VersionRecord read(String did) throws RejectedException {
    return durably(() -> contract.read(readView(), did));
  }

  @Override
  public byte[] exportLog(String did) throws RejectedException {
    return durably(() -> contract.exportLog(readView(), did));
  }

  @Override
  public byte[] endorsedHead(String did, String nonce) throws RejectedException {
    byte[] payload = durably(() -> contract.head(readView(), did, nonce));
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
    return durably(this::didsHeld);
  }

  private List<String> didsHeld() {
    List<String> out = new java.util.ArrayList<>();
    for (byte[] head : readView().getByPartialCompositeKey("did")) {
      out.add(Jcs.parseObject(head).get("did").textValue());
    }
    return out;
  }

  /**
   * Re-verifies the whole file: every DID's exported log with {@link OperationLogVerifier}, each
   * head against its log's last version, and each transaction's event against its version record.
   */
  public IntegrityReport verifyIntegrity() {
    return durably(this::verifyIntegrityHeld);
  }

  private IntegrityReport verifyIntegrityHeld() {
    int versions = 0;
    long transactions;
    List<String> dids = didsHeld();
    for (String did : dids) {
      try {
        VerifiedDidLog log = OperationLogVerifier.verify(did, contract.exportLog(readView(), did));
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
    if (transactions != versions) {
      throw new LedgerCorruptedException(
          transactions + " transactions but " + versions + " versions", null);
    }
    return new IntegrityReport(dids.size(), versions, transactions);
  }

  /**
   * Events committed after {@code afterBlock}, oldest first (replay for listeners that were away).
   */
  public List<LedgerEvent> eventsAfter(long afterBlock) {
    return durably(
        () -> {
          List<LedgerEvent> out = new java.util.ArrayList<>();
          try (PreparedStatement s =
              connection.prepareStatement(
                  "SELECT block, tx_id, event_name, event_payload FROM txlog WHERE block > ? ORDER BY block")) {
            s.setLong(1, afterBlock);
            try (ResultSet r = s.executeQuery()) {
              while (r.next()) {
                out.add(
                    new LedgerEvent(r.getLong(1), r.getString(2), r.getString(3), r.getBytes(4)));
              }
            }
          } catch (SQLException e) {
            throw new LedgerCorruptedException("transaction log unreadable", e);
          }
          return out;
        });
  }

  /**
   * Closes the ledger once every committed group is synced (its writes are then answered); a write
   * queued after the close fails.
   */
  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(checkpointer);
    boolean interruptedJoin = false;
    try {
      checkpointer.join();
    } catch (InterruptedException e) {
      interruptedJoin = true;
    }
    synchronized (connection) {
      shut = true;
    }
    LockSupport.unpark(syncer);
    while (true) {
      try {
        syncer.join();
        break;
      } catch (InterruptedException e) {
        interruptedJoin = true;
      }
    }
    List<FileChannel> channels = new ArrayList<>();
    boolean interrupted = false;
    while (channels.size() < SYNC_CHANNELS) {
      try {
        channels.add(walChannels.take());
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted || interruptedJoin) {
      Thread.currentThread().interrupt();
    }
    synchronized (connection) {
      try {
        for (FileChannel c : channels) {
          c.close();
        }
        dataVersion.close();
        statements.close();
        checkpointConnection.close();
        connection.close();
      } catch (SQLException | IOException e) {
        throw new LedgerCorruptedException("close failed", e);
      }
    }
  }

  static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
