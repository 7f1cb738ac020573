package dev.sovereign.host;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the host relays evidence the enclave asks for ({@code sovereign.evidence.*}). */
@ConfigMapping(prefix = "sovereign.evidence")
public interface EvidenceConfig {

  /** Submit with {@code deferEvidence} and relay what the enclave names. */
  @WithDefault("true")
  boolean relay();

  /** GET status list credentials by their URL when the enclave names one it lacks. */
  @WithDefault("true")
  boolean fetchStatusLists();

  /** Also fetch from loopback and private address ranges (never link-local or multicast). */
  @WithDefault("false")
  boolean fetchPrivateAddresses();

  /** Bound of one fetch. */
  @WithDefault("PT5S")
  Duration fetchTimeout();
}
