package dev.sovereign.did.fabric.chaincode;

import dev.sovereign.did.fabric.core.LedgerState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.hyperledger.fabric.shim.ChaincodeStub;
import org.hyperledger.fabric.shim.ext.sbe.StateBasedEndorsement;
import org.hyperledger.fabric.shim.ext.sbe.impl.StateBasedEndorsementFactory;
import org.hyperledger.fabric.shim.ledger.KeyValue;
import org.hyperledger.fabric.shim.ledger.QueryResultsIterator;

/**
 * {@link LedgerState} over Fabric's {@link ChaincodeStub}: the peer's world state for one proposal.
 */
final class StubLedgerState implements LedgerState {
  private final ChaincodeStub stub;

  StubLedgerState(ChaincodeStub stub) {
    this.stub = stub;
  }

  @Override
  public byte[] get(String key) {
    byte[] value = stub.getState(key);
    return value == null || value.length == 0 ? null : value;
  }

  @Override
  public void put(String key, byte[] value) {
    stub.putState(key, value);
  }

  @Override
  public List<byte[]> getByPartialCompositeKey(String objectType, String... attributes) {
    List<byte[]> out = new ArrayList<>();
    try (QueryResultsIterator<KeyValue> results =
        stub.getStateByPartialCompositeKey(objectType, attributes)) {
      for (KeyValue kv : results) {
        out.add(kv.getValue());
      }
    } catch (Exception e) {
      throw new IllegalStateException("range query failed", e);
    }
    return out;
  }

  @Override
  public String txId() {
    return stub.getTxId();
  }

  @Override
  public Instant txTimestamp() {
    return stub.getTxTimestamp();
  }

  @Override
  public void setEvent(String name, byte[] payload) {
    stub.setEvent(name, payload);
  }

  @Override
  public void setKeyEndorsementOrgs(String key, List<String> mspIds) {
    StateBasedEndorsement sbe =
        StateBasedEndorsementFactory.getInstance().newStateBasedEndorsement(null);
    sbe.addOrgs(StateBasedEndorsement.RoleType.RoleTypeMember, mspIds.toArray(new String[0]));
    stub.setStateValidationParameter(key, sbe.policy());
  }
}
