/**
 * Sealing the enclave's state through the key broker and restoring it into a successor
 * (docs/sealing.md).
 */
package dev.sovereign.enclave.seal;
