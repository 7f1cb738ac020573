package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A client of the host's REST API (docs/api.md). The host is untrusted: nothing it returns is
 * believed without verification ({@link EnclaveExpectations} for attestation, the regulator's check
 * for results). Errors come back as {@link Answer}s carrying the problem+json {@code code}.
 */
public final class HostClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;
  private final Optional<String> adminToken;
  private final Duration timeout;

  private HostClient(URI base, Optional<String> adminToken, Duration timeout) {
    String s = base.toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    this.adminToken = adminToken;
    this.timeout = timeout;
    // HTTP/1.1 with keep-alive: every call is one request awaiting its answer, so HTTP/2's
    // multiplexing
    // buys nothing, while its framing, HPACK and flow control cost CPU at both ends (on http:// the
    // JDK's
    // default would upgrade to h2c; measured in docs/benchmarks.md). The host still serves HTTP/2.
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** A client for producers (no admin token). */
  public static HostClient of(URI base) {
    return new HostClient(base, Optional.empty(), Duration.ofSeconds(60));
  }

  /** A client that sends {@code Authorization: Bearer token} on admin calls. */
  public static HostClient admin(URI base, String token) {
    return new HostClient(base, Optional.of(token), Duration.ofSeconds(120));
  }

  public URI base() {
    return base;
  }

  /** One HTTP answer: status, problem code (for errors) and the JSON body (or the raw text). */
  public record Answer(int status, String code, JsonNode json, String text) {}

  /** The host is unreachable or answered something that is not HTTP/JSON. */
  public static final class UnreachableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** {@code GET /v1/attestation?nonce=HEX}. */
  public Answer attestation(String nonceHex) throws UnreachableException {
    return send(HttpRequest.newBuilder(uri("/v1/attestation?nonce=" + nonceHex)).GET());
  }

  /** {@code POST /v1/rounds/{round}/payloads} with the compact JWE. */
  public Answer submit(String round, String jwe) throws UnreachableException {
    return send(
        HttpRequest.newBuilder(uri("/v1/rounds/" + round + "/payloads"))
            .header("Content-Type", "application/jose")
            .POST(HttpRequest.BodyPublishers.ofString(jwe, StandardCharsets.US_ASCII)));
  }

  /**
   * {@code POST /v1/rounds/{round}/payloads/batch} with {@code {"payloads": [compact JWE, ...]}}:
   * many payloads in one request (docs/api.md; the host bounds the count and the body's size).
   */
  public Answer submitBatch(String round, java.util.List<String> jwes) throws UnreachableException {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(Map.of("payloads", jwes));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return send(
        HttpRequest.newBuilder(uri("/v1/rounds/" + round + "/payloads/batch"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** {@code GET /v1/rounds/{round}}. */
  public Answer round(String round) throws UnreachableException {
    return send(HttpRequest.newBuilder(uri("/v1/rounds/" + round)).GET());
  }

  /** {@code GET /v1/rounds/{round}/result}: the result credential as text. */
  public Answer result(String round) throws UnreachableException {
    return send(HttpRequest.newBuilder(uri("/v1/rounds/" + round + "/result")).GET());
  }

  /** Admin: {@code POST /v1/rounds {round, dataset}}. */
  public Answer openRound(String round, String dataset) throws UnreachableException {
    return sendJson("/v1/rounds", Map.of("round", round, "dataset", dataset));
  }

  /** Admin: {@code POST /v1/evidence {statusLists}}. */
  public Answer supplyStatusLists(Map<String, String> statusLists) throws UnreachableException {
    return sendJson("/v1/evidence", Map.of("statusLists", statusLists));
  }

  /** Admin: {@code POST /v1/rounds/{round}/close}. */
  public Answer close(String round) throws UnreachableException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri("/v1/rounds/" + round + "/close"))
            .POST(HttpRequest.BodyPublishers.noBody());
    return send(withAdmin(b));
  }

  /**
   * Admin: {@code POST /v1/backup}: the enclave seals its state now; the answer carries the sealed
   * blob.
   */
  public Answer backup() throws UnreachableException {
    return send(
        withAdmin(
            HttpRequest.newBuilder(uri("/v1/backup")).POST(HttpRequest.BodyPublishers.noBody())));
  }

  /**
   * Admin: {@code POST /v1/restore {sealedState}}: the enclave opens the blob only if the key
   * broker releases its key.
   */
  public Answer restore(String sealedStateBase64) throws UnreachableException {
    return sendJson("/v1/restore", Map.of("sealedState", sealedStateBase64));
  }

  /** Admin: {@code GET /v1/audit}: the host's audit log (JSON lines, in {@link Answer#text()}). */
  public Answer audit() throws UnreachableException {
    return send(withAdmin(HttpRequest.newBuilder(uri("/v1/audit")).GET()));
  }

  /** {@code GET path} for operations endpoints ({@code /q/health/ready}, {@code /q/openapi}). */
  public Answer get(String path) throws UnreachableException {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  private Answer sendJson(String path, Object body) throws UnreachableException {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
    return send(withAdmin(b));
  }

  private HttpRequest.Builder withAdmin(HttpRequest.Builder b) {
    adminToken.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    return b;
  }

  private URI uri(String pathAndQuery) {
    return URI.create(base + pathAndQuery);
  }

  private Answer send(HttpRequest.Builder b) throws UnreachableException {
    HttpResponse<String> r;
    try {
      r =
          http.send(
              b.timeout(timeout).build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UnreachableException(
          "cannot reach " + base + " (" + e.getClass().getSimpleName() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnreachableException("interrupted while calling " + base, e);
    }
    String body = r.body() == null ? "" : r.body();
    JsonNode json = null;
    String ct = r.headers().firstValue("Content-Type").orElse("");
    if (ct.contains("json")) {
      try {
        json = JSON.readTree(body);
      } catch (IOException e) {
        json = null;
      }
    }
    String code = null;
    if (r.statusCode() >= 400) {
      code =
          json != null && json.path("code").isTextual()
              ? json.get("code").asText()
              : "http-" + r.statusCode();
    }
    return new Answer(r.statusCode(), code, json, body);
  }
}
