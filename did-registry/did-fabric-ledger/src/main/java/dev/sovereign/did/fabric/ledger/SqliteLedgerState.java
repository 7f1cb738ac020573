package dev.sovereign.did.fabric.ledger;

import dev.sovereign.did.fabric.core.LedgerState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One transaction on the SQLite ledger: reads see committed state (as on a Fabric peer), writes are
 * buffered and applied by {@link EmbeddedLedger} inside the same SQLite transaction at commit.
 *
 * <p>A simulation ({@link #simulation}) is a transaction run ahead by a submitter, off the ledger,
 * the way a Fabric peer endorses a proposal: its reads are answered from what the submitter assumes
 * the state holds, and recorded (the read set) with its buffered writes (the write set); the leader
 * applies the writes only if every recorded read still gives the same bytes.
 */
final class SqliteLedgerState implements LedgerState {
  private final Connection connection;
  private final StorageFormat format;
  private final String txId;
  private final Instant time;
  final Map<String, byte[]> writes = new LinkedHashMap<>();
  final Map<String, List<String>> endorsement = new LinkedHashMap<>();
  String eventName;
  byte[] eventPayload;

  private final PreparedStatement prepared;

  /** For a simulation: the assumed state (null: absent); otherwise null. */
  private final java.util.function.Function<String, byte[]> assumed;

  /** For a simulation: every key read and the bytes it was assumed to hold (null: absent). */
  final Map<String, byte[]> reads = new LinkedHashMap<>();

  /**
   * {@code get}: a prepared {@link StorageFormat#get} of {@code format} to reuse (a group
   * commit's), or null to prepare each.
   */
  SqliteLedgerState(
      Connection connection,
      StorageFormat format,
      String txId,
      Instant time,
      PreparedStatement get) {
    this.connection = connection;
    this.format = format;
    this.txId = txId;
    this.time = time;
    this.prepared = get;
    this.assumed = null;
  }

  private SqliteLedgerState(
      String txId, Instant time, java.util.function.Function<String, byte[]> assumed) {
    this.connection = null;
    this.format = null;
    this.txId = txId;
    this.time = time;
    this.prepared = null;
    this.assumed = assumed;
  }

  /**
   * A transaction run off the ledger: {@code get} answers from {@code assumed} and records the
   * read; range reads are not simulated (they throw, and the leader runs the transaction itself).
   */
  static SqliteLedgerState simulation(
      String txId, Instant time, java.util.function.Function<String, byte[]> assumed) {
    return new SqliteLedgerState(txId, time, assumed);
  }

  /** Whether this is a simulation (see {@link #simulation}). */
  boolean simulated() {
    return assumed != null;
  }

  /**
   * Whether every read of this simulation gives the same bytes on the ledger now ({@code get}: a
   * prepared {@link StorageFormat#get} of the ledger's {@code format} in the leader's transaction).
   */
  boolean readsHold(PreparedStatement get, StorageFormat format) throws SQLException {
    for (Map.Entry<String, byte[]> r : reads.entrySet()) {
      if (!Arrays.equals(r.getValue(), read(get, format, r.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public byte[] get(String key) {
    if (assumed != null) {
      byte[] value; // one answer per key, however often it is read
      if (reads.containsKey(key)) {
        value = reads.get(key);
      } else {
        value = assumed.apply(key);
        reads.put(key, value);
      }
      return value == null ? null : value.clone();
    }
    try {
      if (prepared != null) {
        return read(prepared, format, key);
      }
      try (PreparedStatement s = connection.prepareStatement(format.get)) {
        return read(s, format, key);
      }
    } catch (SQLException e) {
      throw new LedgerCorruptedException("state read failed", e);
    }
  }

  private static byte[] read(PreparedStatement s, StorageFormat format, String key)
      throws SQLException {
    s.setBytes(1, format.rowKey(key));
    try (ResultSet r = s.executeQuery()) {
      return r.next() ? r.getBytes(1) : null;
    }
  }

  @Override
  public void put(String key, byte[] value) {
    if (txId == null) {
      throw new IllegalStateException("read-only view");
    }
    // not copied: the contract hands over bytes it made for this write and keeps no reference
    // (DidFabricContract.submit); every read of them (get, readsHold, the leader's rows kept for
    // simulations, which get copies) leaves them unchanged
    writes.put(key, value);
  }

  @Override
  public List<byte[]> getByPartialCompositeKey(String objectType, String... attributes) {
    if (assumed != null) {
      throw new UnsupportedOperationException("range reads are not simulated");
    }
    byte[][] range = format.range(LedgerState.compositeKey(objectType, attributes));
    List<byte[]> out = new ArrayList<>();
    try {
      if (range != null) {
        try (PreparedStatement s = connection.prepareStatement(format.range)) {
          s.setBytes(1, range[0]);
          s.setBytes(2, range[1]);
          try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
              out.add(r.getBytes(1));
            }
          }
        }
      } else {
        // a type alone in a format keyed DID first: every composite row, in key order, of that
        // type (the same values in the same order as the type's range in V1)
        try (PreparedStatement s = connection.prepareStatement(format.scan)) {
          s.setBytes(1, new byte[] {1});
          try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
              if (objectType.equals(StorageFormat.typeOf(r.getBytes(1)))) {
                out.add(r.getBytes(2));
              }
            }
          }
        }
      }
    } catch (SQLException e) {
      throw new LedgerCorruptedException("range read failed", e);
    }
    return out;
  }

  @Override
  public String txId() {
    return txId;
  }

  @Override
  public Instant txTimestamp() {
    return time;
  }

  @Override
  public void setEvent(String name, byte[] payload) {
    eventName = name;
    eventPayload = payload; // the contract's own canonical bytes (see put); LedgerEvent copies
  }

  @Override
  public void setKeyEndorsementOrgs(String key, List<String> mspIds) {
    endorsement.put(key, List.copyOf(mspIds));
  }
}
