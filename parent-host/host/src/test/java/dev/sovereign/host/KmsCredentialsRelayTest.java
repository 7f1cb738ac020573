package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.testing.MutableClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The host's side of {@code KmsCredentials}: IMDSv2 (an in-process stand-in) to the enclave. */
class KmsCredentialsRelayTest {
  private static final String SECRET = "imds-secret-3e1f0a";
  private static final String TOKEN = "imds-session-token-77c2";
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile boolean requireToken = true;
  private volatile int tokenStatus = 200;
  private HttpServer imds;

  private void reply(HttpExchange x, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    x.getResponseBody().write(b);
    x.close();
  }

  /** IMDSv2 as documented: a PUT for a session token, then GETs that must carry it. */
  private URI startImds() throws IOException {
    imds = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    imds.createContext(
        "/latest/api/token",
        x -> {
          boolean ok =
              x.getRequestMethod().equals("PUT")
                  && x.getRequestHeaders().containsKey("X-aws-ec2-metadata-token-ttl-seconds");
          reply(x, ok ? tokenStatus : 400, ok && tokenStatus == 200 ? "session-1" : "");
        });
    imds.createContext(
        "/latest/meta-data/iam/security-credentials/",
        x -> {
          if (requireToken
              && !"session-1".equals(x.getRequestHeaders().getFirst("X-aws-ec2-metadata-token"))) {
            reply(x, 401, "");
            return;
          }
          String path = x.getRequestURI().getPath();
          if (path.endsWith("/security-credentials/")) {
            reply(x, 200, "sovereign-eu-parent\n");
            return;
          }
          int n = fetches.incrementAndGet();
          Instant expires = clock.instant().plus(Duration.ofHours(1));
          reply(
              x,
              200,
              """
          {"Code":"Success","LastUpdated":"%s","Type":"AWS-HMAC","AccessKeyId":"ASIAEXAMPLEEXAMPLE0%d",
           "SecretAccessKey":"%s","Token":"%s","Expiration":"%s"}"""
                  .formatted(clock.instant(), n, SECRET, TOKEN, expires));
        });
    imds.start();
    return URI.create("http://127.0.0.1:" + imds.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    if (imds != null) {
      imds.stop(0);
    }
  }

  @Test
  void theRolesCredentialsReachTheEnclaveAsKmsCredentialsAndAreFetchedAgainOnlyNearExpiry()
      throws Exception {
    List<Message.KmsCredentials> sent = new CopyOnWriteArrayList<>();
    KmsCredentialsRelay.Relay relay =
        new KmsCredentialsRelay.Relay(
            new ImdsCredentials(startImds()),
            c -> {
              sent.add(c);
              return new Message.KmsCredentialsSet(c.accessKeyId());
            },
            clock);
    assertEquals("ASIAEXAMPLEEXAMPLE01", relay.tick());
    assertEquals(new Message.KmsCredentials("ASIAEXAMPLEEXAMPLE01", SECRET, TOKEN), sent.get(0));
    clock.advance(Duration.ofMinutes(30));
    assertEquals(
        "ASIAEXAMPLEEXAMPLE01", relay.tick(), "45 minutes left: the held credentials are resent");
    assertEquals(1, fetches.get());
    clock.advance(Duration.ofMinutes(20));
    assertEquals("ASIAEXAMPLEEXAMPLE02", relay.tick(), "10 minutes left: fetched again");
    assertEquals(2, fetches.get());
    assertEquals(3, sent.size());
  }

  @Test
  void withoutAnImdsv2SessionTokenNothingIsFetchedOrSent() throws Exception {
    tokenStatus = 403;
    List<Message.KmsCredentials> sent = new CopyOnWriteArrayList<>();
    KmsCredentialsRelay.Relay relay =
        new KmsCredentialsRelay.Relay(
            new ImdsCredentials(startImds()),
            c -> {
              sent.add(c);
              return new Message.KmsCredentialsSet(c.accessKeyId());
            },
            clock);
    IOException e = assertThrows(IOException.class, relay::tick);
    assertEquals("IMDS token: HTTP 403", e.getMessage());
    assertTrue(sent.isEmpty());
    relay.tickQuietly();
    assertTrue(relay.lastSent().isEmpty());
  }

  @Test
  void theSecretAndTokenAppearInNoLogRecordAndNoText() throws Exception {
    Logger root = Logger.getLogger("");
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    root.addHandler(capture);
    try {
      KmsCredentialsRelay.Relay relay =
          new KmsCredentialsRelay.Relay(
              new ImdsCredentials(startImds()),
              c -> {
                throw Problem.unavailable("enclave-unavailable", "the enclave is away");
              },
              clock);
      relay.tickQuietly();
      ImdsCredentials.Credentials c =
          new ImdsCredentials(URI.create("http://127.0.0.1:" + imds.getAddress().getPort()))
              .fetch();
      assertFalse(c.toString().contains(SECRET) || c.toString().contains(TOKEN), c.toString());
      assertFalse(
          new Message.KmsCredentials(c.accessKeyId(), c.secretAccessKey(), c.sessionToken())
              .toString()
              .contains(SECRET));
      assertTrue(
          records.stream()
              .anyMatch(
                  r ->
                      String.valueOf(r.getMessage()).contains("ASIAEXAMPLEEXAMPLE01")
                          || String.valueOf(
                                  r.getParameters() == null ? "" : List.of(r.getParameters()))
                              .contains("ASIAEXAMPLEEXAMPLE01")),
          "the fetch is logged with the access key id");
      for (LogRecord r : records) {
        String text =
            r.getMessage() + " " + (r.getParameters() == null ? "" : List.of(r.getParameters()));
        assertFalse(text.contains(SECRET) || text.contains(TOKEN), text);
      }
    } finally {
      root.removeHandler(capture);
    }
  }

  @Test
  void aDevEnclaveWithAKeyBrokerAcceptsTheCredentialsTheHostRelays() throws Exception {
    HostService host =
        SealTriggersTest.host(
            Path.of("target/kms-credentials-relay").toAbsolutePath(), Duration.ofHours(1), 1000);
    try {
      KmsCredentialsRelay.Relay relay =
          new KmsCredentialsRelay.Relay(
              new ImdsCredentials(startImds()),
              c -> host.call(c, Message.KmsCredentialsSet.class),
              clock);
      assertEquals(
          "ASIAEXAMPLEEXAMPLE01", relay.tick(), "the enclave acknowledged the access key id");
      assertFalse(
          java.nio.file.Files.readString(Path.of("target/kms-credentials-relay/host/enclave.log"))
              .contains(SECRET),
          "the enclave's output does not carry the secret");
    } finally {
      host.onStop(null);
    }
  }
}
