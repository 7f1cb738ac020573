package dev.sovereign.did.fabric.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-memory ledger for tests: committed state in a sorted map, one {@link LedgerState} per
 * transaction that buffers writes and commits them only if the contract call returns normally.
 */
public final class MemoryLedgerState {
  private final TreeMap<String, byte[]> committed = new TreeMap<>();
  private final Map<String, List<String>> endorsement = new HashMap<>();
  private final List<String[]> events = new ArrayList<>();
  private Instant clock = Instant.parse("2026-01-01T00:00:00Z");
  private int tx;

  /** A transaction at {@code time}. */
  public Tx begin(Instant time) {
    clock = time;
    return new Tx("tx-" + (++tx), time);
  }

  /** A transaction one second after the previous one. */
  public Tx begin() {
    return begin(clock.plusSeconds(1));
  }

  public Instant clock() {
    return clock;
  }

  public TreeMap<String, byte[]> committed() {
    return committed;
  }

  public List<String[]> events() {
    return events;
  }

  public Map<String, List<String>> endorsement() {
    return endorsement;
  }

  /** One transaction's view. */
  public final class Tx implements LedgerState {
    private final String id;
    private final Instant time;
    private final TreeMap<String, byte[]> writes = new TreeMap<>();
    private final Map<String, List<String>> policies = new HashMap<>();
    private String[] event;

    Tx(String id, Instant time) {
      this.id = id;
      this.time = time;
    }

    @Override
    public byte[] get(String key) {
      // Fabric reads return committed state, not the transaction's own writes.
      return committed.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
      writes.put(key, value.clone());
    }

    @Override
    public List<byte[]> getByPartialCompositeKey(String objectType, String... attributes) {
      String prefix = LedgerState.compositeKey(objectType, attributes);
      List<byte[]> out = new ArrayList<>();
      for (Map.Entry<String, byte[]> e : committed.tailMap(prefix, true).entrySet()) {
        if (!e.getKey().startsWith(prefix)) {
          break;
        }
        out.add(e.getValue());
      }
      return out;
    }

    @Override
    public String txId() {
      return id;
    }

    @Override
    public Instant txTimestamp() {
      return time;
    }

    @Override
    public void setEvent(String name, byte[] payload) {
      if (event != null) {
        throw new IllegalStateException("second event in one transaction");
      }
      event = new String[] {name, new String(payload, java.nio.charset.StandardCharsets.UTF_8)};
    }

    @Override
    public void setKeyEndorsementOrgs(String key, List<String> mspIds) {
      policies.put(key, mspIds);
    }

    /** Makes the writes visible. */
    public void commit() {
      committed.putAll(writes);
      endorsement.putAll(policies);
      if (event != null) {
        events.add(event);
      }
    }

    public Map<String, byte[]> writes() {
      return writes;
    }
  }
}
