package dev.sovereign.enclave.pipeline;

import java.time.Instant;
import java.util.List;

/**
 * Verifies the credentials a producer carries in its payload: signature, validity window, status,
 * and the issuer chain up to one of {@code trustAnchors}.
 */
public interface ProducerCredentials {
  /**
   * @param jti the payload's {@code jti}: the nonce a presentation must be bound to
   * @param credentials compact JWTs from the payload's {@code credentials} claim (the producer's
   *     credential and the accreditations of its issuer chain), or the single presentation from its
   *     {@code vp} claim (then {@code presentation} is true)
   * @param zone the zone the payload speaks for; the anchors may accredit only within it
   * @param dataset the round's dataset
   * @throws PayloadRejectedException with a {@code CREDENTIAL_*} reason
   */
  ProducerAuthorization authorize(
      String producerDid,
      String jti,
      List<String> credentials,
      boolean presentation,
      String zone,
      String dataset,
      List<String> trustAnchors,
      Instant at)
      throws PayloadRejectedException;
}
