package dev.sovereign.did.fabric.chaincode;

import dev.sovereign.did.fabric.core.DidFabricContract;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.RejectedException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hyperledger.fabric.contract.Context;
import org.hyperledger.fabric.contract.ContractInterface;
import org.hyperledger.fabric.contract.annotation.Contract;
import org.hyperledger.fabric.contract.annotation.Default;
import org.hyperledger.fabric.contract.annotation.Info;
import org.hyperledger.fabric.contract.annotation.Transaction;
import org.hyperledger.fabric.shim.ChaincodeException;
import org.hyperledger.fabric.shim.ChaincodeStub;

/**
 * The did:fabric chaincode (method spec section 8). The DID network is the channel name. Every
 * transaction delegates to {@link DidFabricContract}; a rejection fails the proposal with a {@link
 * ChaincodeException} whose message starts with the reason code and whose payload is the reason
 * code, so clients map it back without parsing prose.
 */
@Contract(name = "didfabric", info = @Info(title = "did:fabric registry", version = "1"))
@Default
public final class DidFabricChaincode implements ContractInterface {

  private static DidFabricContract contract(ChaincodeStub stub) {
    return new DidFabricContract(stub.getChannelId());
  }

  private static ChaincodeException rejected(RejectedException e) {
    return new ChaincodeException(
        e.getMessage(), e.reason().code().getBytes(StandardCharsets.UTF_8));
  }

  private static String write(
      ChaincodeStub stub, Operation.Type type, String operation, List<String> orgs) {
    try {
      return new String(
          contract(stub)
              .submit(
                  new StubLedgerState(stub), type, operation.getBytes(StandardCharsets.UTF_8), orgs)
              .toBytes(),
          StandardCharsets.UTF_8);
    } catch (RejectedException e) {
      throw rejected(e);
    }
  }

  /** Creates a DID; returns the new version record (JSON). */
  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public String create(Context ctx, String operation) {
    return write(ctx.getStub(), Operation.Type.CREATE, operation, List.of());
  }

  /**
   * Creates a DID whose one state key requires endorsement by every organisation in {@code
   * endorsingOrgs} (comma-separated MSP ids): state-based endorsement per DID.
   */
  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public String createWithEndorsement(Context ctx, String operation, String endorsingOrgs) {
    List<String> orgs = new java.util.ArrayList<>();
    for (String org : endorsingOrgs.split(",")) {
      if (!org.trim().matches("[A-Za-z0-9._-]{1,128}")) {
        throw new ChaincodeException(
            "MALFORMED_OPERATION: endorsingOrgs must be comma-separated MSP ids",
            "MALFORMED_OPERATION".getBytes(StandardCharsets.UTF_8));
      }
      orgs.add(org.trim());
    }
    return write(ctx.getStub(), Operation.Type.CREATE, operation, orgs);
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public String update(Context ctx, String operation) {
    return write(ctx.getStub(), Operation.Type.UPDATE, operation, List.of());
  }

  @Transaction(intent = Transaction.TYPE.SUBMIT)
  public String deactivate(Context ctx, String operation) {
    return write(ctx.getStub(), Operation.Type.DEACTIVATE, operation, List.of());
  }

  /** The current version record. */
  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String read(Context ctx, String did) {
    return read(ctx.getStub(), did);
  }

  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String readVersion(Context ctx, String did, String versionId) {
    try {
      return text(
          contract(ctx.getStub())
              .readVersion(new StubLedgerState(ctx.getStub()), did, versionId)
              .toBytes());
    } catch (RejectedException e) {
      throw rejected(e);
    }
  }

  /** The self-verifying operation log (method spec section 10). */
  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String history(Context ctx, String did) {
    return history(ctx.getStub(), did);
  }

  /** The freshness statement for the current version, echoing {@code nonce} (section 11). */
  @Transaction(intent = Transaction.TYPE.EVALUATE)
  public String head(Context ctx, String did, String nonce) {
    return head(ctx.getStub(), did, nonce);
  }

  static String read(ChaincodeStub stub, String did) {
    try {
      return text(contract(stub).read(new StubLedgerState(stub), did).toBytes());
    } catch (RejectedException e) {
      throw rejected(e);
    }
  }

  static String history(ChaincodeStub stub, String did) {
    try {
      return text(contract(stub).exportLog(new StubLedgerState(stub), did));
    } catch (RejectedException e) {
      throw rejected(e);
    }
  }

  static String head(ChaincodeStub stub, String did, String nonce) {
    try {
      return text(contract(stub).head(new StubLedgerState(stub), did, nonce));
    } catch (RejectedException e) {
      throw rejected(e);
    }
  }

  /**
   * Entry for tests and for the in-process gateway: one write on a stub without a client identity.
   */
  static String submit(ChaincodeStub stub, Operation.Type type, String operation) {
    return write(stub, type, operation, List.of());
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
