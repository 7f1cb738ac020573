package dev.sovereign.host;

import dev.sovereign.crypto.Crypto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The durable inbox: ciphertext only, written and synced to disk before the host answers 202.
 *
 * <p>SQLite in WAL mode with {@code synchronous=FULL}: a committed insert survives a crash of the
 * host process or the machine. A payload is identified by the SHA-256 of its JWE bytes, so a
 * producer's retry is idempotent. Payloads stay until the round's result covers them, then they are
 * deleted: no ciphertext outlives its round.
 */
public final class Inbox implements AutoCloseable {

  /** A stored payload. {@code verdict} is empty until the enclave has answered for it. */
  public record Entry(
      String payloadId,
      String round,
      String zone,
      String jwe,
      Instant receivedAt,
      Optional<String> verdict) {}

  /** How a payload was stored: newly, or already present (an idempotent retry). */
  public enum Stored {
    NEW,
    DUPLICATE
  }

  /** The store refused to write; nothing was acknowledged. */
  public static final class UnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Connection db;

  /**
   * The next arrival number; only this connection writes the database (every write holds the
   * monitor).
   */
  private long nextSeq;

  /** Submissions waiting for the next group commit (see {@link #put}). */
  private final java.util.concurrent.ConcurrentLinkedQueue<PendingPut> queued =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private Inbox(Connection db, long nextSeq) {
    this.db = db;
    this.nextSeq = nextSeq;
  }

  /**
   * One submission in a group commit: one payload, or a batch's payloads that must be committed
   * together. {@code outcomes} or {@code failure} is set by the committing caller only after the
   * commit (or its rollback), and read by its own caller under {@code turn}.
   */
  private static final class PendingPut {
    final String round;
    final List<Item> items;
    final Instant at;
    List<Stored> outcomes;
    UnavailableException failure;

    PendingPut(String round, List<Item> items, Instant at) {
      this.round = round;
      this.items = items;
      this.at = at;
    }

    boolean done() {
      return outcomes != null || failure != null;
    }
  }

  /** One payload to store: its id ({@link #payloadId}), its zone and the compact JWE. */
  public record Item(String payloadId, String zone, String jwe) {
    /** The item for {@code jwe}, its id computed here. */
    public static Item of(String zone, String jwe) {
      return new Item(Inbox.payloadId(jwe), zone, jwe);
    }
  }

  /** Opens (creating if needed) the inbox database under {@code dir}. */
  public static Inbox open(Path dir) throws SQLException {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new SQLException("cannot create the inbox directory", e);
    }
    // The driver directly, not DriverManager: Quarkus' class loaders hide drivers from it.
    Connection c =
        new org.sqlite.JDBC()
            .connect("jdbc:sqlite:" + dir.resolve("inbox.db"), new java.util.Properties());
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
      s.execute(
          "CREATE TABLE IF NOT EXISTS rounds (round TEXT PRIMARY KEY, dataset TEXT NOT NULL, "
              + "policy_sha256 TEXT NOT NULL, state TEXT NOT NULL, opened_at INTEGER NOT NULL, "
              + "result TEXT)");
      s.execute(
          "CREATE TABLE IF NOT EXISTS payloads (payload_id TEXT PRIMARY KEY, round TEXT NOT NULL, "
              + "zone TEXT NOT NULL, jwe TEXT NOT NULL, received_at INTEGER NOT NULL, seq INTEGER NOT NULL, "
              + "verdict TEXT, leaf TEXT)");
      s.execute("CREATE INDEX IF NOT EXISTS payloads_pending ON payloads(verdict, seq)");
      s.execute(
          "CREATE TABLE IF NOT EXISTS status_lists (url TEXT PRIMARY KEY, credential TEXT NOT NULL)");
      if (!hasColumn(c, "rounds", "expires_at")) {
        // protocol 1.2: when the enclave stops taking the round's payloads (null: not known)
        s.execute("ALTER TABLE rounds ADD COLUMN expires_at INTEGER");
      }
      s.execute(
          "CREATE TABLE IF NOT EXISTS verdict_counts (round TEXT NOT NULL, verdict TEXT NOT NULL, "
              + "n INTEGER NOT NULL, PRIMARY KEY (round, verdict))");
    }
    long next;
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT COALESCE(MAX(seq),0)+1 FROM payloads")) {
      r.next();
      next = r.getLong(1);
    }
    c.setAutoCommit(false);
    return new Inbox(c, next);
  }

  private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (r.next()) {
        if (column.equals(r.getString("name"))) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * The payload id: lowercase hex SHA-256 of the compact JWE's bytes (also the enclave's Merkle
   * leaf).
   */
  public static String payloadId(String jwe) {
    // a submit asks twice for the same String on the same thread (the store, then the 202's body)
    String[] last = LAST_ID.get();
    if (last[0] == jwe) {
      return last[1];
    }
    String id =
        HexFormat.of().formatHex(SHA256.get().digest(jwe.getBytes(StandardCharsets.US_ASCII)));
    last[0] = jwe;
    last[1] = id;
    return id;
  }

  /**
   * Per thread: a SHA-256 instance (digest() resets it), not a provider lookup per submit. AWS-LC's
   * where it loads ({@link Crypto#bulkDigest}): the host runs C1-only, where the JDK's SHA-256 of a
   * ~6 KB JWE was 28% of the submit threads' CPU (docs/benchmarks.md).
   */
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Crypto.system().bulkDigest("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException(e);
            }
          });

  /**
   * Per thread: the last JWE (by identity; strings are immutable) whose id was computed, and that
   * id.
   */
  private static final ThreadLocal<String[]> LAST_ID = ThreadLocal.withInitial(() -> new String[2]);

  /** Records an opened round whose expiry is not known. */
  public void openRound(String round, String dataset, String policySha256, Instant at)
      throws UnavailableException {
    openRound(round, dataset, policySha256, at, null);
  }

  /**
   * Records an opened round.
   *
   * @param expiresAt when the enclave stops taking its payloads, or null if it did not say
   */
  public synchronized void openRound(
      String round, String dataset, String policySha256, Instant at, Instant expiresAt)
      throws UnavailableException {
    roundCache.remove(round); // refilled only under this monitor, so after this write's outcome
    write(
        () -> {
          try (PreparedStatement p =
              db.prepareStatement(
                  "INSERT INTO rounds(round, dataset, policy_sha256, state, opened_at, expires_at)"
                      + " VALUES (?,?,?,'open',?,?)")) {
            p.setString(1, round);
            p.setString(2, dataset);
            p.setString(3, policySha256);
            p.setLong(4, at.toEpochMilli());
            if (expiresAt == null) {
              p.setNull(5, java.sql.Types.INTEGER);
            } else {
              p.setLong(5, expiresAt.toEpochMilli());
            }
            p.executeUpdate();
          }
          return null;
        });
  }

  /**
   * A round's record, if the host knows it: {@code state} is a {@link
   * dev.sovereign.enclave.protocol.RoundState} wire name; {@code expiresAt} when the enclave stops
   * taking its payloads (empty if the enclave did not say, protocol 1.1 and older).
   */
  public record RoundRecord(
      String round,
      String dataset,
      String policySha256,
      String state,
      Optional<String> result,
      Optional<Instant> expiresAt) {
    /** Whether a payload may still be acknowledged for this round at {@code now}. */
    public boolean takesPayloadsAt(Instant now) {
      return state.equals("open") && expiresAt.map(now::isBefore).orElse(true);
    }
  }

  private static final String ROUND_COLUMNS =
      "round, dataset, policy_sha256, state, result, expires_at";

  private static RoundRecord roundRecord(ResultSet r) throws SQLException {
    long expires = r.getLong(6);
    Optional<Instant> expiresAt =
        r.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(expires));
    return new RoundRecord(
        r.getString(1),
        r.getString(2),
        r.getString(3),
        r.getString(4),
        Optional.ofNullable(r.getString(5)),
        expiresAt);
  }

  public Optional<RoundRecord> round(String round) throws SQLException {
    // every submit asks; the answer changes only through openRound/closeRound below
    RoundRecord known = roundCache.get(round);
    if (known != null) {
      return Optional.of(known);
    }
    synchronized (this) {
      Optional<RoundRecord> read = readRound(round);
      if (read.isPresent()) {
        if (roundCache.size() >= 10_000) {
          roundCache.clear();
        }
        roundCache.put(round, read.get());
      }
      return read;
    }
  }

  /**
   * Rounds read from the database, so that a submit does not query (and wait for the store's
   * monitor behind a group commit's sync) to learn its round's state. Filled under the monitor
   * after a read; the writers of a round's row drop its entry under the same monitor before they
   * write.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, RoundRecord> roundCache =
      new java.util.concurrent.ConcurrentHashMap<>();

  private Optional<RoundRecord> readRound(String round) throws SQLException {
    try (PreparedStatement p =
        db.prepareStatement("SELECT " + ROUND_COLUMNS + " FROM rounds WHERE round=?")) {
      p.setString(1, round);
      try (ResultSet r = p.executeQuery()) {
        if (!r.next()) {
          return Optional.empty();
        }
        return Optional.of(roundRecord(r));
      } finally {
        db.commit();
      }
    }
  }

  /** The {@code limit} most recently opened rounds, newest first (the operator console). */
  public synchronized List<RoundRecord> recentRounds(int limit) throws SQLException {
    List<RoundRecord> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT " + ROUND_COLUMNS + " FROM rounds ORDER BY opened_at DESC, round LIMIT ?")) {
      p.setInt(1, limit);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(roundRecord(r));
        }
      } finally {
        db.commit();
      }
    }
    return out;
  }

  /** All rounds still open or closing (replayed to a restarted enclave). */
  public synchronized List<RoundRecord> openRounds() throws SQLException {
    List<RoundRecord> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT "
                + ROUND_COLUMNS
                + " FROM rounds WHERE state IN ('open','closing') ORDER BY opened_at")) {
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(roundRecord(r));
        }
      } finally {
        db.commit();
      }
    }
    return out;
  }

  /**
   * Stores a payload durably. Returns only after the transaction holding it is committed and
   * synced, so the caller may then acknowledge it.
   *
   * <p>Group commit: concurrent callers queue their payloads; one of them at a time (the leader)
   * writes every queued payload in one transaction and one sync while the others wait, then each
   * finds its own done or, if it queued too late for that group, leads the next. No caller returns
   * before the commit that holds its payload; if that commit fails, every payload in it is rolled
   * back and each of their callers gets {@link UnavailableException}.
   */
  public Stored put(String round, String zone, String jwe, Instant at) throws UnavailableException {
    return putAll(round, List.of(Item.of(zone, jwe)), at).get(0);
  }

  /**
   * Stores a batch of payloads durably, all in one transaction: returns each one's outcome (in
   * {@code items}' order) only after the commit that holds them all is synced; if that commit
   * fails, none of them is stored and {@link UnavailableException} is thrown. An item whose id is
   * already stored, or appears earlier in the same batch, is {@link Stored#DUPLICATE}. Joins the
   * group commit of {@link #put}: the batch is one entry of a group, never split across two.
   */
  public List<Stored> putAll(String round, List<Item> items, Instant at)
      throws UnavailableException {
    if (items.isEmpty()) {
      return List.of();
    }
    PendingPut mine = new PendingPut(round, List.copyOf(items), at);
    queued.add(mine);
    boolean interrupted = false;
    try {
      while (true) {
        synchronized (turn) {
          // followers sleep while a leader commits (no spinning on the store's monitor meanwhile)
          while (committing && !mine.done()) {
            try {
              turn.wait();
            } catch (InterruptedException e) {
              interrupted = true; // the payload may be in the running commit: wait for its outcome
            }
          }
          if (mine.done()) {
            if (mine.failure != null) {
              throw mine.failure;
            }
            return mine.outcomes;
          }
          committing = true;
        }
        try {
          synchronized (this) {
            commitQueued();
          }
        } finally {
          synchronized (turn) {
            committing = false;
            turn.notifyAll();
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Guards {@link #committing}; followers of a group commit wait on it. */
  private final Object turn = new Object();

  /** Whether a caller of {@link #put} is writing a group (guarded by {@link #turn}). */
  private boolean committing;

  /** Writes every queued submission in one transaction (caller holds the monitor). */
  private void commitQueued() {
    List<PendingPut> group = new ArrayList<>();
    for (PendingPut p = queued.poll(); p != null; p = queued.poll()) {
      group.add(p);
    }
    if (group.isEmpty()) {
      return;
    }
    long firstSeq = nextSeq;
    List<List<Stored>> outcomes;
    int failAfter = failAfterRowsForTesting;
    try {
      outcomes =
          write(
              () -> {
                List<List<Stored>> out = new ArrayList<>(group.size());
                try (PreparedStatement p =
                    db.prepareStatement(
                        "INSERT OR IGNORE INTO payloads(payload_id, round, zone, jwe, received_at, seq) VALUES (?,?,?,?,?,?)")) {
                  long seq = firstSeq;
                  int rows = 0;
                  for (PendingPut g : group) {
                    List<Stored> mine = new ArrayList<>(g.items.size());
                    for (Item item : g.items) {
                      if (rows++ == failAfter) {
                        throw new SQLException("write failure injected for a test");
                      }
                      p.setString(1, item.payloadId());
                      p.setString(2, g.round);
                      p.setString(3, item.zone());
                      p.setString(4, item.jwe());
                      p.setLong(5, g.at.toEpochMilli());
                      p.setLong(6, seq);
                      boolean inserted = p.executeUpdate() == 1;
                      if (inserted) {
                        seq++;
                      }
                      mine.add(inserted ? Stored.NEW : Stored.DUPLICATE);
                    }
                    out.add(mine);
                  }
                  nextSeq = seq;
                }
                return out;
              });
    } catch (UnavailableException e) {
      nextSeq = firstSeq;
      for (PendingPut g : group) {
        g.failure = e;
      }
      return;
    }
    for (int i = 0; i < group.size(); i++) {
      group.get(i).outcomes = List.copyOf(outcomes.get(i));
    }
  }

  /**
   * Fault injection for tests: the next group commits fail after writing this many rows (their
   * transaction rolled back, as a disk failing mid-transaction would); negative: no failure.
   */
  volatile int failAfterRowsForTesting = -1;

  /** Up to {@code limit} payloads the enclave has not answered for, oldest first. */
  public synchronized List<Entry> pending(int limit) throws SQLException {
    List<Entry> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT payload_id, round, zone, jwe, received_at FROM payloads WHERE verdict IS NULL "
                + "ORDER BY seq LIMIT ?")) {
      p.setInt(1, limit);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(
              new Entry(
                  r.getString(1),
                  r.getString(2),
                  r.getString(3),
                  r.getString(4),
                  Instant.ofEpochMilli(r.getLong(5)),
                  Optional.empty()));
        }
      } finally {
        db.commit();
      }
    }
    return out;
  }

  /** A payload without a verdict, as the forwarder sees it: its id and round, no ciphertext. */
  public record PendingRef(String payloadId, String round) {}

  /**
   * Up to {@code limit} payloads the enclave has not answered for, oldest first, skipping {@code
   * skip} (payloads the forwarder sent whose verdicts are being recorded); the ciphertext is not
   * read ({@link #jwes}).
   */
  public synchronized List<PendingRef> pendingRefs(int limit, java.util.Set<String> skip)
      throws SQLException {
    List<PendingRef> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT payload_id, round FROM payloads WHERE verdict IS NULL ORDER BY seq LIMIT ?")) {
      p.setInt(1, limit + skip.size());
      try (ResultSet r = p.executeQuery()) {
        while (r.next() && out.size() < limit) {
          String id = r.getString(1);
          if (!skip.contains(id)) {
            out.add(new PendingRef(id, r.getString(2)));
          }
        }
      } finally {
        db.commit();
      }
    }
    return out;
  }

  /** The JWEs of {@code payloadIds} that are still stored, by id. */
  public synchronized Map<String, String> jwes(java.util.Collection<String> payloadIds)
      throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    if (payloadIds.isEmpty()) {
      return out;
    }
    List<String> ids = List.copyOf(payloadIds);
    String marks = String.join(",", java.util.Collections.nCopies(ids.size(), "?"));
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT payload_id, jwe FROM payloads WHERE payload_id IN (" + marks + ")")) {
      for (int i = 0; i < ids.size(); i++) {
        p.setString(i + 1, ids.get(i));
      }
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.put(r.getString(1), r.getString(2));
        }
      } finally {
        db.commit();
      }
    }
    return out;
  }

  /**
   * Remembers a status list credential relayed to the enclave (resupplied to a restarted enclave).
   */
  public synchronized void putStatusList(String url, String credential)
      throws UnavailableException {
    write(
        () -> {
          try (PreparedStatement p =
              db.prepareStatement(
                  "INSERT INTO status_lists(url, credential) VALUES (?,?) ON CONFLICT(url) DO UPDATE SET credential=excluded.credential")) {
            p.setString(1, url);
            p.setString(2, credential);
            p.executeUpdate();
          }
          return null;
        });
  }

  /** Every status list credential relayed so far, by URL. */
  public synchronized Map<String, String> statusLists() throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT url, credential FROM status_lists ORDER BY url")) {
      while (r.next()) {
        out.put(r.getString(1), r.getString(2));
      }
    } finally {
      db.commit();
    }
    return out;
  }

  /** Every payload of a round, in arrival order (resent to a restarted enclave). */
  public synchronized List<Entry> allOf(String round) throws SQLException {
    List<Entry> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT payload_id, round, zone, jwe, received_at, verdict FROM payloads WHERE round=? ORDER BY seq")) {
      p.setString(1, round);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(
              new Entry(
                  r.getString(1),
                  r.getString(2),
                  r.getString(3),
                  r.getString(4),
                  Instant.ofEpochMilli(r.getLong(5)),
                  Optional.ofNullable(r.getString(6))));
        }
      } finally {
        db.commit();
      }
    }
    return out;
  }

  /**
   * The ids of a round's payloads that have a verdict (what a seal taken now covers); no ciphertext
   * is read.
   */
  public synchronized java.util.Set<String> answeredIds(String round) throws SQLException {
    java.util.Set<String> out = new java.util.HashSet<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT payload_id FROM payloads WHERE round=? AND verdict IS NOT NULL")) {
      p.setString(1, round);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(r.getString(1));
        }
      } finally {
        db.commit();
      }
    }
    return out;
  }

  /** Number of payloads the enclave has not answered for. */
  public synchronized long pendingCount() throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT COUNT(*) FROM payloads WHERE verdict IS NULL")) {
      r.next();
      long n = r.getLong(1);
      db.commit();
      return n;
    }
  }

  /** A verdict to record: {@code verdict} is {@code accepted} or a rejection reason code. */
  public record VerdictRow(String payloadId, String verdict, String leaf) {}

  /** Records the enclave's verdict for a payload: {@code accepted} or a rejection reason code. */
  public synchronized void recordVerdict(String payloadId, String verdict, String leaf)
      throws UnavailableException {
    recordVerdicts(List.of(new VerdictRow(payloadId, verdict, leaf)));
  }

  /**
   * Records the verdicts of one enclave batch in one transaction (one sync): all of them or, on a
   * write error, none. A payload that already has a verdict keeps it and is not counted again.
   */
  public synchronized void recordVerdicts(List<VerdictRow> rows) throws UnavailableException {
    if (rows.isEmpty()) {
      return;
    }
    write(
        () -> {
          for (VerdictRow row : rows) {
            recordOne(row.payloadId(), row.verdict(), row.leaf());
          }
          return null;
        });
  }

  private void recordOne(String payloadId, String verdict, String leaf) throws SQLException {
    String round = null;
    try (PreparedStatement p =
        db.prepareStatement(
            "UPDATE payloads SET verdict=?, leaf=? WHERE payload_id=? AND verdict IS NULL RETURNING round")) {
      p.setString(1, verdict);
      p.setString(2, leaf);
      p.setString(3, payloadId);
      try (ResultSet r = p.executeQuery()) {
        if (r.next()) {
          round = r.getString(1);
        }
      }
    }
    if (round != null) {
      try (PreparedStatement p =
          db.prepareStatement(
              "INSERT INTO verdict_counts(round, verdict, n) VALUES (?,?,1) "
                  + "ON CONFLICT(round, verdict) DO UPDATE SET n=n+1")) {
        p.setString(1, round);
        p.setString(2, verdict);
        p.executeUpdate();
      }
    }
  }

  /** The counts of verdicts in a round, by outcome (reason codes only; never payload content). */
  public synchronized Map<String, Long> verdictCounts(String round) throws SQLException {
    Map<String, Long> out = new LinkedHashMap<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT verdict, n FROM verdict_counts WHERE round=? ORDER BY verdict")) {
      p.setString(1, round);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.put(r.getString(1), r.getLong(2));
        }
      } finally {
        db.commit();
      }
    }
    try (PreparedStatement p =
        db.prepareStatement("SELECT COUNT(*) FROM payloads WHERE round=? AND verdict IS NULL")) {
      p.setString(1, round);
      try (ResultSet r = p.executeQuery()) {
        r.next();
        long pending = r.getLong(1);
        if (pending > 0) {
          out.put("pending", pending);
        }
      } finally {
        db.commit();
      }
    }
    return out;
  }

  /** Marks an open round {@code closing}: the host takes no more payloads for it. */
  public synchronized void markClosing(String round) throws UnavailableException {
    roundCache.remove(round);
    write(
        () -> {
          try (PreparedStatement p =
              db.prepareStatement(
                  "UPDATE rounds SET state='closing' WHERE round=? AND state='open'")) {
            p.setString(1, round);
            p.executeUpdate();
          }
          return null;
        });
  }

  /**
   * Ends a round that will issue no result through this host ({@code state} {@code expired}, or
   * {@code closed} by a close the host did not make): in one transaction the round takes that state
   * and every payload of it still without a verdict gets the final rejection {@code reason}.
   *
   * @return the ids of the payloads that got {@code reason} now
   */
  public synchronized List<String> endRound(String round, String state, String reason)
      throws UnavailableException {
    roundCache.remove(round);
    return write(
        () -> {
          List<String> ids = new ArrayList<>();
          try (PreparedStatement p =
              db.prepareStatement(
                  "SELECT payload_id FROM payloads WHERE round=? AND verdict IS NULL ORDER BY seq")) {
            p.setString(1, round);
            try (ResultSet r = p.executeQuery()) {
              while (r.next()) {
                ids.add(r.getString(1));
              }
            }
          }
          for (String id : ids) {
            recordOne(id, reason, null);
          }
          try (PreparedStatement p =
              db.prepareStatement(
                  "UPDATE rounds SET state=? WHERE round=? AND state IN ('open','closing')")) {
            p.setString(1, state);
            p.setString(2, round);
            p.executeUpdate();
          }
          return ids;
        });
  }

  /** Marks a round closed with its result and deletes its ciphertext: the result now covers it. */
  public synchronized void closeRound(String round, String resultCredential)
      throws UnavailableException {
    roundCache.remove(round); // refilled only under this monitor, so after this write's outcome
    write(
        () -> {
          try (PreparedStatement p =
              db.prepareStatement("UPDATE rounds SET state='closed', result=? WHERE round=?")) {
            p.setString(1, resultCredential);
            p.setString(2, round);
            p.executeUpdate();
          }
          try (PreparedStatement p = db.prepareStatement("DELETE FROM payloads WHERE round=?")) {
            p.setString(1, round);
            p.executeUpdate();
          }
          return null;
        });
  }

  private interface Tx<T> {
    T run() throws SQLException;
  }

  private <T> T write(Tx<T> tx) throws UnavailableException {
    try {
      T out = tx.run();
      db.commit();
      return out;
    } catch (SQLException e) {
      try {
        db.rollback();
      } catch (SQLException ignored) {
        // the original failure is what matters
      }
      throw new UnavailableException("the inbox could not be written", e);
    }
  }

  /**
   * Fault injection for tests: makes every later write fail as a full or read-only disk would
   * (SQLite {@code query_only}), without touching the real disk.
   */
  synchronized void failWritesForTesting(boolean fail) throws SQLException {
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA query_only=" + (fail ? "ON" : "OFF"));
    }
    db.commit();
  }

  @Override
  public synchronized void close() throws SQLException {
    db.close();
  }
}
