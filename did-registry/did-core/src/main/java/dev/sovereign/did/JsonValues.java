package dev.sovereign.did;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deep-immutable JSON values: {@code null}, {@link String}, {@link Boolean}, {@link Number},
 * unmodifiable {@code List<Object>} and insertion-ordered unmodifiable {@code Map<String, Object>}.
 * Member order is kept so that documents round-trip in the shape they were written.
 */
final class JsonValues {
  private JsonValues() {}

  static Map<String, Object> freezeMap(Map<String, ?> map) {
    if (map == null) {
      return Map.of();
    }
    if (map instanceof FrozenMap f) {
      return f;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : map.entrySet()) {
      out.put(e.getKey(), freeze(e.getValue()));
    }
    return new FrozenMap(out);
  }

  static Object freeze(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Integer
        || v instanceof Long
        || v instanceof BigInteger
        || v instanceof BigDecimal
        || v instanceof Double
        || v instanceof Float
        || v instanceof Short
        || v instanceof Byte) {
      return v;
    }
    if (v instanceof FrozenMap || v instanceof FrozenList) {
      return v; // already deep-immutable: keep the instance (DidDocument relies on identity)
    }
    if (v instanceof JsonNode n) {
      return fromNode(n);
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String k)) {
          throw new IllegalArgumentException("JSON object keys must be strings");
        }
        out.put(k, freeze(e.getValue()));
      }
      return new FrozenMap(out);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(freeze(o));
      }
      return new FrozenList(out);
    }
    if (v instanceof Did || v instanceof DidUrl) {
      return v.toString();
    }
    if (v instanceof java.time.Instant i) {
      return i.toString();
    }
    throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
  }

  static Object fromNode(JsonNode n) {
    switch (n.getNodeType()) {
      case NULL:
      case MISSING:
        return null;
      case STRING:
        return n.textValue();
      case BOOLEAN:
        return n.booleanValue();
      case NUMBER:
        return n.numberValue();
      case ARRAY:
        {
          List<Object> out = new ArrayList<>(n.size());
          for (JsonNode c : n) {
            out.add(fromNode(c));
          }
          return new FrozenList(out);
        }
      case OBJECT:
        {
          Map<String, Object> out = new LinkedHashMap<>();
          for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), fromNode(e.getValue()));
          }
          return new FrozenMap(out);
        }
      default:
        throw new IllegalArgumentException("unsupported JSON node " + n.getNodeType());
    }
  }

  /** An insertion-ordered map whose values are all frozen; unmodifiable. */
  static final class FrozenMap extends AbstractMap<String, Object> {
    private final Map<String, Object> delegate;

    FrozenMap(Map<String, Object> values) {
      this.delegate = Collections.unmodifiableMap(values);
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
      return delegate.entrySet();
    }

    @Override
    public Object get(Object key) {
      return delegate.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return delegate.containsKey(key);
    }

    @Override
    public int size() {
      return delegate.size();
    }
  }

  /** A list whose elements are all frozen; unmodifiable. */
  static final class FrozenList extends AbstractList<Object> {
    private final List<Object> delegate;

    FrozenList(List<Object> values) {
      this.delegate = Collections.unmodifiableList(values);
    }

    @Override
    public Object get(int index) {
      return delegate.get(index);
    }

    @Override
    public int size() {
      return delegate.size();
    }
  }
}
