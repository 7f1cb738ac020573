/** The enclave's per-boot keys, its did:key and the binding its attestation document carries. */
package dev.sovereign.enclave.identity;
