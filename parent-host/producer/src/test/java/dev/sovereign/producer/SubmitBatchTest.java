package dev.sovereign.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Submission#submitBatch}: the request the producer sends, and how it reads the host's
 * answer, against a stand-in host (the real endpoint's tests are the host module's
 * BatchAtTheEdgeTest and BatchSubmissionTest). The host is untrusted: an answer that does not name
 * each payload by its own id is not taken as storing it.
 */
class SubmitBatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> JWES = List.of("aaa.bbb.ccc.ddd.eee", "fff..ggg.hhh.iii", "x");

  private HttpServer server;
  private final AtomicReference<String> sentBody = new AtomicReference<>();
  private final AtomicReference<String> sentType = new AtomicReference<>();
  private final AtomicReference<String> sentPath = new AtomicReference<>();

  /** A stand-in host answering {@code status} with the body {@code answer} makes of the request. */
  private HostClient host(int status, String contentType, Function<JsonNode, String> answer)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          sentBody.set(body);
          sentType.set(ex.getRequestHeaders().getFirst("Content-Type"));
          sentPath.set(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
          byte[] out = answer.apply(JSON.readTree(body)).getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", contentType);
          ex.sendResponseHeaders(status, out.length);
          ex.getResponseBody().write(out);
          ex.close();
        });
    server.start();
    return HostClient.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static String id(int i) {
    return Payloads.payloadId(JWES.get(i));
  }

  @Test
  void aBatchIsOneJsonRequestAndEachPayloadGetsItsOwnTypedOutcome() throws Exception {
    HostClient host =
        host(
            200,
            "application/json",
            req ->
                "{\"round\":\"r1\",\"stored\":1,\"alreadyStored\":1,\"refused\":1,\"results\":["
                    + "{\"payloadId\":\""
                    + id(0)
                    + "\",\"status\":\"stored\"},"
                    + "{\"payloadId\":\""
                    + id(1)
                    + "\",\"status\":\"already-stored\"},"
                    + "{\"status\":\"refused\",\"code\":\"malformed-payload\",\"detail\":\"a"
                    + " compact JWE has five dot-separated parts\"}]}");
    Submission.BatchOutcome out = Submission.submitBatch(host, "r1", JWES);
    assertEquals("POST /v1/rounds/r1/payloads/batch", sentPath.get());
    assertEquals("application/json", sentType.get());
    assertEquals(
        JWES, JSON.convertValue(JSON.readTree(sentBody.get()).get("payloads"), List.class));
    assertTrue(out.answered());
    assertEquals(2, out.stored());
    assertEquals(
        new Submission.ItemOutcome(id(0), Submission.ItemStatus.STORED, null, null),
        out.items().get(0));
    assertEquals(Submission.ItemStatus.ALREADY_STORED, out.items().get(1).status());
    Submission.ItemOutcome refused = out.items().get(2);
    assertEquals(Submission.ItemStatus.REFUSED, refused.status());
    assertEquals("malformed-payload", refused.code());
    assertEquals(id(2), refused.payloadId());
    assertFalse(refused.stored());
  }

  @Test
  void aRefusalOfTheWholeBatchRefusesEveryPayloadWithItsCode() throws Exception {
    HostClient host =
        host(
            503,
            "application/problem+json",
            req ->
                "{\"code\":\"keys-not-sealed\",\"status\":503,\"detail\":\"nothing was"
                    + " accepted\"}");
    Submission.BatchOutcome out = Submission.submitBatch(host, "r1", JWES);
    assertFalse(out.answered());
    assertEquals(503, out.httpStatus());
    assertEquals("keys-not-sealed", out.code());
    assertEquals(0, out.stored());
    assertEquals(3, out.items().size());
    out.items().forEach(i -> assertEquals("keys-not-sealed", i.code()));
  }

  @Test
  void anAnswerNamingAnotherPayloadIdIsNotTakenAsStoringIt() throws Exception {
    HostClient host =
        host(
            200,
            "application/json",
            req ->
                "{\"results\":["
                    + "{\"payloadId\":\""
                    + id(1)
                    + "\",\"status\":\"stored\"},"
                    + "{\"payloadId\":\""
                    + id(1)
                    + "\",\"status\":\"stored\"},"
                    + "{\"status\":\"mystery\"}]}");
    Submission.BatchOutcome out = Submission.submitBatch(host, "r1", JWES);
    assertEquals("unexpected-answer", out.items().get(0).code());
    assertEquals(Submission.ItemStatus.STORED, out.items().get(1).status());
    assertEquals("unexpected-answer", out.items().get(2).code());
    assertEquals(1, out.stored());
  }

  @Test
  void anAnswerWithTooFewResultsStoresNoneOfThem() throws Exception {
    HostClient host =
        host(
            200,
            "application/json",
            req -> "{\"results\":[{\"payloadId\":\"" + id(0) + "\",\"status\":\"stored\"}]}");
    Submission.BatchOutcome out = Submission.submitBatch(host, "r1", JWES);
    assertFalse(out.answered());
    assertEquals("unexpected-answer", out.code());
    assertEquals(0, out.stored());
    HostClient html = host(200, "text/html", req -> "<html>a proxy page</html>");
    assertEquals("unexpected-answer", Submission.submitBatch(html, "r1", JWES).code());
  }

  @Test
  void anUnreachableHostIsAnUnreachableException() throws Exception {
    HostClient nobody;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      nobody = HostClient.of(URI.create("http://127.0.0.1:" + s.getLocalPort()));
    }
    assertThrows(
        HostClient.UnreachableException.class, () -> Submission.submitBatch(nobody, "r1", JWES));
  }
}
