package dev.sovereign.host;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * How the sovereignty policy gets into the enclave ({@code sovereign.host.enclave.load-policy}).
 */
@ConfigMapping(prefix = "sovereign.host.enclave")
public interface EnclavePolicyConfig {

  /**
   * A policy file the host sends to an enclave that booted without one ({@code LoadPolicy}, the
   * only way on Nitro: a policy inside the image would change the PCR0 it lists), at start, after a
   * relaunch and whenever it meets a new enclave, before any recovery or round traffic. An enclave
   * already running a policy with another hash is refused (503 {@code policy-mismatch}), never
   * overwritten. With {@code launch=true} the dev enclave then starts without {@code --policy} and
   * {@code sovereign.host.enclave.policy} is not needed.
   */
  Optional<String> loadPolicy();
}
