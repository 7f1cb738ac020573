package dev.sovereign.did.ethr;

/**
 * A mined registry write.
 *
 * @param transactionHash the transaction
 * @param blockNumber the block it was mined in: the DID's new {@code versionId}
 */
public record RegistryChange(String transactionHash, long blockNumber) {}
