package dev.sovereign.did;

/** Rejected input: a DID document (or verification method) that breaks DID Core's data model. */
public final class InvalidDidDocumentException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidDidDocumentException(String detail) {
    super(ResolutionError.INVALID_DID_DOCUMENT.code() + ": " + detail);
  }

  public InvalidDidDocumentException(String detail, Throwable cause) {
    super(ResolutionError.INVALID_DID_DOCUMENT.code() + ": " + detail, cause);
  }

  /** Always {@link ResolutionError#INVALID_DID_DOCUMENT}. */
  public ResolutionError reason() {
    return ResolutionError.INVALID_DID_DOCUMENT;
  }
}
