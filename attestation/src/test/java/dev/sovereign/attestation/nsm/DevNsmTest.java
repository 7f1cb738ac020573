package dev.sovereign.attestation.nsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Everything of {@link DevNsm} but the system call itself, which needs a Nitro Enclave: the struct
 * layout, the request code, the limits, and a full round trip through a stand-in for {@code ioctl}
 * that reads the request from and writes the response into native memory as the driver does.
 */
class DevNsmTest {

  @Test
  void theMessageStructIsTwoIovecsOf16BytesOn64BitLinux() {
    assertTrue(Platform.is64Bit(), "these tests describe the 64-bit ABI (x86_64, aarch64)");
    NsmMessage m = new NsmMessage();
    assertEquals(32, m.size());
    assertEquals(0, m.offsetOf("request_base"));
    assertEquals(8, m.offsetOf("request_len"));
    assertEquals(16, m.offsetOf("response_base"));
    assertEquals(24, m.offsetOf("response_len"));
  }

  @Test
  void theIoctlRequestCodeIsIowrOfMagic0x0ANumber0AndTheStructSize() {
    // _IOWR(0x0A, 0, 32) = (3 << 30) | (32 << 16) | (0x0A << 8) | 0, src/driver/mod.rs line 66.
    assertEquals(0xC0200A00L, DevNsm.requestCode());
    assertEquals(0xC0200A00L, DevNsm.iowr(0x0A, 0, 32));
  }

  @Test
  void theLimitsAreTheDriversFourAndTwelveKibibytes() {
    assertEquals(4096, DevNsm.REQUEST_MAX_SIZE);
    assertEquals(12288, DevNsm.RESPONSE_MAX_SIZE);
  }

  @Test
  void aRequestOverFourKibibytesIsRefusedWithoutCallingTheDevice() {
    AtomicInteger calls = new AtomicInteger();
    DevNsm nsm = new DevNsm(m -> calls.incrementAndGet(), () -> {});
    // 4 KiB of data plus the message framing is over the limit.
    Response r = nsm.process(new Request.ExtendPcr(16, new byte[4096]));
    assertEquals(new Response.Error(ErrorCode.INPUT_TOO_LARGE), r);
    assertEquals(0, calls.get());
  }

  @Test
  void aRoundTripSendsTheEncodedRequestAndDecodesTheLengthTheDriverWroteBack() {
    List<byte[]> sent = new ArrayList<>();
    List<Long> offeredCapacity = new ArrayList<>();
    byte[] answer = NsmCodec.encode(new Response.ExtendPcr(new byte[48]));
    DevNsm nsm =
        new DevNsm(
            m -> {
              sent.add(m.request_base.getByteArray(0, m.request_len.intValue()));
              offeredCapacity.add(m.response_len.longValue());
              m.response_base.write(0, answer, 0, answer.length);
              m.response_len = new NativeLong(answer.length);
              m.write();
              return 0;
            },
            () -> {});
    byte[] pcr = nsm.extendPcr(16, new byte[] {1, 2, 3});
    assertArrayEquals(new byte[48], pcr);
    assertArrayEquals(
        NsmCodec.encode(new Request.ExtendPcr(16, new byte[] {1, 2, 3})), sent.get(0));
    assertEquals(List.of(12288L), offeredCapacity);
  }

  @Test
  void anEmsgsizeErrnoBecomesInputTooLargeAndOtherErrnosInternalError() {
    DevNsm tooBig =
        new DevNsm(
            m -> {
              throw new LastErrorException(DevNsm.EMSGSIZE);
            },
            () -> {});
    assertEquals(
        new Response.Error(ErrorCode.INPUT_TOO_LARGE), tooBig.process(new Request.GetRandom()));
    DevNsm broken =
        new DevNsm(
            m -> {
              throw new LastErrorException(5 /* EIO */);
            },
            () -> {});
    assertEquals(
        new Response.Error(ErrorCode.INTERNAL_ERROR), broken.process(new Request.GetRandom()));
    NsmException e = assertThrows(NsmException.class, broken::getRandom);
    assertEquals(ErrorCode.INTERNAL_ERROR, e.code());
  }

  @Test
  void anUndecodableResponseIsAnInternalErrorAsInTheRustDriver() {
    DevNsm nsm =
        new DevNsm(
            m -> {
              m.response_base.setByte(0, (byte) 0xff);
              m.response_len = new NativeLong(1);
              m.write();
              return 0;
            },
            () -> {});
    assertEquals(
        new Response.Error(ErrorCode.INTERNAL_ERROR), nsm.process(new Request.DescribeNsm()));
  }

  @Test
  void aResponseOfTheWrongKindIsAnInvalidResponse() {
    byte[] answer = NsmCodec.encode(new Response.LockPcrs());
    DevNsm nsm =
        new DevNsm(
            m -> {
              m.response_base.write(0, answer, 0, answer.length);
              m.response_len = new NativeLong(answer.length);
              m.write();
              return 0;
            },
            () -> {});
    NsmException e = assertThrows(NsmException.class, () -> nsm.lockPcr(16));
    assertEquals(ErrorCode.INVALID_RESPONSE, e.code());
    assertInstanceOf(Response.LockPcrs.class, nsm.process(new Request.LockPcrs(16)));
  }

  @Test
  void thisMachineHasNoNsmDeviceSoOpeningItFailsCleanly() {
    assertFalse(DevNsm.available(), "/dev/nsm exists: these tests assume an ordinary host");
    assertThrows(java.io.IOException.class, DevNsm::open);
  }
}
