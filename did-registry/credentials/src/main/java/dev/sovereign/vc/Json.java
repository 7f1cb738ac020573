package dev.sovereign.vc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * JSON helpers: one strict mapper (duplicate keys rejected), typed getters that fail as MALFORMED.
 */
final class Json {
  private Json() {}

  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** Parses a JSON object or throws {@link Malformed}. */
  static ObjectNode object(byte[] json) throws Malformed {
    try {
      JsonNode n = MAPPER.readTree(json);
      if (n instanceof ObjectNode o) {
        return o;
      }
      throw new Malformed("not a JSON object");
    } catch (IOException e) {
      throw new Malformed("invalid JSON");
    }
  }

  static Optional<String> text(JsonNode o, String field) throws Malformed {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isTextual()) {
      throw new Malformed(field + " is not a string");
    }
    return Optional.of(n.textValue());
  }

  /** A string, or the {@code id} of an object (VCDM issuer form). */
  static Optional<String> idOf(JsonNode o, String field) throws Malformed {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (n.isTextual()) {
      return Optional.of(n.textValue());
    }
    if (n.isObject()) {
      return text(n, "id").or(() -> Optional.empty());
    }
    throw new Malformed(field + " is neither a string nor an object");
  }

  /** A string or an array of strings. */
  static List<String> strings(JsonNode o, String field) throws Malformed {
    JsonNode n = o.get(field);
    List<String> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (n.isTextual()) {
      out.add(n.textValue());
      return out;
    }
    if (!n.isArray()) {
      throw new Malformed(field + " is neither a string nor an array");
    }
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw new Malformed(field + " holds a non-string");
      }
      out.add(e.textValue());
    }
    return out;
  }

  /** An object or array of objects as a list (empty when absent). */
  static List<JsonNode> objects(JsonNode o, String field) throws Malformed {
    JsonNode n = o.get(field);
    List<JsonNode> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (n.isObject()) {
      out.add(n);
      return out;
    }
    if (!n.isArray()) {
      throw new Malformed(field + " is neither an object nor an array");
    }
    for (JsonNode e : n) {
      if (!e.isObject()) {
        throw new Malformed(field + " holds a non-object");
      }
      out.add(e);
    }
    return out;
  }

  /** NumericDate (seconds since the epoch, integral). */
  static Optional<Instant> numericDate(JsonNode o, String field) throws Malformed {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isNumber()) {
      throw new Malformed(field + " is not a NumericDate");
    }
    if (n.isIntegralNumber()) {
      return Optional.of(Instant.ofEpochSecond(n.longValue()));
    }
    double d = n.doubleValue();
    return Optional.of(Instant.ofEpochSecond((long) Math.floor(d)));
  }

  /** xsd:dateTime with a time zone ({@code Z} or an offset). */
  static Optional<Instant> dateTime(JsonNode o, String field) throws Malformed {
    Optional<String> s = text(o, field);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    Instant fast = utcSeconds(s.get());
    if (fast != null) {
      return Optional.of(fast);
    }
    try {
      return Optional.of(OffsetDateTime.parse(s.get()).toInstant());
    } catch (DateTimeParseException e) {
      throw new Malformed(field + " is not an XML dateTime with a time zone");
    }
  }

  /**
   * Fast path for the common {@code YYYY-MM-DDThh:mm:ssZ}; null for anything else (then the full
   * parser runs).
   */
  static Instant utcSeconds(String s) {
    if (s.length() != 20
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(19) != 'Z') {
      return null;
    }
    int[] pos = {0, 5, 8, 11, 14, 17};
    int[] len = {4, 2, 2, 2, 2, 2};
    int[] v = new int[6];
    for (int i = 0; i < 6; i++) {
      int n = 0;
      for (int j = pos[i]; j < pos[i] + len[i]; j++) {
        char c = s.charAt(j);
        if (c < '0' || c > '9') {
          return null;
        }
        n = n * 10 + (c - '0');
      }
      v[i] = n;
    }
    try {
      return java.time.LocalDateTime.of(v[0], v[1], v[2], v[3], v[4], v[5])
          .toInstant(java.time.ZoneOffset.UTC);
    } catch (java.time.DateTimeException e) {
      return null;
    }
  }

  /** A JSON shape problem; callers map it to a reason code. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }
}
