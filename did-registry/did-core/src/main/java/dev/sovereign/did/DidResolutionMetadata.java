package dev.sovereign.did;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code didResolutionMetadata}: the media type of the document on success, or an error code (and a
 * human message) on failure. {@code extra} holds method-specific members (copied, immutable).
 */
public record DidResolutionMetadata(
    Optional<String> contentType,
    Optional<ResolutionError> error,
    Optional<String> errorMessage,
    Map<String, Object> extra) {

  /** {@code application/did+ld+json}: a JSON-LD document (has {@code @context}). */
  public static final String DID_LD_JSON = "application/did+ld+json";

  /** {@code application/did+json}: plain JSON. */
  public static final String DID_JSON = "application/did+json";

  /** {@code application/ld+json;profile="https://w3id.org/did-resolution"}: the whole result. */
  public static final String RESOLUTION_RESULT =
      "application/ld+json;profile=\"https://w3id.org/did-resolution\"";

  /** Copies {@code extra}. */
  public DidResolutionMetadata {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(errorMessage, "errorMessage");
    extra = JsonValues.freezeMap(extra);
  }

  /** Success metadata with this content type. */
  public static DidResolutionMetadata ofContentType(String contentType) {
    return new DidResolutionMetadata(
        Optional.of(contentType), Optional.empty(), Optional.empty(), Map.of());
  }

  /** Error metadata. */
  public static DidResolutionMetadata ofError(ResolutionError error, String message) {
    return new DidResolutionMetadata(
        Optional.empty(), Optional.of(error), Optional.ofNullable(message), Map.of());
  }

  /** A copy with one more method-specific member. */
  public DidResolutionMetadata with(String name, Object value) {
    Map<String, Object> m = new LinkedHashMap<>(extra);
    m.put(name, value);
    return new DidResolutionMetadata(contentType, error, errorMessage, m);
  }
}
