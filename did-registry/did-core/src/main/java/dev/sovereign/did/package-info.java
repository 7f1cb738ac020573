/** DID model and resolution shared by every method; safe to load inside the enclave. */
package dev.sovereign.did;
