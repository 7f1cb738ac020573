package dev.sovereign.enclave.pipeline;

import java.security.PublicKey;

/**
 * Finds a producer's signing key: the verification method {@code kid} of DID {@code producerDid}.
 */
public interface ProducerKeys {
  /**
   * The public key of {@code kid}, which must be a verification method of {@code producerDid}
   * referenced from {@code assertionMethod} or {@code authentication}.
   *
   * @throws PayloadRejectedException {@link RejectionReason#PRODUCER_DID_UNRESOLVABLE}, {@link
   *     RejectionReason#KEY_NOT_FOUND} or {@link RejectionReason#KEY_NOT_AUTHORIZED}
   */
  PublicKey authorizedKey(String producerDid, String kid) throws PayloadRejectedException;

  /**
   * As {@link #authorizedKey(String, String)}, against the DID document in force at {@code at} (a
   * time in the future counts as now). Only for a time the verifier itself vouches for: a payload's
   * {@code iat} is the signer's word and is never passed here (docs/enclave.md, step 6).
   */
  default PublicKey authorizedKey(String producerDid, String kid, java.time.Instant at)
      throws PayloadRejectedException {
    return authorizedKey(producerDid, kid);
  }
}
