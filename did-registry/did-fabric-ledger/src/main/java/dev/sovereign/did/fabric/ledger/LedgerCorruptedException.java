package dev.sovereign.did.fabric.ledger;

/** The ledger file does not verify: our own failure, never a rejection of caller input. */
public final class LedgerCorruptedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LedgerCorruptedException(String message, Throwable cause) {
    super(message, cause);
  }
}
