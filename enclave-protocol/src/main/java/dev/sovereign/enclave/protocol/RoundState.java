package dev.sovereign.enclave.protocol;

import java.util.Arrays;
import java.util.Optional;

/**
 * A round's lifecycle, as host and enclave both name it (protocol 1.2; a closed set, part of the
 * contract). {@code open -> closing -> closed}, or {@code open -> expired} once the policy's {@code
 * retention.roundTtl} has passed. {@code closed} and {@code expired} are final: a payload for such
 * a round gets a final rejection ({@code round-closed}, {@code round-expired}), never a retry.
 * {@code closing} is the host's: it has stopped taking payloads and drains before {@link
 * Message.CloseRound}; the enclave reports only {@code open}, {@code closed} and {@code expired}.
 */
public enum RoundState {
  OPEN,
  CLOSING,
  CLOSED,
  EXPIRED;

  /** The wire name, e.g. {@code expired}. */
  public String wire() {
    return name().toLowerCase();
  }

  /** Whether nothing more can happen to the round. */
  public boolean isFinal() {
    return this == CLOSED || this == EXPIRED;
  }

  /** The state with the given wire name. */
  public static Optional<RoundState> fromWire(String wire) {
    return Arrays.stream(values()).filter(s -> s.wire().equals(wire)).findFirst();
  }
}
