/**
 * Byte forwarding between stream transports (TCP, AF_UNIX, AF_VSOCK), for KMS traffic that must
 * leave a Nitro Enclave through the parent's {@code vsock-proxy}: inside the enclave {@link
 * dev.sovereign.transport.forward.StreamForwarder} listens on loopback TCP and connects each client
 * to the parent over vsock; on a development machine the same class stands in for {@code
 * vsock-proxy} (AF_UNIX or vsock to TCP). The forwarder copies opaque bytes: TLS runs end to end
 * between the client inside the enclave and KMS, and no payload byte is ever logged.
 */
package dev.sovereign.transport.forward;
