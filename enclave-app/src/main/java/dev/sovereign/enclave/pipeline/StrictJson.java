package dev.sovereign.enclave.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Base64;
import java.util.Optional;

/** Strict JSON for untrusted input: duplicate keys, trailing tokens and deep nesting are errors. */
final class StrictJson {
  /**
   * Payload nesting limit (DESIGN section 4): a record's group is the deepest legitimate level (4).
   */
  static final int MAX_DEPTH = 8;

  static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                  .build())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  private StrictJson() {}

  /** The JSON object encoded as base64url (no padding) in {@code part}, or empty. */
  static Optional<JsonNode> base64urlObject(String part) {
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(part);
      if (part.indexOf('=') >= 0) {
        return Optional.empty();
      }
      JsonNode n = MAPPER.readTree(bytes);
      return n != null && n.isObject() ? Optional.of(n) : Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  static Optional<JsonNode> object(byte[] json) {
    try {
      JsonNode n = MAPPER.readTree(json);
      return n != null && n.isObject() ? Optional.of(n) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** A text member, or empty if absent or not text. */
  static Optional<String> text(JsonNode o, String name) {
    JsonNode n = o.get(name);
    return n != null && n.isTextual() ? Optional.of(n.textValue()) : Optional.empty();
  }
}
