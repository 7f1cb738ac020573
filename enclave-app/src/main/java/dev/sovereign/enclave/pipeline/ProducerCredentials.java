package dev.sovereign.enclave.pipeline;

import java.time.Instant;
import java.util.List;

/**
 * Verifies the credentials a producer carries in its payload: signature, validity window, status,
 * and the issuer chain up to one of {@code trustAnchors}.
 */
public interface ProducerCredentials {
  /**
   * @param credentials compact JWTs from the payload's {@code credentials} claim, or the single
   *     presentation from its {@code vp} claim (then {@code presentation} is true)
   * @throws PayloadRejectedException with a {@code CREDENTIAL_*} reason
   */
  ProducerAuthorization authorize(String producerDid, List<String> credentials, boolean presentation,
      List<String> trustAnchors, Instant at) throws PayloadRejectedException;
}
