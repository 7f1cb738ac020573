package dev.sovereign.enclave.audit;

/**
 * An audit log that does not verify. {@link #code()} is one of {@code audit-log-empty}, {@code
 * audit-chain-broken}, {@code audit-head-signature-invalid}, {@code audit-head-mismatch}, {@code
 * audit-head-wrong-enclave}, {@code audit-unsigned-tail}; {@link #line()} is the 1-based line where
 * the check failed (0: the log as a whole).
 */
public final class AuditRejectedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String code;
  private final long line;

  AuditRejectedException(String code, long line, String detail) {
    super(code + " at line " + line + ": " + detail, null, false, false);
    this.code = code;
    this.line = line;
  }

  public String code() {
    return code;
  }

  public long line() {
    return line;
  }
}
