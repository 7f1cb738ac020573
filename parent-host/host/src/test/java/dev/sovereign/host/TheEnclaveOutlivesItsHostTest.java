package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.protocol.MessageType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On Nitro the enclave is a separate VM: it outlives a host killed with SIGKILL, and the host that
 * comes back attaches to it again ({@code sovereign.host.enclave.launch=false}) and sends what it
 * answered 202 but holds no verdict for. A batch in flight at the kill was already counted by the
 * enclave, so before protocol 1.7 each of its payloads came out of the signed result twice: once
 * accepted and once as a {@code replay} rejection (issue 11's invariant: a payload answered 202 is
 * counted once, or listed once with a reason code).
 *
 * <p>Here the enclave process and its key broker belong to the test, not to either host, as on
 * Nitro. The first host reaches the enclave through a link that delivers a batch and then dies with
 * it: the enclave counts the batch, its verdicts never reach the host, and the host can reach the
 * enclave no more. The host is then halted in process ({@link HostService#haltForTesting}: no
 * orderly step; it launched no enclave, so the enclave lives on) and a second host on the same data
 * directory attaches to the same socket, resends, and closes the round.
 */
class TheEnclaveOutlivesItsHostTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "r-reattach";
  private static final String DATASET = "loyalty-points";

  @Test
  void aBatchInFlightWhenTheHostDiesIsCountedOnceByTheHostThatAttachesToTheSameEnclave()
      throws Exception {
    Path dir = Path.of("target/enclave-outlives-host").toAbsolutePath();
    Path jar = DevEnclaveDir.freshWithEnclaveJar(dir);
    JsonNode keys =
        HostEndToEndTest.node(
            "keys",
            JSON.createObjectNode()
                .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU", "US")))
                .set("producers", JSON.valueToTree(List.of("eu1", "eu2", "us1"))));
    Path policy =
        DevEnclaveDir.writePolicy(
            dir,
            jar,
            DevPolicy.builder("outlives-host")
                .minGroupSize(1)
                .functions("sum", "count")
                .zone("EU", keys.at("/zones/EU/root/did").asText())
                .zone("US", keys.at("/zones/US/root/did").asText()));
    Path enclaveDir = Files.createDirectories(dir.resolve("enclave"));
    Path socket = enclaveDir.resolve("enclave.sock");
    Path state = dir.resolve("enclave-state");
    // the enclave and its broker outlive every host here, as a Nitro enclave and KMS do
    try (DevKeyBroker broker =
            DevKeyBroker.start(
                dir.resolve("key-broker"), state, jar, PolicyLoader.load(policy).sha256Hex());
        EnclaveLauncher enclave =
            new EnclaveLauncher(
                jar,
                socket,
                policy,
                state,
                dir.resolve("enclave.log"),
                List.of(
                    "--key-broker", broker.endpoint().toString(), "--key-id", broker.keyArn()))) {
      enclave.start(Duration.ofSeconds(60));
      long enclavePid = enclave.pid();
      Path cutSocket = Files.createDirectories(dir.resolve("link")).resolve("cut.sock");
      JsonNode built;
      try (LinkThatDiesWithABatch link = new LinkThatDiesWithABatch(cutSocket, socket)) {
        HostService first = TestHosts.host(config(dir, cutSocket, broker));
        first.onStart(null);
        try {
          assertTrue(first.sealing(), "the host seals with the enclave's broker");
          assertTrue(first.launcher().isEmpty(), "the host launched no enclave");
          first.openRound(ROUND, DATASET);
          Message.Attestation att =
              first.call(new Message.Attest("0a0b0c0d"), Message.Attestation.class);
          built = HostRestartTest.build(keys, att, ROUND);
          first.supplyStatusLists(
              JSON.convertValue(
                  built.get("statusLists"),
                  JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class)));
          for (int i = 0; i < 2; i++) {
            first.submit(ROUND, jwe(built, i));
          }
          RoundLifecycleTest.waitUntilDrained(first);
          // the next batch reaches the enclave, which counts it; the host dies with it unanswered
          link.dieAfterTheNextBatch();
          for (int i = 2; i < 5; i++) {
            first.submit(ROUND, jwe(built, i)); // answered 202
          }
          assertTrue(link.died.await(60, TimeUnit.SECONDS), "a batch went in and nothing came out");
          assertTrue(link.swallowed > 0, "the lost batch held payloads");
          first.haltForTesting();
        } catch (Throwable t) {
          first.onStop(null);
          throw t;
        }
      }
      assertTrue(ProcessHandle.of(enclavePid).map(ProcessHandle::isAlive).orElse(false));

      HostService second = TestHosts.host(config(dir, socket, broker));
      second.onStart(null);
      try {
        assertEquals(
            enclavePid, enclave.pid(), "the same enclave process: attached to, not replaced");
        second.submit(ROUND, jwe(built, 5));
        RoundLifecycleTest.waitUntilDrained(second);
        assertEquals(Map.of("accepted", 6L), second.counts(ROUND), "the host's own record");
        JsonNode s =
            JSON.readTree(Base64.getUrlDecoder().decode(second.closeRound(ROUND).split("\\.")[1]))
                .get("credentialSubject");
        assertEquals(6, s.at("/inputs/accepted").asLong(), s.at("/inputs").toString());
        assertEquals(0, s.at("/inputs/rejected").asLong(), s.at("/inputs").toString());
        assertFalse(s.at("/inputs/rejectedByReason").has("replay"), s.at("/inputs").toString());
        assertEquals(0, s.at("/inputs/unauthenticated").asLong(), s.at("/inputs").toString());
        String audit = new String(second.exportAudit().bytes(), StandardCharsets.UTF_8);
        assertFalse(audit.contains("\"restored\""), "no recovery: the enclave kept its state");
      } finally {
        second.onStop(null);
      }
    }
  }

  private static Map<String, String> config(Path dir, Path socket, DevKeyBroker broker) {
    Map<String, String> c = new HashMap<>();
    c.put("sovereign.host.data-dir", dir.resolve("host").toString());
    c.put("sovereign.host.zones", "EU,US");
    c.put("sovereign.host.enclave.launch", "false");
    c.put("sovereign.host.enclave.address", "unix:" + socket);
    c.put("sovereign.host.enclave.batch", "4");
    c.put("sovereign.host.key-broker.endpoint", broker.endpoint().toString());
    c.put("sovereign.host.key-broker.key-id", broker.keyArn());
    c.put("sovereign.host.seal.interval", "PT1H");
    return c;
  }

  private static String jwe(JsonNode built, int i) {
    return built.get("payloads").get(i).asText();
  }

  /**
   * The first host's way to its enclave: frames pass unchanged, one request and its answer at a
   * time, until it is told to die after the next batch. That batch goes in; its verdicts are read
   * from the enclave and thrown away, and from then on nothing connects: what a host killed while
   * its batch was inside the enclave leaves behind.
   */
  private static final class LinkThatDiesWithABatch implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path enclave;
    private final Thread acceptor;
    final CountDownLatch died = new CountDownLatch(1);
    private volatile boolean armed;
    volatile int swallowed;

    LinkThatDiesWithABatch(Path listen, Path enclave) throws IOException {
      Files.deleteIfExists(listen);
      this.enclave = enclave;
      this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(listen));
      acceptor = new Thread(this::accept, "link-that-dies");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    void dieAfterTheNextBatch() {
      armed = true;
    }

    private void accept() {
      while (died.getCount() > 0) {
        try {
          SocketChannel host = server.accept();
          Thread t = new Thread(() -> pass(host), "link-that-dies-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private void pass(SocketChannel host) {
      try (host;
          SocketChannel up = SocketChannel.open(UnixDomainSocketAddress.of(enclave))) {
        InputStream fromHost = Channels.newInputStream(host);
        OutputStream toHost = Channels.newOutputStream(host);
        InputStream fromEnclave = Channels.newInputStream(up);
        OutputStream toEnclave = Channels.newOutputStream(up);
        while (died.getCount() > 0) {
          var request = Frames.read(fromHost, Frames.DEFAULT_MAX_FRAME);
          if (request.isEmpty()) {
            return;
          }
          write(toEnclave, request.get());
          var answer = Frames.read(fromEnclave, Frames.DEFAULT_MAX_FRAME).orElseThrow();
          if (armed && request.get().type() == MessageType.SUBMIT_PAYLOADS.code()) {
            swallowed =
                JSON.readTree(request.get().body()).get("payloads").size(); // counted inside
            server.close();
            died.countDown();
            return; // the answer is dropped with the connection
          }
          write(toHost, answer);
        }
      } catch (Exception e) {
        // the host or the enclave went away: so does this connection
      }
    }

    private static void write(OutputStream out, Frames.Frame f) throws IOException {
      ByteBuffer b = ByteBuffer.allocate(6 + f.body().length);
      b.putInt(f.body().length + 2).put((byte) f.version()).put((byte) f.type()).put(f.body());
      out.write(b.array());
      out.flush();
    }

    @Override
    public void close() throws IOException {
      server.close();
      acceptor.interrupt();
    }
  }
}
