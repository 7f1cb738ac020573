/**
 * The one implementation of Sovereign's hash-chained audit logs: the line formats ({@link
 * dev.sovereign.crypto.audit.AuditFormat}), the chain check ({@link
 * dev.sovereign.crypto.audit.HashChain}) and appending ({@link
 * dev.sovereign.crypto.audit.ChainWriter}, {@link dev.sovereign.crypto.audit.LockedChainFile}). The
 * key broker's {@code AuditLog}, the backup jobs' {@code BackupAudit} and the host's {@code
 * AuditChain} all write and read through it; what each log adds on top (the broker's published
 * head, the enclave-signed heads of the host's log) stays with that log. See {@code docs/audit.md}.
 */
package dev.sovereign.crypto.audit;
