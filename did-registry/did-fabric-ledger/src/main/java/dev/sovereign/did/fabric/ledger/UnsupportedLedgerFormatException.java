package dev.sovereign.did.fabric.ledger;

import java.io.IOException;

/**
 * The ledger file records a storage format (SQLite {@code user_version}) this build does not know,
 * written by a newer build: it is refused, never opened as if it were one this build knows.
 */
public final class UnsupportedLedgerFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The format the file records. */
  private final int found;

  UnsupportedLedgerFormatException(int found, int newestKnown) {
    super(
        "the ledger file is in storage format "
            + found
            + "; this build reads formats 1 to "
            + newestKnown);
    this.found = found;
  }

  /** The format the file records. */
  public int found() {
    return found;
  }
}
