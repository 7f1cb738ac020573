/**
 * did:fabric (Sovereign's DID method): operations and their controller signatures, the contract
 * logic that the chaincode and the embedded ledger both run, and verification of exported operation
 * logs and endorsed reads. Compiled for Java 11 (the Fabric 2.5 Java chaincode runtime);
 * enclave-safe. The wire formats are defined in {@code
 * did-registry/docs/did-fabric-method-spec.md}.
 */
package dev.sovereign.did.fabric.core;
