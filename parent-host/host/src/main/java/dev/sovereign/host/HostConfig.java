package dev.sovereign.host;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/** The host's configuration ({@code sovereign.host.*}); embedded defaults need no set-up. */
@ConfigMapping(prefix = "sovereign.host")
public interface HostConfig {

  /** Where the inbox, the enclave socket and the dev enclave's state live. */
  @WithDefault(".sovereign/host")
  String dataDir();

  /** The sovereignty zones this host serves; payloads whose {@code zone} header names another are refused. */
  @WithDefault("EU,US,APAC")
  List<String> zones();

  /** Bearer token for admin endpoints (rounds, backup). Empty: admin endpoints refuse everyone. */
  Optional<String> adminToken();

  /** Largest accepted payload body in bytes (a compact JWE). */
  @WithDefault("262144")
  int maxPayloadBytes();

  /** Requests per second allowed per client address on public endpoints (token bucket). */
  @WithDefault("200")
  int ratePerClient();

  /** Burst size of the per-client token bucket. */
  @WithDefault("400")
  int burstPerClient();

  /** Settings for DID method providers (e.g. {@code ethr.rpc}, {@code ethr.registry}, {@code fabric.data-dir}). */
  java.util.Map<String, String> did();

  /** The enclave link. */
  Enclave enclave();

  /** How the host reaches, and in development starts, its enclave. */
  interface Enclave {
    /** {@code unix:PATH} or {@code vsock:CID:PORT}; empty means {@code unix:<dataDir>/enclave.sock}. */
    Optional<String> address();

    /** Start the enclave as a child process (development: simulated NSM, unix socket). */
    @WithDefault("true")
    boolean launch();

    /** The enclave jar the dev launcher runs; empty means the build's {@code enclave-app/target/sovereign-enclave.jar}. */
    Optional<String> jar();

    /** The sovereignty policy the dev launcher loads; empty means the bundled demo policy. */
    Optional<String> policy();

    /** Payloads per submission frame. */
    @WithDefault("64")
    int batch();

    /** How long one enclave request may take before the link is reset. */
    @WithDefault("PT30S")
    java.time.Duration timeout();
  }
}
