/**
 * The host-enclave wire format (docs/enclave-protocol.md): length-prefixed, versioned frames whose
 * body is one JSON message. Shared by the enclave and the host; depends on Jackson only.
 */
package dev.sovereign.enclave.protocol;
