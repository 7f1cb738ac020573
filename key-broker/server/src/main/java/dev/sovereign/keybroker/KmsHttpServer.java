package dev.sovereign.keybroker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The KMS JSON 1.1 protocol over HTTP on a loopback address: {@code POST /} with {@code
 * X-Amz-Target: TrentService.<Operation>} and {@code Content-Type: application/x-amz-json-1.1};
 * answers are KMS JSON, errors {@code {"__type": "<KmsException>", "message": "CODE[:SUB] -
 * text"}}. Any KMS client with an endpoint override talks to it. Requests are not SigV4-checked:
 * the broker listens on loopback only and authorises releases by attestation and key policy, not by
 * caller. Request bodies are never logged.
 */
public final class KmsHttpServer implements AutoCloseable {
  /** Largest accepted request body (an attestation document is under 16 KiB). */
  public static final int MAX_BODY_BYTES = 1 << 20;

  private static final String TARGET_PREFIX = "TrentService.";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;

  private KmsHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving {@code broker} on {@code address}, which must be a loopback address (port 0: any
   * free port).
   */
  public static KmsHttpServer start(LocalKeyBroker broker, InetSocketAddress address)
      throws IOException {
    Objects.requireNonNull(broker, "broker");
    if (address.getAddress() == null || !address.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "the local key broker listens on loopback only, not " + address);
    }
    HttpServer server = HttpServer.create(address, 16);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "key-broker-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(broker, exchange));
    server.start();
    return new KmsHttpServer(server, executor);
  }

  /** The endpoint to give a KMS client ({@code endpointOverride}). */
  public URI endpoint() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort());
  }

  private static void handle(LocalKeyBroker broker, HttpExchange ex) throws IOException {
    try (ex) {
      String requestId = UUID.randomUUID().toString();
      ex.getResponseHeaders().set("x-amzn-RequestId", requestId);
      ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
      String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
      String type = ex.getRequestHeaders().getFirst("Content-Type");
      if (!"POST".equals(ex.getRequestMethod())
          || target == null
          || !target.startsWith(TARGET_PREFIX)
          || type == null
          || !type.startsWith("application/x-amz-json-")) {
        send(
            ex,
            400,
            error(
                "UnknownOperationException",
                "expected POST with X-Amz-Target TrentService.* and a KMS JSON body"));
        return;
      }
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readNBytes(MAX_BODY_BYTES + 1);
      }
      if (body.length > MAX_BODY_BYTES) {
        send(ex, 413, error("ValidationException", "INVALID_REQUEST - request body too large"));
        return;
      }
      JsonNode request;
      try {
        request = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
      } catch (IOException e) {
        send(ex, 400, error("SerializationException", "INVALID_REQUEST - body is not JSON"));
        return;
      }
      try {
        JsonNode response = broker.handle(target.substring(TARGET_PREFIX.length()), request);
        send(ex, 200, JSON.writeValueAsBytes(response));
      } catch (KmsError e) {
        send(ex, e.status(), error(e.type(), e.wireMessage()));
      } catch (RuntimeException e) {
        // Our own failure: no detail to the client (it could name internal state), nothing secret
        // in the log.
        System.getLogger(KmsHttpServer.class.getName())
            .log(
                System.Logger.Level.ERROR,
                "key broker internal error " + requestId + ": " + e.getClass().getSimpleName());
        send(ex, 500, error("KMSInternalException", "internal error " + requestId));
      }
    }
  }

  private static byte[] error(String type, String message) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("__type", type);
    n.put("message", message);
    return JSON.writeValueAsBytes(n);
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    if (status != 200) {
      String type = JSON.readTree(body).path("__type").asText();
      ex.getResponseHeaders().set("x-amzn-ErrorType", type);
    }
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Stops accepting requests and waits at most one second for running ones. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }
}
