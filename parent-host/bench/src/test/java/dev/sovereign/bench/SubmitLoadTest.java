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

  /**
   * Bodies of the batches received, and a host stand-in answering each batch with the handler's.
   */
  private final List<String> batchBodies = Collections.synchronizedList(new ArrayList<>());

  private URI serveBatches(java.util.function.Function<List<String>, String> answer)
      throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/rounds/r-1/payloads/batch",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.US_ASCII);
          batchBodies.add(body);
          contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
          List<String> items = new ArrayList<>();
          json.readTree(body).get("payloads").forEach(n -> items.add(n.asText()));
          received.addAll(items);
          answer(ex, 200, answer.apply(items), false);
          ex.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static String batchStored(List<String> items, String... statuses) {
    StringBuilder b = new StringBuilder("{\"round\":\"r-1\",\"results\":[");
    for (int i = 0; i < items.size(); i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"payloadId\":\"")
          .append(Payloads.payloadId(items.get(i)))
          .append("\",\"status\":\"")
          .append(i < statuses.length ? statuses[i] : "stored")
          .append("\"}");
    }
    return b.append("]}").toString();
  }

  @Test
  void batchesCarryUpToNPayloadsEachAndEveryPayloadIsChecked() throws Exception {
    URI base = serveBatches(items -> batchStored(items));
    SubmitLoad load = new SubmitLoad(base, "r-1", 3, 64);
    List<String> jwes = jwes(200);
    SubmitLoad.Prepared p = load.prepare(jwes);
    assertEquals(List.of(64, 64, 64, 8), p.ids().stream().map(List::size).toList());
    assertEquals(200, p.payloads());
    assertEquals(4, load.run(p).length);
    assertEquals(Set.copyOf(jwes), received);
    assertEquals(4, batchBodies.size());
    assertTrue(contentTypes.stream().allMatch("application/json"::equals));
  }

  @Test
  void aBatchIsCutBeforeItsBodyPassesTheHostsByteLimit() throws Exception {
    URI base = serveBatches(items -> batchStored(items));
    SubmitLoad load = new SubmitLoad(base, "r-1", 1, 64);
    List<String> big = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      big.add("aGVhZGVy." + i + ".aXY." + "x".repeat(100 * 1024) + ".dGFn");
    }
    SubmitLoad.Prepared p = load.prepare(big);
    assertEquals(List.of(9, 9, 2), p.ids().stream().map(List::size).toList());
    load.run(p);
    for (String body : batchBodies) {
      assertTrue(body.length() <= SubmitLoad.MAX_BATCH_BYTES, "a body of " + body.length());
    }
    assertEquals(Set.copyOf(big), received);
  }

  @Test
  void aBatchAnswerThatDoesNotStoreEveryPayloadStopsTheRun() throws Exception {
    URI base = serveBatches(items -> batchStored(items, "stored", "already-stored"));
    SubmitLoad load = new SubmitLoad(base, "r-1", 1, 8);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> load.run(load.prepare(jwes(16))));
    assertTrue(e.getCause().getMessage().contains("already-stored"), e.getCause().getMessage());
    stop();
    URI fewer = serveBatches(items -> batchStored(items.subList(0, items.size() - 1)));
    SubmitLoad load2 = new SubmitLoad(fewer, "r-1", 1, 8);
    ExecutionException e2 =
        assertThrows(ExecutionException.class, () -> load2.run(load2.prepare(jwes(8))));
    assertTrue(e2.getCause().getMessage().contains("a batch of 8"), e2.getCause().getMessage());
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
