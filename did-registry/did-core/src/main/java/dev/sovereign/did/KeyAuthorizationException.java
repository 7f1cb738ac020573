package dev.sovereign.did;

/**
 * Rejected input: a verification method id that cannot be used for the requested purpose. The
 * {@link Reason} code is stable and meant for reports.
 */
public final class KeyAuthorizationException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a key was refused. */
  public enum Reason {
    /** The key id is not a DID URL with a fragment, or carries version parameters. */
    INVALID_KEY_ID("invalidKeyId"),
    /** The key id belongs to a DID other than the expected one. */
    WRONG_DID("keyOfAnotherDid"),
    /** Resolution failed; {@link KeyAuthorizationException#resolutionError()} says how. */
    RESOLUTION_FAILED("resolutionFailed"),
    /** The DID was deactivated at the time asked about. */
    DEACTIVATED("didDeactivated"),
    /** The document has no method with that id. */
    METHOD_NOT_FOUND("verificationMethodNotFound"),
    /** The method exists but is not listed under the required relationship. */
    NOT_AUTHORIZED("notAuthorizedForRelationship"),
    /** The method carries no key material Sovereign can use. */
    UNSUPPORTED_KEY("unsupportedKeyType");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    /** The stable reason code. */
    public String code() {
      return code;
    }
  }

  private final Reason reason;
  private final String keyId;
  private final ResolutionError resolutionError;

  /** A refusal; {@code resolutionError} only for {@link Reason#RESOLUTION_FAILED}. */
  public KeyAuthorizationException(
      Reason reason, String keyId, ResolutionError resolutionError, String detail) {
    super(
        reason.code()
            + (resolutionError == null ? "" : "(" + resolutionError.code() + ")")
            + ": "
            + detail);
    this.reason = reason;
    this.keyId = keyId;
    this.resolutionError = resolutionError;
  }

  /** The stable reason. */
  public Reason reason() {
    return reason;
  }

  /** The key id that was refused, verbatim. */
  public String keyId() {
    return keyId;
  }

  /** For {@link Reason#RESOLUTION_FAILED}: the resolution error; otherwise null. */
  public ResolutionError resolutionError() {
    return resolutionError;
  }
}
