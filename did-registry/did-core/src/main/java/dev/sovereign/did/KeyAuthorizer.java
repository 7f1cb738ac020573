package dev.sovereign.did;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Answers "may this key do that, at that time?" for verifiers: resolves the DID of a key id (the
 * document version current at the given time), finds the verification method, checks that it is
 * listed under the required relationship and carries a usable key.
 *
 * <p>Security rule: the time comes from the verifier, never from the key id. A key id (e.g. a JWS
 * {@code kid}) carrying {@code versionId}/{@code versionTime} query parameters is refused by {@link
 * #authorize}, since it would let a signer pick an old document in which a since-rotated key was
 * still valid. {@link #dereference(DidUrl)} honours those parameters; use it only where the URL is
 * trusted.
 */
public final class KeyAuthorizer {
  private final DidResolver resolver;

  /** Uses {@code resolver} (normally a {@link CachingDidResolver}). */
  public KeyAuthorizer(DidResolver resolver) {
    this.resolver = Objects.requireNonNull(resolver, "resolver");
  }

  /** Authorizes against the latest version. */
  public AuthorizedKey authorize(String keyId, Relationship relationship)
      throws KeyAuthorizationException {
    return authorize(keyId, relationship, Optional.empty());
  }

  /** Authorizes against the version current at {@code at} ({@code versionTime}). */
  public AuthorizedKey authorize(String keyId, Relationship relationship, Instant at)
      throws KeyAuthorizationException {
    return authorize(keyId, relationship, Optional.of(at));
  }

  /**
   * Authorizes {@code keyId} (an absolute DID URL with a fragment) for {@code relationship} in the
   * document current at {@code at} (latest when empty).
   */
  public AuthorizedKey authorize(String keyId, Relationship relationship, Optional<Instant> at)
      throws KeyAuthorizationException {
    DidUrl url = parseKeyId(keyId);
    if (url.query().isPresent()) {
      throw new KeyAuthorizationException(
          KeyAuthorizationException.Reason.INVALID_KEY_ID,
          keyId,
          null,
          "key ids with query parameters are refused: the verifier fixes the version, not the signer");
    }
    ResolutionOptions options =
        at.map(ResolutionOptions::atTime).orElse(ResolutionOptions.latest());
    return check(keyId, url, relationship, options);
  }

  /**
   * As {@link #authorize(String, Relationship, Optional)}, also requiring the key to belong to
   * {@code expectedDid}.
   */
  public AuthorizedKey authorize(
      Did expectedDid, String keyId, Relationship relationship, Optional<Instant> at)
      throws KeyAuthorizationException {
    DidUrl url = parseKeyId(keyId);
    if (!url.did().equals(expectedDid)) {
      throw new KeyAuthorizationException(
          KeyAuthorizationException.Reason.WRONG_DID,
          keyId,
          null,
          "key belongs to " + url.did() + ", expected " + expectedDid);
    }
    return authorize(keyId, relationship, at);
  }

  /**
   * Dereferences a DID URL to its verification method, resolving the version its {@code
   * versionId}/{@code versionTime} parameters name (latest otherwise). No relationship check.
   */
  public VerificationMethod dereference(DidUrl url) throws KeyAuthorizationException {
    ResolutionOptions options;
    try {
      options = url.resolutionOptions();
    } catch (InvalidDidException e) {
      throw new KeyAuthorizationException(
          KeyAuthorizationException.Reason.INVALID_KEY_ID, url.toString(), null, e.getMessage());
    }
    DidResolutionResult result = resolveOrThrow(url.toString(), url.did(), options);
    return result
        .didDocument()
        .get()
        .dereference(url)
        .orElseThrow(
            () ->
                new KeyAuthorizationException(
                    KeyAuthorizationException.Reason.METHOD_NOT_FOUND,
                    url.toString(),
                    null,
                    "no such verification method"));
  }

  private AuthorizedKey check(
      String keyId, DidUrl url, Relationship relationship, ResolutionOptions options)
      throws KeyAuthorizationException {
    DidResolutionResult result = resolveOrThrow(keyId, url.did(), options);
    if (result.isDeactivated()) {
      throw new KeyAuthorizationException(
          KeyAuthorizationException.Reason.DEACTIVATED, keyId, null, url.did() + " is deactivated");
    }
    DidDocument doc = result.didDocument().get();
    VerificationMethod vm =
        doc.dereference(url)
            .orElseThrow(
                () ->
                    new KeyAuthorizationException(
                        KeyAuthorizationException.Reason.METHOD_NOT_FOUND,
                        keyId,
                        null,
                        "no such verification method"));
    if (!doc.isAuthorized(url.toString(), relationship)) {
      throw new KeyAuthorizationException(
          KeyAuthorizationException.Reason.NOT_AUTHORIZED,
          keyId,
          null,
          "not listed under " + relationship.property());
    }
    PublicKeyMaterial key =
        vm.publicKeyMaterial()
            .orElseThrow(
                () ->
                    new KeyAuthorizationException(
                        KeyAuthorizationException.Reason.UNSUPPORTED_KEY,
                        keyId,
                        null,
                        "method type " + vm.type() + " carries no supported public key"));
    return new AuthorizedKey(url, vm, key, relationship, result);
  }

  private DidResolutionResult resolveOrThrow(String keyId, Did did, ResolutionOptions options)
      throws KeyAuthorizationException {
    DidResolutionResult result = resolver.resolve(did, options);
    if (result.error().isPresent()) {
      throw new KeyAuthorizationException(
          KeyAuthorizationException.Reason.RESOLUTION_FAILED,
          keyId,
          result.error().get(),
          result.didResolutionMetadata().errorMessage().orElse(""));
    }
    return result;
  }

  private static DidUrl parseKeyId(String keyId) throws KeyAuthorizationException {
    DidUrl url;
    try {
      url = DidUrl.parse(keyId);
    } catch (InvalidDidException e) {
      throw new KeyAuthorizationException(
          KeyAuthorizationException.Reason.INVALID_KEY_ID, keyId, null, e.getMessage());
    }
    if (url.fragment().isEmpty() || !url.path().isEmpty()) {
      throw new KeyAuthorizationException(
          KeyAuthorizationException.Reason.INVALID_KEY_ID,
          keyId,
          null,
          "a key id is a DID URL with a fragment and no path");
    }
    return url;
  }
}
