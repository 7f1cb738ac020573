package dev.sovereign.enclave.protocol;

import dev.sovereign.transport.forward.ForwardAddress;
import java.nio.file.Path;

/**
 * Where the enclave listens: {@code unix:PATH} (AF_UNIX, the embedded default) or {@code
 * vsock:CID:PORT} (AF_VSOCK inside a Nitro Enclave). CID and PORT are unsigned 32-bit decimal
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

  /**
   * Parses {@code unix:PATH} or {@code vsock:CID:PORT} with the forwarder's grammar ({@link
   * ForwardAddress#parse}: sun_path limit, unsigned 32-bit decimals, no VMADDR_PORT_ANY); {@code
   * tcp:} is refused (the enclave has no network). The message says what is wrong.
   */
  static ListenAddress parse(String s) {
    if (!s.startsWith("unix:") && !s.startsWith("vsock:")) {
      throw new IllegalArgumentException("expected unix:PATH or vsock:CID:PORT, got '" + s + "'");
    }
    ForwardAddress a = ForwardAddress.parse(s);
    if (a instanceof ForwardAddress.Unix u) {
      return new Unix(u.path());
    }
    ForwardAddress.Vsock v = (ForwardAddress.Vsock) a;
    return new Vsock(v.cid(), v.port());
  }
}
