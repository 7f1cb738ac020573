package dev.sovereign.did;

import java.util.Optional;

/**
 * The closed set of DID Resolution error codes (W3C DID Resolution, section "DID Resolution
 * Metadata"). The {@link #code()} string is what appears on the wire in {@code
 * didResolutionMetadata.error}.
 */
public enum ResolutionError {
  /** The input is not a conformant DID (syntax, or method-specific rules such as a bad did:key). */
  INVALID_DID("invalidDid"),
  /** The input is not a conformant DID URL. */
  INVALID_DID_URL("invalidDidUrl"),
  /** The DID (or the requested version of it) does not exist. */
  NOT_FOUND("notFound"),
  /** No resolver is registered for the DID method. */
  METHOD_NOT_SUPPORTED("methodNotSupported"),
  /** The requested {@code accept} media type cannot be produced. */
  REPRESENTATION_NOT_SUPPORTED("representationNotSupported"),
  /** Resolution options are malformed or contradictory (e.g. both versionId and versionTime). */
  INVALID_OPTIONS("invalidOptions"),
  /** The method's registry answered with data that fails its own verification rules. */
  INVALID_DID_DOCUMENT("invalidDidDocument"),
  /** Our own failure or an unreachable registry; never cached. */
  INTERNAL_ERROR("internalError");

  private final String code;

  ResolutionError(String code) {
    this.code = code;
  }

  /** The wire code, e.g. {@code invalidDid}. */
  public String code() {
    return code;
  }

  /** The error with this wire code, if it is one of ours. */
  public static Optional<ResolutionError> fromCode(String code) {
    for (ResolutionError e : values()) {
      if (e.code.equals(code)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
