package dev.sovereign.did;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of DID resolution (W3C DID Resolution, "DID Resolution Result"): the document (absent
 * on error), resolution metadata (content type or error code) and document metadata. Serialize with
 * {@link DidJson#write(DidResolutionResult)}.
 */
public record DidResolutionResult(
    Optional<DidDocument> didDocument,
    DidResolutionMetadata didResolutionMetadata,
    DidDocumentMetadata didDocumentMetadata) {

  /** Exactly one of a document and an error. */
  public DidResolutionResult {
    Objects.requireNonNull(didDocument, "didDocument");
    Objects.requireNonNull(didResolutionMetadata, "didResolutionMetadata");
    Objects.requireNonNull(didDocumentMetadata, "didDocumentMetadata");
    if (didDocument.isPresent() == didResolutionMetadata.error().isPresent()) {
      throw new IllegalArgumentException(
          "a result has either a document or an error, not both or neither");
    }
  }

  /**
   * A successful resolution. The content type is {@code application/did+ld+json} when the document
   * has an {@code @context}, else {@code application/did+json}.
   */
  public static DidResolutionResult of(DidDocument document, DidDocumentMetadata metadata) {
    String type =
        document.context().isEmpty()
            ? DidResolutionMetadata.DID_JSON
            : DidResolutionMetadata.DID_LD_JSON;
    return new DidResolutionResult(
        Optional.of(document), DidResolutionMetadata.ofContentType(type), metadata);
  }

  /** A failed resolution with this error code and a human-readable message (never secrets). */
  public static DidResolutionResult error(ResolutionError error, String message) {
    return new DidResolutionResult(
        Optional.empty(),
        DidResolutionMetadata.ofError(error, message),
        DidDocumentMetadata.empty());
  }

  /** The error code, if resolution failed. */
  public Optional<ResolutionError> error() {
    return didResolutionMetadata.error();
  }

  /** True when the document metadata says the DID is deactivated. */
  public boolean isDeactivated() {
    return didDocumentMetadata.deactivated();
  }
}
