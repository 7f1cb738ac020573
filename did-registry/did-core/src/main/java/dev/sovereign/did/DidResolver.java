package dev.sovereign.did;

/**
 * Resolves any DID to a W3C DID Resolution result. Never throws for expected errors: malformed
 * input yields {@code invalidDid}, an unknown method {@code methodNotSupported}, and so on. Build
 * one with {@link DidResolvers}.
 */
public interface DidResolver {

  /** Resolves {@code did} (any string; it is validated) with these options. */
  DidResolutionResult resolve(String did, ResolutionOptions options);

  /** Resolves the latest version. */
  default DidResolutionResult resolve(String did) {
    return resolve(did, ResolutionOptions.latest());
  }

  /** Resolves a parsed DID. */
  default DidResolutionResult resolve(Did did, ResolutionOptions options) {
    return resolve(did.toString(), options);
  }
}
