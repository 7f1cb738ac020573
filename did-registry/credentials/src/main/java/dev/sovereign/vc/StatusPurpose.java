package dev.sovereign.vc;

import java.util.Optional;

/** The status purposes Sovereign issues and checks (one bit each). */
public enum StatusPurpose {
  REVOCATION("revocation", ReasonCode.REVOKED),
  SUSPENSION("suspension", ReasonCode.SUSPENDED);

  private final String wireName;
  private final ReasonCode whenSet;

  StatusPurpose(String wireName, ReasonCode whenSet) {
    this.wireName = wireName;
    this.whenSet = whenSet;
  }

  /** The {@code statusPurpose} value. */
  public String wireName() {
    return wireName;
  }

  /** The rejection when the entry's bit is set. */
  public ReasonCode whenSet() {
    return whenSet;
  }

  public static Optional<StatusPurpose> fromWire(String s) {
    for (StatusPurpose p : values()) {
      if (p.wireName.equals(s)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
