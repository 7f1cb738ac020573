package dev.sovereign.vc;

import dev.sovereign.did.Did;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A status list credential that verified ({@link CredentialVerifier#verifyStatusList}): who signed
 * it, its purposes, its number of entries and its validity window ({@code validFrom} is required,
 * so lists for one URL can be ordered by it).
 */
public record VerifiedStatusList(
    String url,
    Did issuer,
    List<String> purposes,
    long entries,
    Instant validFrom,
    Optional<Instant> validUntil) {
  public VerifiedStatusList {
    purposes = List.copyOf(purposes);
  }
}
