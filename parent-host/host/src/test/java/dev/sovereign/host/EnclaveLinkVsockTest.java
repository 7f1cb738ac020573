package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The host's vsock branch connects through the JNA AF_VSOCK sockets. This machine has no vsock
 * loopback (CID 1 never answers), so what runs here is the failure path: bounded, explained, and
 * the link usable again afterwards.
 */
class EnclaveLinkVsockTest {

  @Test
  void aVsockEnclaveThatNeverAnswersIsALinkFailureWithinTheTimeoutNotAHang() {
    try (EnclaveLink link =
        new EnclaveLink(ListenAddress.parse("vsock:1:5005"), Duration.ofMillis(500))) {
      for (int attempt = 0; attempt < 2; attempt++) {
        EnclaveLink.LinkException e =
            assertTimeoutPreemptively(
                Duration.ofSeconds(5),
                () ->
                    assertThrows(
                        EnclaveLink.LinkException.class,
                        () -> link.call(new Message.Health(), Message.HealthStatus.class)));
        IOException cause = assertInstanceOf(IOException.class, e.getCause());
        assertTrue(cause.getMessage().startsWith("connect vsock:1:5005"), cause.getMessage());
      }
    }
  }
}
