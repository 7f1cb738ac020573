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

  /**
   * The sovereignty zones this host serves; payloads whose {@code zone} header names another are
   * refused.
   */
  @WithDefault("EU,US,APAC")
  List<String> zones();

  /** Bearer token for admin endpoints (rounds, backup). Empty: admin endpoints refuse everyone. */
  Optional<String> adminToken();

  /** Largest accepted payload body in bytes (a compact JWE). */
  @WithDefault("262144")
  int maxPayloadBytes();

  /**
   * Most payloads in one batch ({@code POST /v1/rounds/{round}/payloads/batch}); a batch with more
   * is refused whole (413 {@code too-many-payloads}).
   */
  @WithDefault("128")
  int maxBatchPayloads();

  /**
   * Largest batch body in bytes (the JSON); a larger one is refused whole (413 {@code
   * batch-too-large}). Above {@code quarkus.http.limits.max-body-size} (1 MiB) the HTTP server
   * refuses the body itself before the host reads it.
   */
  @WithDefault("983040")
  int maxBatchBytes();

  /**
   * Payloads per second allowed per client address on public endpoints (token bucket; a request
   * without payloads counts as one, a batch as its payloads).
   */
  @WithDefault("200")
  int ratePerClient();

  /** Burst size of the per-client token bucket. */
  @WithDefault("400")
  int burstPerClient();

  /**
   * Settings handed to every DID method provider on the class path, e.g. {@code ethr.rpc} and
   * {@code ethr.registry} (did:ethr), {@code data.dir} (did:fabric on the embedded ledger).
   */
  java.util.Map<String, String> did();

  /** The enclave link. */
  Enclave enclave();

  /** Periodic sealing of the enclave's state and crash recovery from the last seal. */
  Seal seal();

  /** Where the enclave gets its sealing keys. */
  KeyBroker keyBroker();

  /** When the host asks the enclave to seal. */
  interface Seal {
    /** Seal at all (needs an enclave started with a key broker). */
    @WithDefault("true")
    boolean enabled();

    /** Seal at least this often while rounds are open. */
    @WithDefault("PT30S")
    java.time.Duration interval();

    /**
     * Seal after this many newly accepted payloads. Each seal is a key-broker call (a KMS
     * GenerateDataKey with attestation on AWS) and holds the forwarder; 1000 bounds what a
     * restarted enclave must be sent again to under two seconds of its work, with {@link
     * #interval()} bounding time.
     */
    @WithDefault("1000")
    int everyPayloads();

    /** Sealed blobs kept under {@code <data-dir>/seals}. */
    @WithDefault("3")
    int keep();
  }

  /** The key broker the enclave uses (the enclave makes the KMS calls itself; docs/sealing.md). */
  interface KeyBroker {
    /**
     * Development: run the local key broker inside the host (loopback, state under {@code
     * <data-dir>/key-broker}) and create the sealing key for the dev enclave's PCR0 and policy.
     * Applies only when the host launches the enclave and no {@link #endpoint()} is set.
     */
    @WithDefault("true")
    boolean embedded();

    /** KMS endpoint handed to the enclave, e.g. {@code https://kms.eu-central-1.amazonaws.com}. */
    Optional<String> endpoint();

    /** KMS key id or ARN for sealed state. */
    Optional<String> keyId();
  }

  /** How the host reaches, and in development starts, its enclave. */
  interface Enclave {
    /**
     * {@code unix:PATH} or {@code vsock:CID:PORT}; empty means {@code unix:<dataDir>/enclave.sock}.
     */
    Optional<String> address();

    /** Start the enclave as a child process (development: simulated NSM, unix socket). */
    @WithDefault("true")
    boolean launch();

    /**
     * The enclave jar the dev launcher runs; empty means the build's {@code
     * enclave-app/target/sovereign-enclave.jar}.
     */
    Optional<String> jar();

    /**
     * The sovereignty policy file the dev launcher hands the enclave; required when {@code launch}
     * is true (the host refuses to start without it; {@code ./sovereign demo} writes one).
     */
    Optional<String> policy();

    /** Payloads per submission frame. */
    @WithDefault("64")
    int batch();

    /** How long one enclave request may take before the link is reset. */
    @WithDefault("PT30S")
    java.time.Duration timeout();
  }
}
