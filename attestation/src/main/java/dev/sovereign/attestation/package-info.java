/**
 * Nitro-compatible attestation: the document model and its CBOR/COSE_Sign1 codec, the strict
 * verifier that answers "is this key really inside an enclave running the code we expect?", and
 * access to the Nitro Security Module (real {@code /dev/nsm} or the simulated one).
 */
package dev.sovereign.attestation;
