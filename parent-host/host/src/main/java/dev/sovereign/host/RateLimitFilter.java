package dev.sovereign.host;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Per-client token buckets on the public API. The host cannot see producer DIDs (they are inside
 * the ciphertext), so the client is its network address; per-producer quotas are the enclave's.
 */
public class RateLimitFilter {
  private static final int MAX_CLIENTS = 100_000;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final HostConfig config;
  private final HostService host;

  public RateLimitFilter(HostConfig config, HostService host) {
    this.config = config;
    this.host = host;
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.last = now;
    }

    synchronized boolean take(double rate, double burst, long now) {
      tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }

  @ServerRequestFilter(preMatching = true)
  public jakarta.ws.rs.core.Response limit(ContainerRequestContext ctx, HttpServerRequest request) {
    if (!ctx.getUriInfo().getPath().startsWith("/v1/")) {
      return null;
    }
    String client =
        request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    long now = System.nanoTime();
    if (buckets.size() > MAX_CLIENTS) {
      buckets.clear();
    }
    Bucket b = buckets.computeIfAbsent(client, k -> new Bucket(config.burstPerClient(), now));
    if (!b.take(config.ratePerClient(), config.burstPerClient(), now)) {
      host.refusedAtEdge(
          "rate-limited"); // counted per minute for the audit log, without the address
      return new Problem(429, "rate-limited", "too many requests from this client; slow down")
          .toResponse();
    }
    return null;
  }
}
