package dev.sovereign.did;

import java.util.Map;
import java.util.Optional;

/**
 * Service-provider interface ({@link java.util.ServiceLoader}) through which modules outside
 * did-core (did:ethr over web3j, the Fabric Gateway client) plug a method resolver in without
 * did-core depending on them. Register an implementation in {@code
 * META-INF/services/dev.sovereign.did.DidMethodResolverProvider}.
 */
public interface DidMethodResolverProvider {

  /** The method name this provider serves. */
  String method();

  /**
   * Creates the resolver from string settings (e.g. {@code ethr.rpc}, {@code ethr.registry}, or a
   * data directory). Returns empty when the settings it needs are absent, so that a command that
   * did not configure the method reports {@code methodNotSupported}; throws {@link
   * IllegalArgumentException} when settings are present but malformed.
   */
  Optional<DidMethodResolver> create(Map<String, String> settings);
}
