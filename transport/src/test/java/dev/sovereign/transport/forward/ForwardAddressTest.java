package dev.sovereign.transport.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Address parsing only for vsock: this machine has no vsock loopback to connect to. */
class ForwardAddressTest {
  @Test
  void theParentsKmsProxyAddressParses() {
    assertEquals(new ForwardAddress.Vsock(3, 8000), ForwardAddress.parse("vsock:3:8000"));
    assertEquals(
        ForwardAddress.CID_PARENT,
        ((ForwardAddress.Vsock) ForwardAddress.parse("vsock:3:8000")).cid());
    assertEquals("vsock:3:8000", ForwardAddress.parse("vsock:3:8000").toString());
    assertEquals(
        new ForwardAddress.Vsock(ForwardAddress.CID_ANY, 8000),
        ForwardAddress.parse("vsock:any:8000"));
    assertEquals(
        new ForwardAddress.Vsock(4294967295L - 1, 0), ForwardAddress.parse("vsock:4294967294:0"));
  }

  @Test
  void vsockAddressesOutOfRangeOrMalformedAreRefusedWithAReason() {
    for (String bad :
        new String[] {
          "vsock:3",
          "vsock:3:8000:1",
          "vsock:-3:8000",
          "vsock:03:8000",
          "vsock:3:+80",
          "vsock:4294967296:8000",
          "vsock:3:4294967295",
          "vsock::8000",
          "vsock:three:8000"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ForwardAddress.parse(bad), bad);
      assertTrue(e.getMessage().contains("vsock"), bad + ": " + e.getMessage());
    }
  }

  @Test
  void tcpAndUnixAddressesParse() {
    assertEquals(
        new ForwardAddress.Tcp("kms.eu-central-1.amazonaws.com", 443),
        ForwardAddress.parse("tcp:kms.eu-central-1.amazonaws.com:443"));
    assertEquals(new ForwardAddress.Tcp("::1", 8443), ForwardAddress.parse("tcp:[::1]:8443"));
    assertEquals("tcp:[::1]:8443", ForwardAddress.parse("tcp:[::1]:8443").toString());
    assertEquals(
        new ForwardAddress.Unix(Path.of("/run/kms.sock")),
        ForwardAddress.parse("unix:/run/kms.sock"));
  }

  @Test
  void badTcpAndUnixAddressesAreRefused() {
    for (String bad :
        new String[] {
          "tcp:host",
          "tcp:host:65536",
          "tcp:host:-1",
          "tcp:ho st:80",
          "tcp::80",
          "unix:",
          "unix:/" + "x".repeat(107),
          "http://kms:443",
          "kms.eu-central-1.amazonaws.com:443"
        }) {
      assertThrows(IllegalArgumentException.class, () -> ForwardAddress.parse(bad), bad);
    }
  }

  @Test
  void limitsRefuseNonsense() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new StreamForwarder.Limits(
                0, java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new StreamForwarder.Limits(
                1, java.time.Duration.ZERO, java.time.Duration.ofSeconds(1)));
  }
}
