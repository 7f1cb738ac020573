package dev.sovereign.did.fabric.ledger;

/** The chaincode event of one committed write, as delivered to listeners after the commit. */
public record LedgerEvent(long blockNumber, String txId, String name, byte[] payload) {
  public LedgerEvent {
    payload = payload.clone();
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }
}
