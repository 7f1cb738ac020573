package dev.sovereign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The host's admin backup API, scripted (the real endpoints are exercised in the host's
 * HostEndToEndTest): {@code POST /v1/backup} answers {@link #BLOB} to bearer {@code t0ken}, {@code
 * POST /v1/restore} accepts exactly that blob and answers anything else as the enclave does for a
 * tampered seal ({@code 422 seal-rejected ...: TAMPERED}).
 */
final class ScriptedHostApi implements AutoCloseable {
  static final String TOKEN = "t0ken";
  static final byte[] BLOB = "SVSEAL-ciphertext-only".getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer host;

  /** Base64 blobs the restore endpoint received, in order. */
  final List<String> restored = Collections.synchronizedList(new ArrayList<>());

  /** How often the host was asked to seal. */
  final AtomicInteger seals = new AtomicInteger();

  ScriptedHostApi() throws IOException {
    host = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    host.createContext(
        "/v1/backup",
        x -> {
          seals.incrementAndGet();
          byte[] body =
              ("{\"sealedState\":\""
                      + Base64.getEncoder().encodeToString(BLOB)
                      + "\",\"rounds\":[\"r1\"]}")
                  .getBytes(StandardCharsets.UTF_8);
          int status =
              ("Bearer " + TOKEN).equals(x.getRequestHeaders().getFirst("Authorization"))
                  ? 200
                  : 401;
          x.sendResponseHeaders(status, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    host.createContext(
        "/v1/restore",
        x -> {
          JsonNode req = JSON.readTree(x.getRequestBody());
          byte[] blob = Base64.getDecoder().decode(req.get("sealedState").asText());
          boolean ok = Arrays.equals(blob, BLOB);
          restored.add(req.get("sealedState").asText());
          byte[] body =
              (ok
                      ? "{\"restored\":true,\"openRounds\":1}"
                      : "{\"code\":\"seal-rejected\",\"status\":422,\"detail\":\"the enclave refused the sealed state: TAMPERED\"}")
                  .getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(ok ? 200 : 422, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    host.start();
  }

  String url() {
    return "http://127.0.0.1:" + host.getAddress().getPort();
  }

  @Override
  public void close() {
    host.stop(0);
  }
}
