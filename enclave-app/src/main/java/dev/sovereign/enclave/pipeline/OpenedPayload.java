package dev.sovereign.enclave.pipeline;

/** A decrypted JWE: the authenticated {@code zone} header and the inner JWS (compact). */
record OpenedPayload(String zone, String innerJws) {}
