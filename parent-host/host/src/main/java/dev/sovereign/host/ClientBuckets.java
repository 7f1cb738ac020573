package dev.sovereign.host;

import jakarta.inject.Singleton;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-client token buckets on the public API ({@code sovereign.host.rate-per-client}, {@code
 * burst-per-client}). The host cannot see producer DIDs (they are inside the ciphertext), so the
 * client is its network address; per-producer quotas are the enclave's. Every request takes one
 * token at the edge ({@link RateLimitFilter}); a batch of payloads takes one per payload, the rest
 * when its payloads are counted ({@link #takeMore}).
 */
@Singleton
public class ClientBuckets {
  private static final int MAX_CLIENTS = 100_000;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final HostConfig config;

  public ClientBuckets(HostConfig config) {
    this.config = config;
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.last = now;
    }

    /** Takes {@code n} tokens if the bucket holds them; takes none otherwise. */
    synchronized boolean take(int n, double rate, double burst, long now) {
      tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
      last = now;
      if (tokens >= n) {
        tokens -= n;
        return true;
      }
      return false;
    }
  }

  /** Takes one token for a request from {@code client}; false: refuse it (429). */
  boolean take(String client) {
    return takeMore(client, 1);
  }

  /**
   * Takes {@code n} more tokens from {@code client}'s bucket (the payloads of a batch beyond the
   * request's own token), all or none; false: refuse the request (429), nothing taken.
   */
  boolean takeMore(String client, int n) {
    if (n <= 0) {
      return true;
    }
    long now = System.nanoTime();
    if (buckets.size() > MAX_CLIENTS) {
      buckets.clear();
    }
    Bucket b = buckets.computeIfAbsent(client, k -> new Bucket(config.burstPerClient(), now));
    return b.take(n, config.ratePerClient(), config.burstPerClient(), now);
  }

  /** The client's key: its network address. */
  static String client(io.vertx.core.http.HttpServerRequest request) {
    return request == null || request.remoteAddress() == null
        ? "unknown"
        : request.remoteAddress().hostAddress();
  }
}
