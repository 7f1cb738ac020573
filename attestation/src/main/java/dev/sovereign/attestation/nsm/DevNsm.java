package dev.sovereign.attestation.nsm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real Nitro Security Module: {@code /dev/nsm} inside a Nitro Enclave, driven with one {@code
 * ioctl} per request exactly as aws-nitro-enclaves-nsm-api's driver ({@code src/driver/mod.rs})
 * does it: the request is CBOR of at most {@value #REQUEST_MAX_SIZE} bytes, the response buffer is
 * {@value #RESPONSE_MAX_SIZE} bytes, the request code is {@code _IOWR(0x0A, 0,
 * sizeof(nsm_message))} = {@code 0xC0200A00} on 64-bit Linux. An errno of {@code EMSGSIZE} becomes
 * {@link ErrorCode#INPUT_TOO_LARGE}, any other errno and an undecodable response {@link
 * ErrorCode#INTERNAL_ERROR}, as in the Rust driver.
 *
 * <p>Only usable inside an enclave; this class cannot be exercised on an ordinary host (see {@code
 * docs/nsm.md}).
 */
public final class DevNsm implements Nsm {

  /** The device file. */
  public static final Path DEVICE = Path.of("/dev/nsm");

  /** {@code NSM_REQUEST_MAX_SIZE}: 4 KiB. */
  public static final int REQUEST_MAX_SIZE = 0x1000;

  /** {@code NSM_RESPONSE_MAX_SIZE}: 12 KiB. */
  public static final int RESPONSE_MAX_SIZE = 0x3000;

  /** {@code NSM_IOCTL_MAGIC}. */
  static final int IOCTL_MAGIC = 0x0A;

  /** Linux {@code EMSGSIZE} (asm-generic errno). */
  static final int EMSGSIZE = 90;

  private static final int O_RDWR = 2;
  private static final int O_CLOEXEC = 0x80000;

  /** {@code _IOWR(type, nr, size)} of asm-generic/ioctl.h (x86_64 and aarch64). */
  static long iowr(int type, int nr, int size) {
    final long read = 2;
    final long write = 1;
    return ((read | write) << 30) | ((long) size << 16) | ((long) type << 8) | nr;
  }

  /** The ioctl request code for {@code struct nsm_message}. */
  public static long requestCode() {
    return iowr(IOCTL_MAGIC, 0, new NsmMessage().size());
  }

  /** The part of libc this class uses. */
  interface LibC extends Library {
    int open(String path, int flags) throws LastErrorException;

    int ioctl(int fd, NativeLong request, NsmMessage message) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  /** The system call, separable so that everything around it can be tested off an enclave. */
  interface Ioctl {
    /** Returns 0 or throws with the errno. */
    int call(NsmMessage message) throws LastErrorException;
  }

  private final Ioctl ioctl;
  private final Runnable closer;
  private boolean closed;

  DevNsm(Ioctl ioctl, Runnable closer) {
    this.ioctl = ioctl;
    this.closer = closer;
  }

  /** Whether this machine has an NSM device. */
  public static boolean available() {
    return Files.exists(DEVICE);
  }

  /** Opens {@code /dev/nsm}. */
  public static DevNsm open() throws IOException {
    if (!available()) {
      throw new IOException(DEVICE + " does not exist: not inside a Nitro Enclave");
    }
    LibC libc;
    int fd;
    try {
      libc = Native.load("c", LibC.class);
      fd = libc.open(DEVICE.toString(), O_RDWR | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("cannot open " + DEVICE + ": errno " + e.getErrorCode(), e);
    } catch (UnsatisfiedLinkError e) {
      throw new IOException("cannot load libc through JNA: " + e.getMessage(), e);
    }
    NativeLong code = new NativeLong(requestCode());
    return new DevNsm(m -> libc.ioctl(fd, code, m), () -> libc.close(fd));
  }

  @Override
  public String kind() {
    return "nitro";
  }

  @Override
  public synchronized Response process(Request request) {
    if (closed) {
      throw new IllegalStateException("the NSM device is closed");
    }
    return NsmCodec.decodeResponseOrInternalError(exchange(NsmCodec.encode(request)));
  }

  /** One device round trip with raw CBOR: the request's bytes in, the response's bytes out. */
  byte[] exchange(byte[] requestBytes) {
    if (requestBytes.length > REQUEST_MAX_SIZE) {
      return NsmCodec.encode(new Response.Error(ErrorCode.INPUT_TOO_LARGE));
    }
    try (Memory req = new Memory(Math.max(1, requestBytes.length));
        Memory resp = new Memory(RESPONSE_MAX_SIZE)) {
      req.write(0, requestBytes, 0, requestBytes.length);
      resp.clear();
      NsmMessage message = new NsmMessage();
      message.request_base = req;
      message.request_len = new NativeLong(requestBytes.length);
      message.response_base = resp;
      message.response_len = new NativeLong(RESPONSE_MAX_SIZE);
      try {
        ioctl.call(message);
      } catch (LastErrorException e) {
        ErrorCode code =
            e.getErrorCode() == EMSGSIZE ? ErrorCode.INPUT_TOO_LARGE : ErrorCode.INTERNAL_ERROR;
        return NsmCodec.encode(new Response.Error(code));
      }
      message.read();
      long len = message.response_len.longValue();
      if (len < 0 || len > RESPONSE_MAX_SIZE) {
        return NsmCodec.encode(new Response.Error(ErrorCode.INTERNAL_ERROR));
      }
      return resp.getByteArray(0, (int) len);
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      closer.run();
    }
  }
}
