package dev.sovereign.did;

import dev.sovereign.did.key.DidKeyResolver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Builds a {@link DidResolver} that dispatches on the DID method:
 *
 * <pre>{@code
 * DidResolver resolver = DidResolvers.builder()
 *     .withDidKey()                       // built in
 *     .discover(Map.of("ethr.rpc", url))  // ServiceLoader providers (ethr, fabric, ...)
 *     .build();
 * }</pre>
 *
 * Wrap the result in {@link CachingDidResolver} for caching.
 */
public final class DidResolvers {
  private DidResolvers() {}

  /** did:key plus every provider found by {@link ServiceLoader} that accepts {@code settings}. */
  public static DidResolver standard(Map<String, String> settings) {
    return builder().withDidKey().discover(settings).build();
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Collects method resolvers; a method registered twice keeps the last registration. */
  public static final class Builder {
    private final Map<String, DidMethodResolver> methods = new LinkedHashMap<>();

    private Builder() {}

    /** Registers a method resolver. */
    public Builder method(DidMethodResolver resolver) {
      methods.put(resolver.method(), resolver);
      return this;
    }

    /** Registers the built-in did:key resolver. */
    public Builder withDidKey() {
      return method(new DidKeyResolver());
    }

    /**
     * Registers every {@link DidMethodResolverProvider} on the class path that accepts {@code
     * settings}.
     */
    public Builder discover(Map<String, String> settings) {
      return discover(settings, Thread.currentThread().getContextClassLoader());
    }

    /** As {@link #discover(Map)} with an explicit class loader. */
    public Builder discover(Map<String, String> settings, ClassLoader loader) {
      for (DidMethodResolverProvider p :
          ServiceLoader.load(DidMethodResolverProvider.class, loader)) {
        Optional<DidMethodResolver> r = p.create(settings);
        r.ifPresent(this::method);
      }
      return this;
    }

    /** The method names registered so far. */
    public List<String> methods() {
      return new ArrayList<>(methods.keySet());
    }

    /** Builds the dispatching resolver. */
    public DidResolver build() {
      return new MethodDispatchingResolver(methods);
    }
  }
}
