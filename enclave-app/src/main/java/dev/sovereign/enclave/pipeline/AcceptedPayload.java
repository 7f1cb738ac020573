package dev.sovereign.enclave.pipeline;

import java.util.List;

/**
 * A payload that passed every stage up to (not including) the replay check: its Merkle leaf
 * (SHA-256 of the JWE bytes), producer, jti and records.
 */
public record AcceptedPayload(
    byte[] leaf,
    String producer,
    String jti,
    String zone,
    List<ProducerRecord> records,
    ProducerAuthorization authorization) {
  public AcceptedPayload {
    leaf = leaf.clone();
    records = List.copyOf(records);
  }

  @Override
  public byte[] leaf() {
    return leaf.clone();
  }
}
