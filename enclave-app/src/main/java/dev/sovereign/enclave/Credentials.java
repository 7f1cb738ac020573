package dev.sovereign.enclave;

import dev.sovereign.did.DidResolver;
import dev.sovereign.enclave.pipeline.MissingEvidence;
import dev.sovereign.enclave.pipeline.ProducerCredentials;
import dev.sovereign.enclave.pipeline.VcProducerCredentials;
import dev.sovereign.enclave.server.EvidenceStore;
import dev.sovereign.vc.CredentialVerifier;
import dev.sovereign.vc.StatusListSource;
import java.time.Clock;
import java.util.function.Supplier;

/** Builds the credential stage of the pipeline. */
public final class Credentials {
  /** Credential JWTs whose verified signatures are remembered. */
  static final int SIGNATURE_CACHE = 4096;

  private Credentials() {}

  /**
   * The credential verifier: DIDs through {@code resolver}, status lists only from the evidence the
   * host supplied (verified by the credentials module: signature, issuer, freshness; fail closed).
   */
  public static ProducerCredentials verifier(
      DidResolver resolver, Clock clock, EvidenceStore evidence, Supplier<String> enclaveDid) {
    StatusListSource source =
        url -> {
          java.util.Optional<String> jwt = evidence.unverifiedStatusList(url);
          if (jwt.isEmpty()) {
            // named to the host if the payload is deferred (policy evidence.askHost,
            // docs/enclave-protocol.md)
            MissingEvidence.statusList(url);
            throw new StatusListSource.UnreachableException(
                url, "the host supplied no status list for " + url);
          }
          return jwt.get();
        };
    // producers resend the same credential and accreditation JWTs with every payload: their
    // signature
    // checks are cached (the credentials module re-checks validity window and status on every call)
    CredentialVerifier verifier =
        CredentialVerifier.builder(resolver)
            .clock(clock)
            .statusLists(source)
            .signatureCache(SIGNATURE_CACHE)
            .build();
    return new VcProducerCredentials(verifier, enclaveDid);
  }
}
