package dev.sovereign.enclave;

import dev.sovereign.did.DidResolver;
import dev.sovereign.enclave.pipeline.PayloadRejectedException;
import dev.sovereign.enclave.pipeline.ProducerCredentials;
import dev.sovereign.enclave.pipeline.RejectionReason;
import java.time.Clock;

/** Builds the credential stage of the pipeline. */
final class Credentials {
  private Credentials() {}

  /**
   * The credential verifier. Until the credentials module's verifier is wired in, every payload is
   * rejected with {@link RejectionReason#CREDENTIAL_VERIFIER_UNAVAILABLE}: an unverified credential
   * is never a pass.
   */
  static ProducerCredentials verifier(DidResolver resolver, Clock clock) {
    return (producer, credentials, presentation, anchors, at) -> {
      throw new PayloadRejectedException(RejectionReason.CREDENTIAL_VERIFIER_UNAVAILABLE,
          "credential verification is not wired in this build");
    };
  }
}
