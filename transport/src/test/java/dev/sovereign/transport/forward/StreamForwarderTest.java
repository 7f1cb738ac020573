package dev.sovereign.transport.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.transport.vsock.VsockPairs;
import dev.sovereign.transport.vsock.VsockSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamForwarderTest {
  @TempDir Path dir;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  /** A TCP server on loopback that runs {@code session} for every connection, counting them. */
  private final class Upstream implements AutoCloseable {
    interface Session {
      void run(Socket s) throws IOException;
    }

    final ServerSocket server;
    final AtomicInteger connections = new AtomicInteger();

    Upstream(Session session) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread w =
                        new Thread(
                            () -> {
                              try (s) {
                                session.run(s);
                              } catch (IOException e) {
                                // the test's client went away
                              }
                            });
                    w.setDaemon(true);
                    w.start();
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
      closing.add(this);
    }

    ForwardAddress address() {
      return new ForwardAddress.Tcp(
          server.getInetAddress().getHostAddress(), server.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private static void echo(Socket s) throws IOException {
    s.getInputStream().transferTo(s.getOutputStream());
  }

  /** Reads everything until end of stream, then answers with the count and closes. */
  private static void countThenAnswer(Socket s) throws IOException {
    long n = s.getInputStream().transferTo(OutputStreamNull.INSTANCE);
    s.getOutputStream().write(("received " + n).getBytes(StandardCharsets.US_ASCII));
  }

  private static final class OutputStreamNull extends java.io.OutputStream {
    static final OutputStreamNull INSTANCE = new OutputStreamNull();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }

  private Chain chain(ForwardAddress target, int max) throws IOException {
    Chain c = new Chain(dir, target, Chain.limits(max));
    closing.add(c);
    return c;
  }

  private static Socket client(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    s.setSoTimeout(30_000);
    return s;
  }

  @Test
  void everyByteCrossesTheTcpUnixTcpChainUnchangedInBothDirections() throws Exception {
    Chain c = chain(new Upstream(StreamForwarderTest::echo).address(), 4);
    byte[] data = new byte[1_000_000];
    new Random(11).nextBytes(data);
    try (Socket s = client(c.port())) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  s.getOutputStream().write(data);
                  s.shutdownOutput();
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      writer.start();
      assertArrayEquals(data, s.getInputStream().readAllBytes());
      writer.join();
    }
  }

  @Test
  void aHalfCloseReachesTheUpstreamAndItsAnswerStillComesBack() throws Exception {
    Chain c = chain(new Upstream(StreamForwarderTest::countThenAnswer).address(), 4);
    try (Socket s = client(c.port())) {
      s.getOutputStream().write(new byte[12345]);
      s.shutdownOutput();
      assertEquals(
          "received 12345",
          new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
    }
  }

  @Test
  void aConnectionBeyondTheLimitIsClosedAtOnceWithoutAnUpstreamConnection() throws Exception {
    Upstream up = new Upstream(StreamForwarderTest::echo);
    Chain c = chain(up.address(), 1);
    try (Socket first = client(c.port())) {
      first.getOutputStream().write('a');
      assertEquals('a', first.getInputStream().read(), "the first connection is forwarded");
      try (Socket second = client(c.port())) {
        assertEquals(-1, second.getInputStream().read(), "the second is closed without an answer");
      }
      assertEquals(1, c.enclave.refused());
      assertEquals(1, up.connections.get(), "no upstream connection for the refused one");
      first.getOutputStream().write('b');
      assertEquals('b', first.getInputStream().read(), "the first connection is unaffected");
    }
    while (c.enclave.openConnections() > 0 || c.host.openConnections() > 0) {
      Thread.sleep(20);
    }
    try (Socket third = client(c.port())) {
      third.getOutputStream().write('c');
      assertEquals(
          'c', third.getInputStream().read(), "a slot freed by a closed pair is used again");
    }
    assertEquals(2, up.connections.get());
  }

  @Test
  void aConnectionWithoutTrafficIsClosedAfterTheIdleTimeout() throws Exception {
    Upstream up = new Upstream(StreamForwarderTest::echo);
    StreamForwarder f =
        StreamForwarder.start(
            new ForwardAddress.Tcp("127.0.0.1", 0),
            up.address(),
            new StreamForwarder.Limits(2, Duration.ofMillis(200), Duration.ofSeconds(10)));
    closing.add(f);
    try (Socket s = client(((ForwardAddress.Tcp) f.address()).port())) {
      s.getOutputStream().write('x');
      assertEquals('x', s.getInputStream().read());
      assertEquals(
          -1, s.getInputStream().read(), "closed by the forwarder, not by the 30 s read timeout");
    }
  }

  @Test
  void anUnreachableUpstreamClosesTheClientAndIsCounted() throws Exception {
    StreamForwarder f =
        StreamForwarder.start(
            new ForwardAddress.Tcp("127.0.0.1", 0),
            new ForwardAddress.Unix(dir.resolve("nobody-listens.sock")),
            Chain.limits(2));
    closing.add(f);
    try (Socket s = client(((ForwardAddress.Tcp) f.address()).port())) {
      assertEquals(-1, s.getInputStream().read());
    }
    assertEquals(1, f.failedUpstream());
  }

  @Test
  void theVsockStreamCodeCarriesTheUpstreamSideIncludingTheHalfClose() throws Exception {
    // No vsock loopback here: the upstream connector hands out one end of a socketpair wrapped as a
    // VsockSocket (the same read/send/poll/shutdown calls as on AF_VSOCK); a thread serves the
    // other end.
    VsockSocket[] pair = VsockPairs.pair();
    Thread server =
        new Thread(
            () -> {
              try (VsockSocket s = pair[1]) {
                s.setSoTimeout(30_000);
                byte[] got = s.getInputStream().readAllBytes();
                s.getOutputStream()
                    .write(("vsock got " + got.length).getBytes(StandardCharsets.US_ASCII));
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    server.setDaemon(true);
    server.start();
    ForwardAddress.Acceptor acceptor = new ForwardAddress.Tcp("127.0.0.1", 0).listen(4);
    StreamForwarder f =
        StreamForwarder.start(
            acceptor, () -> new VsockDuplex(pair[0]), "socketpair", Chain.limits(1));
    closing.add(f);
    try (Socket s = client(((ForwardAddress.Tcp) f.address()).port())) {
      s.getOutputStream().write(new byte[70_000]);
      s.shutdownOutput();
      assertEquals(
          "vsock got 70000",
          new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
    }
    server.join(30_000);
    assertFalse(server.isAlive());
  }

  @Test
  void theForwarderLogsCountsAndAddressesButNeverAPayloadByte() throws Exception {
    Logger logger = Logger.getLogger(StreamForwarder.class.getName());
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
    Level before = logger.getLevel();
    logger.setLevel(Level.ALL);
    logger.addHandler(capture);
    try {
      String marker = "SECRET-PAYLOAD-7f3a9c";
      Chain c = chain(new Upstream(StreamForwarderTest::echo).address(), 1);
      try (Socket s = client(c.port())) {
        s.getOutputStream().write(marker.getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        assertEquals(
            marker, new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
      }
      while (c.enclave.openConnections() > 0 || c.host.openConnections() > 0) {
        Thread.sleep(20);
      }
      try (Socket other = client(c.port())) {
        other.getOutputStream().write(marker.getBytes(StandardCharsets.US_ASCII));
        assertEquals(marker.charAt(0), other.getInputStream().read());
        try (Socket refused = client(c.port())) {
          assertEquals(-1, refused.getInputStream().read());
        }
      }
      c.close();
      while (c.enclave.openConnections() > 0 || c.host.openConnections() > 0) {
        Thread.sleep(20);
      }
      byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
      List<String> forbidden =
          List.of(
              marker,
              HexFormat.of().formatHex(m),
              Base64.getEncoder().encodeToString(m),
              marker.substring(0, 8));
      List<String> texts = new ArrayList<>();
      for (LogRecord r : records) {
        StringBuilder b = new StringBuilder(String.valueOf(r.getMessage()));
        if (r.getParameters() != null) {
          for (Object p : r.getParameters()) {
            b.append(' ').append(p);
          }
        }
        texts.add(b.toString());
      }
      assertTrue(
          texts.stream().anyMatch(t -> t.contains("bytes up")),
          "the closing counts are logged: " + texts);
      assertTrue(texts.stream().anyMatch(t -> t.contains("forwarding")), texts.toString());
      for (String t : texts) {
        for (String f : forbidden) {
          assertFalse(t.contains(f), "a log record carries payload bytes: " + t);
        }
      }
    } finally {
      logger.removeHandler(capture);
      logger.setLevel(before);
    }
  }
}
