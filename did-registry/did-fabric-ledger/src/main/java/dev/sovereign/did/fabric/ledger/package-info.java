/**
 * The embedded did:fabric ledger: SQLite, the shared contract logic, endorsed reads. Host-side
 * only.
 */
package dev.sovereign.did.fabric.ledger;
