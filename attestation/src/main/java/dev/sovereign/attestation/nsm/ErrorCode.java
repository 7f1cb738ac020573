package dev.sovereign.attestation.nsm;

/**
 * The closed set of error codes an NSM returns inside {@link Response.Error}, in the order and with
 * the wire names of {@code ErrorCode} in aws-nitro-enclaves-nsm-api {@code src/api/mod.rs}.
 */
public enum ErrorCode {
  /** No errors. */
  SUCCESS("Success"),
  /** Input argument(s) invalid. */
  INVALID_ARGUMENT("InvalidArgument"),
  /** PCR index out of bounds. */
  INVALID_INDEX("InvalidIndex"),
  /** The received response does not correspond to the earlier request. */
  INVALID_RESPONSE("InvalidResponse"),
  /** The PCR is read-only and the operation attempted to modify it. */
  READ_ONLY_INDEX("ReadOnlyIndex"),
  /** The request cannot be fulfilled due to missing capabilities. */
  INVALID_OPERATION("InvalidOperation"),
  /** The operation succeeded but the output buffer is too small. */
  BUFFER_TOO_SMALL("BufferTooSmall"),
  /** The user-provided input is too large. */
  INPUT_TOO_LARGE("InputTooLarge"),
  /** The NSM cannot fulfil the request due to internal errors. */
  INTERNAL_ERROR("InternalError");

  private final String wireName;

  ErrorCode(String wireName) {
    this.wireName = wireName;
  }

  /** The serde variant name, as it appears on the wire (a CBOR text string). */
  public String wireName() {
    return wireName;
  }

  /** The code with the given wire name. */
  public static java.util.Optional<ErrorCode> fromWireName(String name) {
    for (ErrorCode c : values()) {
      if (c.wireName.equals(name)) {
        return java.util.Optional.of(c);
      }
    }
    return java.util.Optional.empty();
  }
}
