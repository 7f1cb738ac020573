package dev.sovereign.did;

/**
 * Resolves the DIDs of one method. Implementations return errors as results ({@code notFound},
 * {@code invalidDid} for method-specific syntax, {@code internalError} for an unreachable registry)
 * and must honour {@code versionId}/{@code versionTime} or answer {@code notFound} / {@code
 * invalidOptions}; they never invent a "latest" answer for a historical request.
 */
public interface DidMethodResolver {

  /** The method name, e.g. {@code key}, {@code ethr}, {@code fabric}. */
  String method();

  /** Resolves {@code did}, whose {@link Did#method()} equals {@link #method()}. */
  DidResolutionResult resolve(Did did, ResolutionOptions options);
}
