package dev.sovereign.host;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Per-client rate limiting on the public API ({@link ClientBuckets}): one token per request here; a
 * batch's further payloads are counted by the batch endpoint.
 */
public class RateLimitFilter {
  private final ClientBuckets buckets;
  private final HostService host;

  public RateLimitFilter(ClientBuckets buckets, HostService host) {
    this.buckets = buckets;
    this.host = host;
  }

  @ServerRequestFilter(preMatching = true)
  public jakarta.ws.rs.core.Response limit(ContainerRequestContext ctx, HttpServerRequest request) {
    if (!ctx.getUriInfo().getPath().startsWith("/v1/")) {
      return null;
    }
    if (!buckets.take(ClientBuckets.client(request))) {
      host.refusedAtEdge(
          "rate-limited"); // counted per minute for the audit log, without the address
      return rateLimited().toResponse();
    }
    return null;
  }

  /** The answer to a client over its rate. */
  static Problem rateLimited() {
    return new Problem(429, "rate-limited", "too many requests from this client; slow down");
  }
}
