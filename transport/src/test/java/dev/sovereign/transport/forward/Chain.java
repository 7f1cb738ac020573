package dev.sovereign.transport.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The KMS path with AF_UNIX in place of AF_VSOCK: the enclave-side forwarder ({@code
 * tcp:127.0.0.1:0} to a unix socket) and the host-side one (the unix socket to {@code target}, as
 * {@code vsock-proxy}).
 */
final class Chain implements AutoCloseable {
  final StreamForwarder host;
  final StreamForwarder enclave;

  Chain(Path dir, ForwardAddress target, StreamForwarder.Limits limits) throws IOException {
    ForwardAddress.Unix proxy = new ForwardAddress.Unix(dir.resolve("kms-proxy.sock"));
    host = StreamForwarder.start(proxy, target, limits);
    enclave =
        StreamForwarder.start(
            new ForwardAddress.Tcp(InetAddress.getLoopbackAddress().getHostAddress(), 0),
            proxy,
            limits);
  }

  static StreamForwarder.Limits limits(int max) {
    return new StreamForwarder.Limits(max, Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  /** The port the enclave-side forwarder listens on (127.0.0.1). */
  int port() {
    return ((ForwardAddress.Tcp) enclave.address()).port();
  }

  @Override
  public void close() {
    enclave.close();
    host.close();
  }
}
