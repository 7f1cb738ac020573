package dev.sovereign.vc;

import java.util.Map;

/**
 * Where status list credentials come from. Inside the enclave they arrive as evidence from the host
 * (a map of URL to compact JWS); outside, a host-side fetcher may use HTTP. The verification core
 * never opens a connection itself.
 */
@FunctionalInterface
public interface StatusListSource {
  /** The compact JWS of the status list credential at {@code url}; throws when it cannot be had. */
  String fetch(String url) throws UnreachableException;

  /**
   * True when this source answers from memory that its owner replaces as evidence arrives (the
   * enclave's supplied lists): the verifier then asks it on every use and reuses a verified list
   * only while the answer is the same token, so a newer list takes effect at once. False (the
   * default): a verified list is reused for its {@code ttl}.
   */
  default boolean isLocal() {
    return false;
  }

  /** A source answering from a fixed map (evidence handed over by the host). */
  static StatusListSource of(Map<String, String> lists) {
    Map<String, String> copy = Map.copyOf(lists);
    return url -> {
      String jwt = copy.get(url);
      if (jwt == null) {
        throw new UnreachableException(url, "no status list evidence for " + url);
      }
      return jwt;
    };
  }

  /**
   * A source that never answers (verifying credentials without status is then impossible: fail
   * closed).
   */
  static StatusListSource none() {
    return url -> {
      throw new UnreachableException(url, "no status list source configured");
    };
  }

  /** The list could not be obtained. */
  final class UnreachableException extends Exception {
    private final String url;

    public UnreachableException(String url, String message) {
      super(message);
      this.url = url;
    }

    public UnreachableException(String url, String message, Throwable cause) {
      super(message, cause);
      this.url = url;
    }

    public String url() {
      return url;
    }
  }
}
