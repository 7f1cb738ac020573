/**
 * The host audit log's format: hash-chained JSON lines, enclave-signed chain heads, and the offline
 * check.
 */
package dev.sovereign.enclave.audit;
