package dev.sovereign.did;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : map.entrySet()) {
      out.put(e.getKey(), freeze(e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  static Object freeze(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof BigInteger || v instanceof BigDecimal
        || v instanceof Double || v instanceof Float || v instanceof Short || v instanceof Byte) {
      return v;
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
      return Collections.unmodifiableMap(out);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(freeze(o));
      }
      return Collections.unmodifiableList(out);
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
      case ARRAY: {
        List<Object> out = new ArrayList<>(n.size());
        for (JsonNode c : n) {
          out.add(fromNode(c));
        }
        return Collections.unmodifiableList(out);
      }
      case OBJECT: {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          out.put(e.getKey(), fromNode(e.getValue()));
        }
        return Collections.unmodifiableMap(out);
      }
      default:
        throw new IllegalArgumentException("unsupported JSON node " + n.getNodeType());
    }
  }
}
