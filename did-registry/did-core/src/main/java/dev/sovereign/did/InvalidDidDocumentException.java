package dev.sovereign.did;

/** Rejected input: a DID document (or verification method) that breaks DID Core's data model. */
public final class InvalidDidDocumentException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String detail;

  /** A rejection saying what is wrong. */
  public InvalidDidDocumentException(String detail) {
    super(ResolutionError.INVALID_DID_DOCUMENT.code() + ": " + detail);
    this.detail = detail;
  }

  /** A rejection saying what is wrong, with the lower-level cause. */
  public InvalidDidDocumentException(String detail, Throwable cause) {
    super(ResolutionError.INVALID_DID_DOCUMENT.code() + ": " + detail, cause);
    this.detail = detail;
  }

  /** What is wrong, without the reason code prefix. */
  public String detail() {
    return detail;
  }

  /** Always {@link ResolutionError#INVALID_DID_DOCUMENT}. */
  public ResolutionError reason() {
    return ResolutionError.INVALID_DID_DOCUMENT;
  }
}
