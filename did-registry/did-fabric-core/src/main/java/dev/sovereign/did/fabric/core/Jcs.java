package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * JSON Canonicalization Scheme (RFC 8785) for the I-JSON subset did:fabric allows: numbers must be
 * integers of magnitude at most 2^53 - 1 (their JCS form is then the plain decimal), strings must
 * be well-formed UTF-16 (no lone surrogates). Parsing rejects duplicate member names and trailing
 * data.
 */
public final class Jcs {
  private static final long MAX_SAFE = (1L << 53) - 1;
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(JsonParser.Feature.ALLOW_COMMENTS)
          .build();

  private Jcs() {}

  /** The shared mapper: strict parsing, used to build nodes. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Parses a JSON object strictly; throws IllegalArgumentException on anything else. */
  public static ObjectNode parseObject(byte[] json) {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      return (ObjectNode) node;
    } catch (IOException e) {
      throw new IllegalArgumentException("not strict JSON", e);
    }
  }

  /** The RFC 8785 canonical UTF-8 bytes of {@code node}. */
  public static byte[] canonicalize(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(node, out);
    return Encoding.utf8(out.toString());
  }

  /** SHA-256 of the canonical bytes, base64url without padding. */
  public static String hash(JsonNode node) {
    return Encoding.b64url(Encoding.sha256(canonicalize(node)));
  }

  private static void write(JsonNode node, StringBuilder out) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      out.append("null");
    } else if (node.isBoolean()) {
      out.append(node.booleanValue() ? "true" : "false");
    } else if (node.isIntegralNumber()) {
      BigInteger value = node.bigIntegerValue();
      if (value.abs().compareTo(BigInteger.valueOf(MAX_SAFE)) > 0) {
        throw new IllegalArgumentException("integer outside the I-JSON safe range");
      }
      out.append(value.toString());
    } else if (node.isNumber()) {
      throw new IllegalArgumentException("non-integer numbers are not allowed in did:fabric JSON");
    } else if (node.isTextual()) {
      writeString(node.textValue(), out);
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(node.get(i), out);
      }
      out.append(']');
    } else if (node.isObject()) {
      List<String> names = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        names.add(it.next());
      }
      // String.compareTo orders by UTF-16 code units, exactly as RFC 8785 section 3.2.3 requires.
      Collections.sort(names);
      out.append('{');
      boolean first = true;
      for (String name : names) {
        if (!first) {
          out.append(',');
        }
        first = false;
        writeString(name, out);
        out.append(':');
        write(node.get(name), out);
      }
      out.append('}');
    } else {
      throw new IllegalArgumentException("unsupported JSON node " + node.getNodeType());
    }
  }

  private static void writeString(String s, StringBuilder out) {
    out.append('"');
    int plain = 0; // the leading run that needs no escaping and holds no surrogate: copied at once
    while (plain < s.length()) {
      char c = s.charAt(plain);
      if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
        break;
      }
      plain++;
    }
    out.append(s, 0, plain);
    for (int i = plain; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          throw new IllegalArgumentException("lone surrogate");
        }
        out.append(c).append(s.charAt(++i));
        continue;
      }
      if (Character.isLowSurrogate(c)) {
        throw new IllegalArgumentException("lone surrogate");
      }
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }
}
