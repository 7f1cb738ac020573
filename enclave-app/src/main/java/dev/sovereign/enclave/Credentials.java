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

  /** The credential stage and the check a supplied status list passes before it is stored. */
  public record Stage(
      ProducerCredentials producers, EvidenceStore.StatusListVerifier statusLists) {}

  /**
   * The credential verifier: DIDs through {@code resolver}, status lists only from the evidence the
   * host supplied (verified when supplied and again on every use by the credentials module:
   * signature, issuer, freshness within {@code statusListMaxAge}; fail closed).
   */
  public static Stage verifier(
      DidResolver resolver,
      Clock clock,
      EvidenceStore evidence,
      Supplier<String> enclaveDid,
      java.time.Duration statusListMaxAge,
      boolean requireCredentialStatus) {
    StatusListSource source =
        new StatusListSource() {
          @Override
          public String fetch(String url) throws UnreachableException {
            java.util.Optional<String> jwt = evidence.statusList(url);
            if (jwt.isEmpty()) {
              // named to the host if the payload is deferred (policy evidence.askHost,
              // docs/enclave-protocol.md)
              MissingEvidence.statusList(url);
              throw new StatusListSource.UnreachableException(
                  url, "the host supplied no status list for " + url);
            }
            return jwt.get();
          }

          @Override
          public boolean isLocal() {
            return true; // a newer supplied list takes effect at once
          }
        };
    // producers resend the same credential and accreditation JWTs with every payload: their
    // signature checks are cached (the credentials module re-checks validity window and status on
    // every call)
    CredentialVerifier verifier =
        CredentialVerifier.builder(resolver)
            .clock(clock)
            .statusLists(source)
            .statusListMaxAge(statusListMaxAge)
            .signatureCache(SIGNATURE_CACHE)
            .build();
    return new Stage(
        new VcProducerCredentials(verifier, enclaveDid, requireCredentialStatus),
        verifier::verifyStatusList);
  }
}
