package dev.sovereign.transport.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VsockSocketTest {

  /** Binds for real; skips only when this kernel has no AF_VSOCK at all. */
  private static VsockServerSocket bindOrSkip(long port) throws IOException {
    try {
      return VsockServerSocket.bind(VsockServerSocket.CID_ANY, port, 16);
    } catch (Errno.VsockUnsupportedException e) {
      assumeTrue(false, "socket(AF_VSOCK) is EAFNOSUPPORT here: " + e.getMessage());
      throw e;
    }
  }

  @Test
  void sockaddrVmHasTheSizeAndOffsetsGccPrintedForLinuxVmSocketsH() {
    SockaddrVm a = SockaddrVm.of(3, 5005);
    assertEquals(SockaddrVm.SIZE, a.size());
    assertEquals(16, a.size());
    assertEquals(0, a.offsetOf("svm_family"));
    assertEquals(2, a.offsetOf("svm_reserved1"));
    assertEquals(4, a.offsetOf("svm_port"));
    assertEquals(8, a.offsetOf("svm_cid"));
    assertEquals(12, a.offsetOf("svm_flags"));
    assertEquals(13, a.offsetOf("svm_zero"));
    // little-endian (x86_64, aarch64): family 40, reserved 0, port 5005 = 0x138d, cid 3, flags 0,
    // zero
    assertArrayEquals(
        new byte[] {40, 0, 0, 0, (byte) 0x8d, 0x13, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0},
        a.getPointer().getByteArray(0, 16));
  }

  @Test
  void cidAnyAndPortAnyAreAllOnesInTheStruct() {
    SockaddrVm a = SockaddrVm.of(VsockServerSocket.CID_ANY, VsockServerSocket.PORT_ANY);
    assertEquals(0xFFFFFFFFL, a.cid());
    assertEquals(0xFFFFFFFFL, a.port());
    assertEquals(-1, a.getPointer().getInt(4));
    assertEquals(-1, a.getPointer().getInt(8));
  }

  @Test
  void anErrnoBecomesAnIoExceptionNamingOperationAddressLibcTextAndErrno() {
    IOException inUse = Errno.exception("bind", "vsock:any:5005", Errno.EADDRINUSE);
    assertInstanceOf(BindException.class, inUse);
    assertEquals(
        "bind vsock:any:5005: Address already in use (errno 98 EADDRINUSE)", inUse.getMessage());
    IOException timedOut = Errno.exception("connect", "vsock:1:5005", Errno.ETIMEDOUT);
    assertInstanceOf(SocketTimeoutException.class, timedOut);
    assertEquals(
        "connect vsock:1:5005: Connection timed out (errno 110 ETIMEDOUT)", timedOut.getMessage());
    assertInstanceOf(
        ConnectException.class, Errno.exception("connect", "vsock:3:1", Errno.ECONNREFUSED));
    assertInstanceOf(
        Errno.VsockUnsupportedException.class,
        Errno.exception("socket(AF_VSOCK)", "vsock:any:1", Errno.EAFNOSUPPORT));
    IOException reset = Errno.exception("read", "vsock:3:1", Errno.ECONNRESET);
    assertEquals(SocketException.class, reset.getClass());
    assertEquals(
        "read vsock:3:1: Connection reset by peer (errno 104 ECONNRESET)", reset.getMessage());
    assertTrue(Errno.exception("read", "x", 4095).getMessage().endsWith("(errno 4095 E?)"));
  }

  @Test
  void bindAndListenOnCidAnyRunForRealAndTheSamePortTwiceIsAddressInUse() throws IOException {
    long port;
    try (VsockServerSocket any = bindOrSkip(VsockServerSocket.PORT_ANY)) {
      port = any.port();
      assertNotEquals(VsockServerSocket.PORT_ANY, port);
    }
    // the kernel's free port, now bound as a fixed port the way the enclave binds --listen
    // vsock:any:PORT
    try (VsockServerSocket fixed = bindOrSkip(port)) {
      assertEquals(port, fixed.port());
      assertEquals("vsock:any:" + port, fixed.toString());
      BindException e = assertThrows(BindException.class, () -> bindOrSkip(port));
      assertEquals(
          "bind vsock:any:" + port + ": Address already in use (errno 98 EADDRINUSE)",
          e.getMessage());
    }
  }

  @Test
  void acceptIsEndedByCloseFromAnotherThread() throws Exception {
    VsockServerSocket server = bindOrSkip(VsockServerSocket.PORT_ANY);
    CompletableFuture<Throwable> accepted =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                server.accept().close();
                return null;
              } catch (IOException e) {
                return e;
              }
            });
    Thread.sleep(300);
    assertTrue(!accepted.isDone(), "accept returned before any peer or close");
    server.close();
    Throwable t = accepted.get(5, TimeUnit.SECONDS);
    assertInstanceOf(SocketException.class, t);
    assertTrue(t.getMessage().startsWith("socket closed: vsock:any:"), t.getMessage());
    assertTrue(server.isClosed());
    assertThrows(SocketException.class, server::accept);
  }

  @Test
  void aConnectToCid1FailsWithinItsTimeoutInsteadOfHanging() {
    IOException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5),
            () -> assertThrows(IOException.class, () -> VsockSocket.connect(1, 5005, 500)));
    assertInstanceOf(SocketTimeoutException.class, e);
    assertTrue(e.getMessage().startsWith("connect vsock:1:5005"), e.getMessage());
  }

  @Test
  void aConnectTheKernelGivesUpOnReportsItsErrno() throws Exception {
    // the vsock core times a connect out after 2 s (VSOCK_DEFAULT_CONNECT_TIMEOUT) and reports it
    // in SO_ERROR
    long start = System.nanoTime();
    IOException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> assertThrows(IOException.class, () -> VsockSocket.connect(1, 5005, 8000)));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 8000, "failed after " + millis + " ms");
    assertTrue(e.getMessage().startsWith("connect vsock:1:5005: "), e.getMessage());
    assertInstanceOf(SocketTimeoutException.class, e);
    assertEquals(
        "connect vsock:1:5005: Connection timed out (errno 110 ETIMEDOUT)", e.getMessage());
  }

  @Test
  void aClosedSocketRefusesFurtherUse() throws Exception {
    VsockServerSocket server = bindOrSkip(VsockServerSocket.PORT_ANY);
    server.close();
    server.close();
    SocketException e = assertThrows(SocketException.class, server::accept);
    assertTrue(e.getMessage().startsWith("socket closed"));
  }
}
