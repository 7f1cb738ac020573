package dev.sovereign.keybroker;

import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import java.util.Objects;

/**
 * A KMS error response: the KMS exception name ({@code __type}), the HTTP status and, for refusals,
 * the Sovereign reason code that starts the message ({@code "CODE[:SUB] - text"}). Messages never
 * carry key material.
 */
public final class KmsError extends Exception {
  private static final long serialVersionUID = 1L;

  private final String type;
  private final int status;
  private final KeyReleaseRefusal reason;
  private final String subCode;
  private final String text;
  private transient boolean audited;

  KmsError(String type, int status, KeyReleaseRefusal reason, String subCode, String text) {
    super(type + ": " + reason + (subCode == null ? "" : ":" + subCode) + " - " + text);
    this.type = Objects.requireNonNull(type);
    this.status = status;
    this.reason = Objects.requireNonNull(reason);
    this.subCode = subCode;
    this.text = Objects.requireNonNull(text);
  }

  static KmsError accessDenied(KeyReleaseRefusal reason, String subCode, String text) {
    return new KmsError("AccessDeniedException", 400, reason, subCode, text);
  }

  static KmsError validation(String text) {
    return new KmsError("ValidationException", 400, KeyReleaseRefusal.INVALID_REQUEST, null, text);
  }

  static KmsError invalidCiphertext(String text) {
    return new KmsError(
        "InvalidCiphertextException", 400, KeyReleaseRefusal.INVALID_CIPHERTEXT, null, text);
  }

  static KmsError notFound(String text) {
    return new KmsError("NotFoundException", 400, KeyReleaseRefusal.KEY_NOT_FOUND, null, text);
  }

  static KmsError malformedPolicy(String text) {
    return new KmsError(
        "MalformedPolicyDocumentException",
        400,
        KeyReleaseRefusal.INVALID_REQUEST,
        "MALFORMED_POLICY",
        text);
  }

  boolean audited() {
    return audited;
  }

  KmsError markAudited() {
    audited = true;
    return this;
  }

  /** The KMS exception name, e.g. {@code AccessDeniedException}. */
  public String type() {
    return type;
  }

  /** HTTP status. */
  public int status() {
    return status;
  }

  /** The Sovereign reason code. */
  public KeyReleaseRefusal reason() {
    return reason;
  }

  /** The finer code, or null. */
  public String subCode() {
    return subCode;
  }

  /** The KMS {@code message}: {@code "CODE[:SUB] - text"}. */
  public String wireMessage() {
    return reason + (subCode == null ? "" : ":" + subCode) + " - " + text;
  }
}
