package dev.sovereign.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * RFC 8785 JSON Canonicalization Scheme over a Jackson tree: members sorted by UTF-16 code units,
 * ECMAScript string escaping and number formatting, no whitespace. Numbers are read as IEEE-754
 * doubles first, as JCS requires.
 */
public final class Jcs {
  private Jcs() {}

  /** The canonical UTF-8 bytes of {@code node}. */
  public static byte[] canonicalize(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    write(node, sb);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void write(JsonNode node, StringBuilder sb) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(
          String
              ::compareTo); // String.compareTo orders by UTF-16 code units, as RFC 8785 3.2.3 asks
      sb.append('{');
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        string(names.get(i), sb);
        sb.append(':');
        write(node.get(names.get(i)), sb);
      }
      sb.append('}');
    } else if (node.isArray()) {
      sb.append('[');
      Iterator<JsonNode> it = node.elements();
      boolean first = true;
      while (it.hasNext()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(it.next(), sb);
      }
      sb.append(']');
    } else if (node.isTextual()) {
      string(node.textValue(), sb);
    } else if (node.isNumber()) {
      sb.append(number(node.doubleValue()));
    } else if (node.isBoolean()) {
      sb.append(node.booleanValue());
    } else if (node.isNull()) {
      sb.append("null");
    } else {
      throw new IllegalArgumentException("not JSON: " + node.getNodeType());
    }
  }

  static void string(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /**
   * The shortest decimal that reads back as {@code x}, nearest to {@code x} among those of its
   * length (JDK 17's Double.toString is not always shortest, e.g. 4.9E-324 for 5e-324).
   */
  private static BigDecimal shortest(double x) {
    BigDecimal exact = new BigDecimal(x);
    for (int p = 1; p <= 17; p++) {
      BigDecimal r = exact.round(new java.math.MathContext(p, java.math.RoundingMode.HALF_EVEN));
      if (r.doubleValue() == x) {
        return r.stripTrailingZeros();
      }
    }
    return new BigDecimal(Double.toString(x)).stripTrailingZeros();
  }

  /** ECMAScript Number.prototype.toString for finite doubles (ECMA-262 7.1.12.1). */
  public static String number(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      throw new IllegalArgumentException("JCS has no representation for " + x);
    }
    if (x == 0) {
      return "0";
    }
    String sign = x < 0 ? "-" : "";
    BigDecimal bd = shortest(Math.abs(x));
    String digits = bd.unscaledValue().toString();
    int k = digits.length();
    int n = k - bd.scale();
    StringBuilder sb = new StringBuilder(sign);
    if (k <= n && n <= 21) {
      sb.append(digits).append("0".repeat(n - k));
    } else if (0 < n && n <= 21) {
      sb.append(digits, 0, n).append('.').append(digits, n, k);
    } else if (-6 < n && n <= 0) {
      sb.append("0.").append("0".repeat(-n)).append(digits);
    } else {
      int e = n - 1;
      sb.append(digits.charAt(0));
      if (k > 1) {
        sb.append('.').append(digits, 1, k);
      }
      sb.append('e').append(e < 0 ? "-" : "+").append(Math.abs(e));
    }
    return sb.toString();
  }
}
