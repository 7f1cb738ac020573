/**
 * Rounds: replay protection, aggregation, the Merkle tree of accepted inputs and the result
 * credential.
 */
package dev.sovereign.enclave.round;
