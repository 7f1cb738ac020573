package dev.sovereign.enclave.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sovereign.enclave.protocol.ErrorCode;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.transport.vsock.Errno;
import dev.sovereign.transport.vsock.VsockServerSocket;
import java.net.BindException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code --listen vsock:any:PORT} binds a real AF_VSOCK socket on this machine (no connection can
 * be made: there is no vsock loopback here).
 */
class EnclaveServerVsockTest {

  private static long freePort() throws Exception {
    try (VsockServerSocket probe =
        VsockServerSocket.bind(VsockServerSocket.CID_ANY, VsockServerSocket.PORT_ANY, 1)) {
      return probe.port();
    } catch (Errno.VsockUnsupportedException e) {
      assumeTrue(false, "no AF_VSOCK in this kernel: " + e.getMessage());
      throw e;
    }
  }

  @Test
  void theServerBindsAVsockAddressForRealAndCloseEndsServe() throws Exception {
    long port = freePort();
    ListenAddress address = ListenAddress.parse("vsock:any:" + port);
    RequestHandler handler = r -> Message.Error.of(ErrorCode.INTERNAL, "unused");
    EnclaveServer server = EnclaveServer.bind(address, handler, Frames.DEFAULT_MAX_FRAME);
    CompletableFuture<Void> serving =
        CompletableFuture.runAsync(
            () -> {
              try {
                server.serve();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    try {
      assertEquals(address, server.address());
      BindException taken =
          assertThrows(
              BindException.class,
              () -> VsockServerSocket.bind(VsockServerSocket.CID_ANY, port, 1));
      assertTrue(
          taken.getMessage().endsWith("Address already in use (errno 98 EADDRINUSE)"),
          taken.getMessage());
      Thread.sleep(200);
      assertTrue(!serving.isDone(), "serve() returned while the socket was open");
    } finally {
      server.close();
    }
    serving.get(5, TimeUnit.SECONDS);
  }
}
