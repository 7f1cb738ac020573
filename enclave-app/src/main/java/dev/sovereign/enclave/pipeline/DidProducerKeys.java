package dev.sovereign.enclave.pipeline;

import dev.sovereign.did.AuthorizedKey;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.InvalidDidException;
import dev.sovereign.did.KeyAuthorizationException;
import dev.sovereign.did.KeyAuthorizer;
import dev.sovereign.did.Relationship;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Optional;

/**
 * {@link ProducerKeys} over the DID registry's {@link KeyAuthorizer}: the key must be listed under
 * {@code assertionMethod} or, failing that, {@code authentication} of the producer's current DID
 * document.
 */
public final class DidProducerKeys implements ProducerKeys {
  private final KeyAuthorizer authorizer;
  private final Clock clock;

  public DidProducerKeys(DidResolver resolver, Clock clock) {
    this.authorizer = new KeyAuthorizer(resolver);
    this.clock = clock;
  }

  @Override
  public PublicKey authorizedKey(String producerDid, String kid) throws PayloadRejectedException {
    return authorizedKey(producerDid, kid, clock.instant());
  }

  @Override
  public PublicKey authorizedKey(String producerDid, String kid, java.time.Instant at)
      throws PayloadRejectedException {
    Did did;
    try {
      did = Did.parse(producerDid);
    } catch (InvalidDidException e) {
      throw new PayloadRejectedException(RejectionReason.CLAIMS_INVALID, "iss is not a DID");
    }
    java.time.Instant current = clock.instant();
    Optional<java.time.Instant> now = Optional.of(at.isAfter(current) ? current : at);
    try {
      return authorizer.authorize(did, kid, Relationship.ASSERTION_METHOD, now).publicKey();
    } catch (KeyAuthorizationException first) {
      if (first.reason() != KeyAuthorizationException.Reason.NOT_AUTHORIZED) {
        throw map(first);
      }
      try {
        AuthorizedKey k = authorizer.authorize(did, kid, Relationship.AUTHENTICATION, now);
        return k.publicKey();
      } catch (KeyAuthorizationException second) {
        throw map(second);
      }
    }
  }

  private static PayloadRejectedException map(KeyAuthorizationException e) {
    RejectionReason r =
        switch (e.reason()) {
          case INVALID_KEY_ID, WRONG_DID -> RejectionReason.KID_NOT_PRODUCER;
          case RESOLUTION_FAILED, DEACTIVATED -> RejectionReason.PRODUCER_DID_UNRESOLVABLE;
          case METHOD_NOT_FOUND, UNSUPPORTED_KEY -> RejectionReason.KEY_NOT_FOUND;
          case NOT_AUTHORIZED -> RejectionReason.KEY_NOT_AUTHORIZED;
        };
    return new PayloadRejectedException(r, e.reason().code(), e);
  }
}
