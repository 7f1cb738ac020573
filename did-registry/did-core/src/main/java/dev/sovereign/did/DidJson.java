package dev.sovereign.did;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * JSON in and out for documents and resolution results, in the W3C shape. Parsing rejects duplicate
 * member names and documents nested deeper than 64 levels or larger than 1 MiB.
 */
public final class DidJson {
  /** {@code https://w3id.org/did-resolution/v1}, the context of a resolution result. */
  public static final String RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1";

  /** Largest JSON text accepted by the parse methods. */
  public static final int MAX_LENGTH = 1 << 20;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(
              com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .build();

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
  }

  private DidJson() {}

  /** The shared mapper (configured as above); do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Parses and validates a DID document. */
  public static DidDocument parseDocument(String json) {
    return DidDocument.fromJson(objectOf(readTree(json), "DID document"));
  }

  /** A document as compact JSON, members in their stored order. */
  public static String write(DidDocument document) {
    return writeValue(document.properties(), false);
  }

  /** A document as indented JSON. */
  public static String writePretty(DidDocument document) {
    return writeValue(document.properties(), true);
  }

  /** A resolution result as compact JSON. */
  public static String write(DidResolutionResult result) {
    return writeValue(toJson(result), false);
  }

  /** A resolution result as indented JSON. */
  public static String writePretty(DidResolutionResult result) {
    return writeValue(toJson(result), true);
  }

  /**
   * The resolution result as a JSON object: {@code {"@context", "didDocument" (or null),
   * "didResolutionMetadata", "didDocumentMetadata"}}.
   */
  public static Map<String, Object> toJson(DidResolutionResult result) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("@context", RESOLUTION_CONTEXT);
    out.put("didDocument", result.didDocument().map(DidDocument::properties).orElse(null));
    out.put("didResolutionMetadata", toJson(result.didResolutionMetadata()));
    out.put("didDocumentMetadata", toJson(result.didDocumentMetadata()));
    return out;
  }

  /** {@code didResolutionMetadata} as a JSON object. */
  public static Map<String, Object> toJson(DidResolutionMetadata m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.contentType().ifPresent(v -> out.put("contentType", v));
    m.error().ifPresent(v -> out.put("error", v.code()));
    m.errorMessage().ifPresent(v -> out.put("errorMessage", v));
    m.extra().forEach(out::putIfAbsent);
    return out;
  }

  /** {@code didDocumentMetadata} as a JSON object; {@code deactivated} appears only when true. */
  public static Map<String, Object> toJson(DidDocumentMetadata m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.created().ifPresent(v -> out.put("created", v.toString()));
    m.updated().ifPresent(v -> out.put("updated", v.toString()));
    if (m.deactivated()) {
      out.put("deactivated", true);
    }
    m.versionId().ifPresent(v -> out.put("versionId", v));
    m.nextUpdate().ifPresent(v -> out.put("nextUpdate", v.toString()));
    m.nextVersionId().ifPresent(v -> out.put("nextVersionId", v));
    m.extra().forEach(out::putIfAbsent);
    return out;
  }

  /**
   * Parses a resolution result (e.g. one a host or a Universal Resolver returned). The document is
   * validated; an unknown error code is kept as {@code internalError} with the code in the message.
   */
  public static DidResolutionResult parseResolutionResult(String json) {
    JsonNode root = readTree(json);
    objectOf(root, "resolution result");
    JsonNode rm = root.path("didResolutionMetadata");
    JsonNode dm = root.path("didDocumentMetadata");
    DidResolutionMetadata resolutionMetadata = parseResolutionMetadata(rm);
    DidDocumentMetadata documentMetadata = parseDocumentMetadata(dm);
    JsonNode doc = root.path("didDocument");
    Optional<DidDocument> document =
        doc.isObject()
            ? Optional.of(DidDocument.fromJson(objectOf(doc, "didDocument")))
            : Optional.empty();
    if (document.isEmpty() && resolutionMetadata.error().isEmpty()) {
      throw new IllegalArgumentException("resolution result with neither a document nor an error");
    }
    if (document.isPresent() && resolutionMetadata.error().isPresent()) {
      throw new IllegalArgumentException("resolution result with both a document and an error");
    }
    return new DidResolutionResult(document, resolutionMetadata, documentMetadata);
  }

  private static DidResolutionMetadata parseResolutionMetadata(JsonNode rm) {
    Map<String, Object> extra = new LinkedHashMap<>();
    Optional<String> contentType = Optional.empty();
    Optional<ResolutionError> error = Optional.empty();
    Optional<String> message = Optional.empty();
    if (rm.isObject()) {
      for (var it = rm.fields(); it.hasNext(); ) {
        var e = it.next();
        switch (e.getKey()) {
          case "contentType" -> contentType = Optional.of(e.getValue().asText());
          case "error" -> {
            String code =
                e.getValue().isObject()
                    ? e.getValue().path("type").asText()
                    : e.getValue().asText();
            String shortCode =
                code.contains("#") ? camel(code.substring(code.indexOf('#') + 1)) : code;
            error =
                Optional.of(
                    ResolutionError.fromCode(shortCode).orElse(ResolutionError.INTERNAL_ERROR));
            if (ResolutionError.fromCode(shortCode).isEmpty()) {
              message = Optional.of("unknown error code " + code);
            }
          }
          case "errorMessage" -> message = message.or(() -> Optional.of(e.getValue().asText()));
          default -> extra.put(e.getKey(), JsonValues.fromNode(e.getValue()));
        }
      }
    }
    return new DidResolutionMetadata(contentType, error, message, extra);
  }

  private static DidDocumentMetadata parseDocumentMetadata(JsonNode dm) {
    DidDocumentMetadata.Builder b = DidDocumentMetadata.builder();
    if (!dm.isObject()) {
      return b.build();
    }
    for (var it = dm.fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "created" -> b.created(instant(v, "created"));
        case "updated" -> b.updated(instant(v, "updated"));
        case "nextUpdate" -> b.nextUpdate(instant(v, "nextUpdate"));
        case "deactivated" -> b.deactivated(v.asBoolean(false));
        case "versionId" -> b.versionId(v.asText());
        case "nextVersionId" -> b.nextVersionId(v.asText());
        default -> b.extra(e.getKey(), JsonValues.fromNode(v));
      }
    }
    return b.build();
  }

  private static String camel(String upperSnake) {
    StringBuilder sb = new StringBuilder();
    boolean up = false;
    for (char c : upperSnake.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }

  private static Instant instant(JsonNode v, String name) {
    try {
      return Instant.parse(v.asText());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + " is not an XML datetime: " + v.asText());
    }
  }

  static JsonNode readTree(String json) {
    if (json == null || json.length() > MAX_LENGTH) {
      throw new InvalidDidDocumentException(
          "JSON text missing or larger than " + MAX_LENGTH + " characters");
    }
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidDidDocumentException("malformed JSON: " + e.getOriginalMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> objectOf(JsonNode node, String what) {
    if (node == null || !node.isObject()) {
      throw new InvalidDidDocumentException(what + " is not a JSON object");
    }
    return (Map<String, Object>) JsonValues.fromNode(node);
  }

  private static String writeValue(Object value, boolean pretty) {
    try {
      return pretty
          ? MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value)
          : MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize JSON", e);
    }
  }
}
