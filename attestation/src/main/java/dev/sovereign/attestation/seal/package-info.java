/**
 * Sealed enclave state: a versioned header bound as associated data to an AES-256-GCM body, whose
 * data key the key broker releases only to an attested enclave with the same measurement, region
 * and policy hash. See {@link dev.sovereign.attestation.seal.SealedStateHeader} for the bytes.
 */
package dev.sovereign.attestation.seal;
