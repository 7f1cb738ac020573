package dev.sovereign.transport.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link VsockSocket#shutdownOutput()} over a socketpair (no vsock loopback here): a half-close.
 */
class VsockShutdownTest {
  @Test
  void afterShutdownOutputThePeerReadsEndOfStreamAndCanStillAnswer() throws Exception {
    VsockSocket[] p = VsockPairs.pair();
    try (VsockSocket a = p[0];
        VsockSocket b = p[1]) {
      a.setSoTimeout(10_000);
      b.setSoTimeout(10_000);
      a.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
      a.shutdownOutput();
      assertArrayEquals(
          "question".getBytes(StandardCharsets.US_ASCII), b.getInputStream().readAllBytes());
      b.getOutputStream().write("answer".getBytes(StandardCharsets.US_ASCII));
      b.close();
      assertArrayEquals(
          "answer".getBytes(StandardCharsets.US_ASCII), a.getInputStream().readAllBytes());
    }
  }

  @Test
  void writingAfterShutdownOutputFails() throws Exception {
    VsockSocket[] p = VsockPairs.pair();
    try (VsockSocket a = p[0];
        VsockSocket b = p[1]) {
      a.shutdownOutput();
      SocketException e = assertThrows(SocketException.class, () -> a.getOutputStream().write(1));
      assertEquals(true, e.getMessage().contains("EPIPE"), e.getMessage());
    }
  }
}
