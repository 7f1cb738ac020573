package dev.sovereign.transport.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The stream half of {@link VsockSocket} (non-blocking {@code read}/{@code send} + {@code poll} +
 * eventfd) is independent of the address family, and there is no vsock loopback here to connect two
 * vsock sockets. So it runs over an AF_UNIX {@code socketpair}, whose descriptors behave the same
 * for these calls; the vsock-specific calls ({@code socket}, {@code bind}, {@code connect}) are
 * covered by {@link VsockSocketTest}.
 */
class VsockStreamsTest {
  interface Pair extends Library {
    Pair C = Native.load("c", Pair.class);

    int socketpair(int domain, int type, int protocol, int[] fds);
  }

  private static VsockSocket[] pair() throws IOException {
    int[] fds = new int[2];
    int rc =
        Pair.C.socketpair(1, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0, fds);
    assertEquals(0, rc, "socketpair errno " + Native.getLastError());
    return new VsockSocket[] {
      new VsockSocket(VsockFd.adopt(fds[0], "pair:a")),
      new VsockSocket(VsockFd.adopt(fds[1], "pair:b"))
    };
  }

  @Test
  void bytesWrittenOnOneEndArriveExactlyOnTheOtherAcrossManyChunks() throws Exception {
    VsockSocket[] p = pair();
    try (VsockSocket a = p[0];
        VsockSocket b = p[1]) {
      byte[] data = new byte[300_000];
      new Random(7).nextBytes(data);
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  a.getOutputStream().write(data);
                  a.getOutputStream().write(0x5A);
                  a.close();
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      b.setSoTimeout(10_000);
      byte[] got = b.getInputStream().readNBytes(data.length);
      assertArrayEquals(data, got);
      assertEquals(0x5A, b.getInputStream().read());
      assertEquals(-1, b.getInputStream().read(), "end of stream after the peer closed");
      writer.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aReadWithNothingToReadTimesOutAfterSoTimeout() throws Exception {
    VsockSocket[] p = pair();
    try (VsockSocket a = p[0];
        VsockSocket b = p[1]) {
      b.setSoTimeout(300);
      long start = System.nanoTime();
      SocketTimeoutException e =
          assertThrows(SocketTimeoutException.class, () -> b.getInputStream().read());
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(millis >= 250 && millis < 3000, millis + " ms");
      assertEquals("read pair:b timed out after 300 ms", e.getMessage());
    }
  }

  @Test
  void closeFromAnotherThreadEndsABlockedRead() throws Exception {
    VsockSocket[] p = pair();
    try (VsockSocket a = p[0];
        VsockSocket b = p[1]) {
      InputStream in = b.getInputStream();
      CompletableFuture<Throwable> reader =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  in.read();
                  return null;
                } catch (IOException e) {
                  return e;
                }
              });
      Thread.sleep(300);
      assertTrue(!reader.isDone());
      b.close();
      Throwable t = reader.get(5, TimeUnit.SECONDS);
      assertInstanceOf(SocketException.class, t);
      assertEquals("socket closed: pair:b", t.getMessage());
      assertTrue(b.isClosed());
    }
  }

  @Test
  void writingToAClosedPeerIsBrokenPipeNotASignal() throws Exception {
    VsockSocket[] p = pair();
    try (VsockSocket a = p[0]) {
      p[1].close();
      IOException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(5),
              () ->
                  assertThrows(
                      IOException.class,
                      () -> {
                        for (int i = 0; i < 100; i++) {
                          a.getOutputStream().write(new byte[1024]);
                        }
                      }));
      assertEquals("write pair:a: Broken pipe (errno 32 EPIPE)", e.getMessage());
    }
  }
}
