package dev.sovereign.enclave;

import dev.sovereign.transport.forward.ForwardAddress;
import dev.sovereign.transport.forward.Loopback;
import dev.sovereign.transport.forward.StreamForwarder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * The enclave's end of the KMS path: a {@link StreamForwarder} on loopback at the KMS endpoint's
 * port, connecting each client to the host's proxy ({@code vsock:3:8000}, the parent's {@code
 * vsock-proxy} to {@code kms.<region>.amazonaws.com:443}). The endpoint's name must resolve to
 * loopback inside the enclave (the image's {@code /etc/hosts}), so the KMS client keeps its URL,
 * its TLS certificate and host-name checks, and its SigV4 {@code Host}: the host relays TLS records
 * it cannot read.
 */
final class KmsProxy {
  private KmsProxy() {}

  /** Brings up loopback if needed, checks the endpoint resolves to it, and starts the forwarder. */
  static StreamForwarder start(KeyBrokerOptions kb) throws IOException {
    ForwardAddress upstream =
        kb.kmsProxy().orElseThrow(() -> new IllegalArgumentException("no --kms-proxy"));
    if (Loopback.ensureUp()) {
      System.err.println("enclave: brought up the loopback interface (127.0.0.1/8)");
    }
    URI endpoint = kb.endpoint();
    String host = endpoint.getHost();
    int port =
        endpoint.getPort() != -1
            ? endpoint.getPort()
            : "https".equals(endpoint.getScheme()) ? 443 : 80;
    InetAddress[] all;
    try {
      all = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new IOException(
          host
              + " does not resolve: map it to 127.0.0.1 in the image's /etc/hosts"
              + " (docker/build-oci.sh --kms-region REGION)");
    }
    for (InetAddress a : all) {
      if (!a.isLoopbackAddress()) {
        throw new IOException(
            host
                + " resolves to "
                + a.getHostAddress()
                + ", not loopback: KMS traffic would"
                + " bypass the forwarder; map it to 127.0.0.1 in the image's /etc/hosts (docker/build-oci.sh --kms-region REGION)");
      }
    }
    return StreamForwarder.start(
        new ForwardAddress.Tcp(all[0].getHostAddress(), port),
        upstream,
        StreamForwarder.Limits.defaults());
  }
}
