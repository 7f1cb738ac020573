package dev.sovereign.enclave.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenAddressTest {

  @Test
  void aUnixAddressIsThePathAfterThePrefix() {
    assertEquals(
        new ListenAddress.Unix(Path.of("/run/sovereign/enclave.sock")),
        ListenAddress.parse("unix:/run/sovereign/enclave.sock"));
  }

  @Test
  void aVsockAddressHasAnUnsignedCidAndPort() {
    assertEquals(new ListenAddress.Vsock(16, 5000), ListenAddress.parse("vsock:16:5000"));
    assertEquals(new ListenAddress.Vsock(3, 0), ListenAddress.parse("vsock:3:0"));
    assertEquals(
        new ListenAddress.Vsock(4294967294L, 4294967294L),
        ListenAddress.parse("vsock:4294967294:4294967294"));
  }

  @Test
  void cidAnyIsVmaddrCidAny() {
    ListenAddress.Vsock v = (ListenAddress.Vsock) ListenAddress.parse("vsock:any:5005");
    assertEquals(0xFFFF_FFFFL, v.cid());
    assertEquals("vsock:any:5005", v.toString());
  }

  @Test
  void malformedAddressesAreRefusedWithTheReason() {
    for (String bad :
        List.of(
            "vsock:16",
            "vsock:16:5000:1",
            "vsock::5000",
            "vsock:16:",
            "vsock:-1:5000",
            "vsock:+3:5000",
            "vsock:016:5000",
            "vsock:4294967296:1",
            "vsock:3:4294967295",
            "vsock:0x10:5000",
            "vsock:3:50a",
            "unix:",
            "tcp:127.0.0.1:5000",
            "",
            "vsock:ANY:1")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(bad), bad);
      assertTrue(!e.getMessage().isBlank());
    }
  }

  @Test
  void aUnixPathLongerThanSunPathIsRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> ListenAddress.parse("unix:/" + "a".repeat(107)));
  }
}
