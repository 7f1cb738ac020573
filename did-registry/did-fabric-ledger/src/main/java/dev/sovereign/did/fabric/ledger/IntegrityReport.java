package dev.sovereign.did.fabric.ledger;

/**
 * What {@link EmbeddedLedger#verifyIntegrity()} checked: every DID's log verified and matched its
 * head.
 */
public record IntegrityReport(int dids, int versions, long transactions) {}
