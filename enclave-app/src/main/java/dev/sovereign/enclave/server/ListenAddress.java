package dev.sovereign.enclave.server;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the enclave listens: {@code unix:PATH} (AF_UNIX, the embedded default) or
 * {@code vsock:CID:PORT} (AF_VSOCK inside a Nitro Enclave). CID and PORT are unsigned 32-bit decimal
 * numbers; CID may also be {@code any} ({@code VMADDR_CID_ANY}, 0xFFFFFFFF), the usual choice for a
 * server inside an enclave. Port {@code 0xFFFFFFFF} ({@code VMADDR_PORT_ANY}) is refused: the host
 * must know the port.
 */
public sealed interface ListenAddress {
  /** VMADDR_CID_ANY. */
  long CID_ANY = 0xFFFF_FFFFL;

  /** An AF_UNIX socket path. */
  record Unix(Path path) implements ListenAddress {
    @Override
    public String toString() {
      return "unix:" + path;
    }
  }

  /** An AF_VSOCK address. */
  record Vsock(long cid, long port) implements ListenAddress {
    @Override
    public String toString() {
      return "vsock:" + (cid == CID_ANY ? "any" : Long.toString(cid)) + ":" + port;
    }
  }

  /** Parses {@code unix:PATH} or {@code vsock:CID:PORT}; the message says what is wrong. */
  static ListenAddress parse(String s) {
    if (s.startsWith("unix:")) {
      String p = s.substring(5);
      if (p.isEmpty() || p.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("unix: needs a socket path, e.g. unix:/run/sovereign/enclave.sock");
      }
      if (p.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
        throw new IllegalArgumentException("unix socket path longer than 107 bytes (sun_path limit)");
      }
      return new Unix(Path.of(p));
    }
    if (s.startsWith("vsock:")) {
      Matcher m = Pattern.compile("vsock:([^:]*):([^:]*)").matcher(s);
      if (!m.matches()) {
        throw new IllegalArgumentException("expected vsock:CID:PORT, e.g. vsock:any:5000 or vsock:16:5000");
      }
      long cid = m.group(1).equals("any") ? CID_ANY : u32("CID", m.group(1));
      long port = u32("PORT", m.group(2));
      if (port == 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("vsock PORT 4294967295 (VMADDR_PORT_ANY) is not a fixed port");
      }
      return new Vsock(cid, port);
    }
    throw new IllegalArgumentException("expected unix:PATH or vsock:CID:PORT, got '" + s + "'");
  }

  private static long u32(String what, String v) {
    if (!v.matches("0|[1-9][0-9]{0,9}")) {
      throw new IllegalArgumentException("vsock " + what + " must be a decimal number without sign or leading zeros, got '"
          + v + "'");
    }
    long n = Long.parseLong(v);
    if (n > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("vsock " + what + " " + n + " does not fit in 32 bits");
    }
    return n;
  }
}
