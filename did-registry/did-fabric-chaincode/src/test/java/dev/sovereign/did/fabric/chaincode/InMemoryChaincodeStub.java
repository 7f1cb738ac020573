package dev.sovereign.did.fabric.chaincode;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hyperledger.fabric.shim.ChaincodeStub;
import org.hyperledger.fabric.shim.ledger.CompositeKey;
import org.hyperledger.fabric.shim.ledger.KeyValue;
import org.hyperledger.fabric.shim.ledger.QueryResultsIterator;

/**
 * An in-memory world state that hands out one {@link ChaincodeStub} per transaction, with Fabric's
 * semantics for what the contract uses: reads see committed state only, writes apply on commit,
 * composite keys in the shim's own format, one event per transaction, key-level validation
 * parameters.
 */
public final class InMemoryChaincodeStub {
  public final TreeMap<String, byte[]> state = new TreeMap<>();
  public final Map<String, byte[]> validationParameters = new HashMap<>();
  public final List<String[]> events = new ArrayList<>();
  private final String channel;
  private Instant clock = Instant.parse("2026-01-01T00:00:00Z");
  private int tx;

  public InMemoryChaincodeStub(String channel) {
    this.channel = channel;
  }

  /** One transaction; call {@link Tx#commit()} to apply its writes. */
  public Tx begin() {
    clock = clock.plusSeconds(1);
    return new Tx("tx" + (++tx), clock);
  }

  /** One transaction's stub. */
  public final class Tx {
    public final TreeMap<String, byte[]> writes = new TreeMap<>();
    public final Map<String, byte[]> parameters = new HashMap<>();
    public String[] event;
    public final ChaincodeStub stub;

    Tx(String txId, Instant time) {
      stub =
          (ChaincodeStub)
              Proxy.newProxyInstance(
                  ChaincodeStub.class.getClassLoader(),
                  new Class<?>[] {ChaincodeStub.class},
                  (proxy, method, args) -> {
                    switch (method.getName()) {
                      case "getChannelId":
                        return channel;
                      case "getTxId":
                        return txId;
                      case "getTxTimestamp":
                        return time;
                      case "getState":
                        return state.get((String) args[0]);
                      case "putState":
                        writes.put((String) args[0], ((byte[]) args[1]).clone());
                        return null;
                      case "setEvent":
                        if (event != null) {
                          throw new IllegalStateException("second event in one transaction");
                        }
                        event =
                            new String[] {
                              (String) args[0], new String((byte[]) args[1], StandardCharsets.UTF_8)
                            };
                        return null;
                      case "setStateValidationParameter":
                        parameters.put((String) args[0], (byte[]) args[1]);
                        return null;
                      case "createCompositeKey":
                        return new CompositeKey((String) args[0], (String[]) args[1]);
                      case "getStateByPartialCompositeKey":
                        if (args.length == 2 && args[1] instanceof String[]) {
                          return range(
                              new CompositeKey((String) args[0], (String[]) args[1]).toString());
                        }
                        throw new UnsupportedOperationException(
                            "getStateByPartialCompositeKey" + List.of(args));
                      case "hashCode":
                        return System.identityHashCode(proxy);
                      case "equals":
                        return proxy == args[0];
                      case "toString":
                        return "InMemoryChaincodeStub.Tx(" + txId + ")";
                      default:
                        throw new UnsupportedOperationException(method.getName());
                    }
                  });
    }

    private QueryResultsIterator<KeyValue> range(String prefix) {
      List<KeyValue> found = new ArrayList<>();
      for (Map.Entry<String, byte[]> e : state.tailMap(prefix, true).entrySet()) {
        if (!e.getKey().startsWith(prefix)) {
          break;
        }
        found.add(
            new KeyValue() {
              @Override
              public String getKey() {
                return e.getKey();
              }

              @Override
              public byte[] getValue() {
                return e.getValue().clone();
              }

              @Override
              public String getStringValue() {
                return new String(e.getValue(), StandardCharsets.UTF_8);
              }
            });
      }
      return new QueryResultsIterator<KeyValue>() {
        @Override
        public Iterator<KeyValue> iterator() {
          return found.iterator();
        }

        @Override
        public void close() {}
      };
    }

    public void commit() {
      state.putAll(writes);
      validationParameters.putAll(parameters);
      if (event != null) {
        events.add(event);
      }
    }
  }
}
