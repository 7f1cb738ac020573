package dev.sovereign.attestation.kms;

/**
 * Token required to read raw secret bytes. It carries no power of its own: its only job is to make
 * every raw access visible ({@code SecretAccess.get()}) in review and in a grep.
 */
public final class SecretAccess {
  private static final SecretAccess INSTANCE = new SecretAccess();

  private SecretAccess() {}

  /** The access token; call sites are the audit trail of who touches raw key bytes. */
  public static SecretAccess get() {
    return INSTANCE;
  }
}
