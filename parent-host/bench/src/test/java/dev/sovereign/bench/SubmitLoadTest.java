package dev.sovereign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sovereign.producer.Payloads;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SubmitLoadTest {
  private HttpServer server;
  private final Set<String> received = ConcurrentHashMap.newKeySet();
  private final List<String> contentTypes = Collections.synchronizedList(new ArrayList<>());

  /** A host stand-in: the answer to each payload is the handler's. */
  private URI serve(BiConsumer<HttpExchange, String> answer) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/rounds/r-1/payloads",
        ex -> {
          String jwe = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.US_ASCII);
          received.add(jwe);
          contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
          answer.accept(ex, jwe);
          ex.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static void answer(HttpExchange ex, int status, String body, boolean chunked) {
    try {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(status, chunked ? 0 : b.length);
      ex.getResponseBody().write(b);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String stored(String jwe, String round) {
    return "{\"payloadId\":\""
        + Payloads.payloadId(jwe)
        + "\",\"round\":\""
        + round
        + "\",\"status\":\"stored\"}";
  }

  private static List<String> jwes(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("aGVhZGVy." + i + ".aXY.Y2lwaGVy" + "x".repeat(i % 300) + ".dGFn");
    }
    return out;
  }

  @Test
  void everyPayloadIsSentOnceOnKeepAliveSocketsAndEveryAnswerIsChecked() throws Exception {
    URI base = serve((ex, jwe) -> answer(ex, 202, stored(jwe, "r-1"), false));
    SubmitLoad load = new SubmitLoad(base, "r-1", 3);
    List<String> jwes = jwes(200);
    long[] latencies = load.run(load.prepare(jwes));
    assertEquals(200, latencies.length);
    assertEquals(Set.copyOf(jwes), received);
    assertTrue(contentTypes.stream().allMatch("application/jose"::equals));
    for (long l : latencies) {
      assertTrue(l > 0);
    }
  }

  @Test
  void chunkedAnswersAreReadToTheirEnd() throws Exception {
    URI base = serve((ex, jwe) -> answer(ex, 202, stored(jwe, "r-1"), true));
    SubmitLoad load = new SubmitLoad(base, "r-1", 2);
    assertEquals(50, load.run(load.prepare(jwes(50))).length);
  }

  @Test
  void anAnswerThatIsNotA202StopsTheRunWithWhatTheHostSaid() throws Exception {
    URI base =
        serve(
            (ex, jwe) ->
                answer(
                    ex,
                    jwe.contains(".17.") ? 503 : 202,
                    jwe.contains(".17.") ? "{\"code\":\"store-unavailable\"}" : stored(jwe, "r-1"),
                    false));
    SubmitLoad load = new SubmitLoad(base, "r-1", 2);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> load.run(load.prepare(jwes(40))));
    assertTrue(e.getCause().getMessage().contains("503"), e.getCause().getMessage());
    assertTrue(e.getCause().getMessage().contains("store-unavailable"));
  }

  @Test
  void a202ForAnotherPayloadOrNotStoredIsRefused() throws Exception {
    URI other = serve((ex, jwe) -> answer(ex, 202, stored(jwe + "x", "r-1"), false));
    SubmitLoad load = new SubmitLoad(other, "r-1", 1);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> load.run(load.prepare(jwes(3))));
    assertTrue(e.getCause().getMessage().contains("202 with"), e.getCause().getMessage());
    stop();
    URI again =
        serve(
            (ex, jwe) ->
                answer(
                    ex,
                    202,
                    stored(jwe, "r-1").replace("\"stored\"", "\"already-stored\""),
                    false));
    SubmitLoad load2 = new SubmitLoad(again, "r-1", 1);
    assertThrows(ExecutionException.class, () -> load2.run(load2.prepare(jwes(3))));
  }

  @Test
  void onlyPlainHttpAndRoundIdsThatNeedNoEscapingAreTaken() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new SubmitLoad(URI.create("https://127.0.0.1:8443"), "r-1", 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SubmitLoad(URI.create("http://127.0.0.1:8080"), "r 1/../x", 1));
  }
}
