package dev.sovereign.crypto.audit;

/**
 * A log whose lines do not form a hash chain. {@link #line()} is the 1-based line where the chain
 * stops; {@link #detail()} says why in words; {@link #code()} is the reason code of the log's
 * format: the key broker's and the backup jobs' {@code AUDIT_CHAIN_BROKEN}, the host's {@code
 * audit-chain-broken}.
 */
public final class ChainBrokenException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String code;
  private final long line;
  private final String detail;

  ChainBrokenException(AuditFormat format, long line, String detail) {
    super(format.brokenCode() + " at line " + line + ": " + detail, null, false, false);
    this.code = format.brokenCode();
    this.line = line;
    this.detail = detail;
  }

  /** The reason code of the log's format ({@link AuditFormat#brokenCode()}). */
  public String code() {
    return code;
  }

  /** The first line (1-based) that does not chain. */
  public long line() {
    return line;
  }

  /** Why, in words, without the line number. */
  public String detail() {
    return detail;
  }
}
