package dev.sovereign.did.ethr;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * Writes to an ERC-1056 registry: the five owner operations sent by the owner itself, and their
 * signed meta-transaction variants, where the owner signs a digest ({@link DigestSigner}) and any
 * account (the sender of this controller) relays it and pays the gas.
 *
 * <p>Each write estimates gas first, so a write the contract would reject fails before anything is
 * sent, with {@link EthrWriteException.Reason#BAD_ACTOR} or {@link
 * EthrWriteException.Reason#BAD_SIGNATURE}; it returns once the transaction is mined with status 1.
 */
public final class EthrDidController {
  /** ethr-did-resolver's default delegate and attribute validity: 86400 seconds. */
  public static final BigInteger DEFAULT_VALIDITY = BigInteger.valueOf(86_400);

  private final Web3j web3j;
  private final Erc1056Reader reader;
  private final TransactionManager sender;
  private final String senderAddress;

  private EthrDidController(
      Web3j web3j, String registry, TransactionManager sender, String senderAddress) {
    this.web3j = web3j;
    this.reader = new Erc1056Reader(web3j, registry);
    this.sender = sender;
    this.senderAddress = senderAddress;
  }

  /**
   * A controller sending transactions signed with {@code sender} (a legacy, chain-id-protected
   * transaction).
   */
  public static EthrDidController create(Web3j web3j, String registry, Credentials sender) {
    Objects.requireNonNull(web3j, "web3j");
    Objects.requireNonNull(sender, "sender");
    Erc1056Abi.address20(registry);
    long chainId = new Erc1056Reader(web3j, registry).chainId();
    TransactionManager tm =
        new RawTransactionManager(
            web3j, sender, chainId, new PollingTransactionReceiptProcessor(web3j, 50, 1200));
    return new EthrDidController(web3j, registry, tm, sender.getAddress());
  }

  /** The registry contract address. */
  public String registry() {
    return reader.registry();
  }

  /** The current owner of {@code identity} (the identity itself until changed). */
  public String identityOwner(String identity) {
    return reader.identityOwner(identity);
  }

  /** The registry's meta-transaction nonce of {@code owner}. */
  public BigInteger nonce(String owner) {
    return reader.nonce(owner);
  }

  // ---- direct writes (the sender must be the identity's owner) --------------------------------

  /** {@code changeOwner(identity, newOwner)}; {@code 0x0} deactivates the DID. */
  public RegistryChange changeOwner(String identity, String newOwner) {
    return send(Erc1056Abi.changeOwner(identity, newOwner));
  }

  /**
   * {@code addDelegate(identity, delegateType, delegate, validity)}; types {@code veriKey}, {@code
   * sigAuth}.
   */
  public RegistryChange addDelegate(
      String identity, String delegateType, String delegate, Duration validity) {
    return send(Erc1056Abi.addDelegate(identity, delegateType, delegate, seconds(validity)));
  }

  /** {@code revokeDelegate(identity, delegateType, delegate)}. */
  public RegistryChange revokeDelegate(String identity, String delegateType, String delegate) {
    return send(Erc1056Abi.revokeDelegate(identity, delegateType, delegate));
  }

  /**
   * {@code setAttribute(identity, name, value, validity)}, e.g. {@code
   * did/pub/Secp256k1/veriKey/hex}.
   */
  public RegistryChange setAttribute(
      String identity, String name, byte[] value, Duration validity) {
    return send(Erc1056Abi.setAttribute(identity, name, value, seconds(validity)));
  }

  /** {@code revokeAttribute(identity, name, value)}. */
  public RegistryChange revokeAttribute(String identity, String name, byte[] value) {
    return send(Erc1056Abi.revokeAttribute(identity, name, value));
  }

  // ---- signed meta-transactions (the owner signs, the sender relays) --------------------------

  /**
   * The digest the owner signs for {@code changeOwnerSigned}, at the owner's current registry
   * nonce.
   */
  public byte[] changeOwnerDigest(String identity, String newOwner) {
    return Erc1056Abi.metaDigest(
        registry(), ownerNonce(identity), identity, "changeOwner", Erc1056Abi.address20(newOwner));
  }

  /** The digest the owner signs for {@code addDelegateSigned}. */
  public byte[] addDelegateDigest(
      String identity, String delegateType, String delegate, Duration validity) {
    return Erc1056Abi.metaDigest(
        registry(),
        ownerNonce(identity),
        identity,
        "addDelegate",
        Erc1056Abi.bytes32Raw(delegateType),
        Erc1056Abi.address20(delegate),
        Erc1056Abi.uint256(seconds(validity)));
  }

  /** The digest the owner signs for {@code revokeDelegateSigned}. */
  public byte[] revokeDelegateDigest(String identity, String delegateType, String delegate) {
    return Erc1056Abi.metaDigest(
        registry(),
        ownerNonce(identity),
        identity,
        "revokeDelegate",
        Erc1056Abi.bytes32Raw(delegateType),
        Erc1056Abi.address20(delegate));
  }

  /** The digest the owner signs for {@code setAttributeSigned}. */
  public byte[] setAttributeDigest(String identity, String name, byte[] value, Duration validity) {
    return Erc1056Abi.metaDigest(
        registry(),
        ownerNonce(identity),
        identity,
        "setAttribute",
        Erc1056Abi.bytes32Raw(name),
        value.clone(),
        Erc1056Abi.uint256(seconds(validity)));
  }

  /** The digest the owner signs for {@code revokeAttributeSigned}. */
  public byte[] revokeAttributeDigest(String identity, String name, byte[] value) {
    return Erc1056Abi.metaDigest(
        registry(),
        ownerNonce(identity),
        identity,
        "revokeAttribute",
        Erc1056Abi.bytes32Raw(name),
        value.clone());
  }

  /** {@code changeOwnerSigned}: relays a change the owner signed with {@code owner}. */
  public RegistryChange changeOwnerSigned(String identity, String newOwner, DigestSigner owner) {
    return changeOwnerSigned(identity, newOwner, owner.sign(changeOwnerDigest(identity, newOwner)));
  }

  /** {@code addDelegateSigned}. */
  public RegistryChange addDelegateSigned(
      String identity,
      String delegateType,
      String delegate,
      Duration validity,
      DigestSigner owner) {
    return addDelegateSigned(
        identity,
        delegateType,
        delegate,
        validity,
        owner.sign(addDelegateDigest(identity, delegateType, delegate, validity)));
  }

  /** {@code revokeDelegateSigned}. */
  public RegistryChange revokeDelegateSigned(
      String identity, String delegateType, String delegate, DigestSigner owner) {
    return revokeDelegateSigned(
        identity,
        delegateType,
        delegate,
        owner.sign(revokeDelegateDigest(identity, delegateType, delegate)));
  }

  /** {@code setAttributeSigned}. */
  public RegistryChange setAttributeSigned(
      String identity, String name, byte[] value, Duration validity, DigestSigner owner) {
    return setAttributeSigned(
        identity,
        name,
        value,
        validity,
        owner.sign(setAttributeDigest(identity, name, value, validity)));
  }

  /** {@code revokeAttributeSigned}. */
  public RegistryChange revokeAttributeSigned(
      String identity, String name, byte[] value, DigestSigner owner) {
    return revokeAttributeSigned(
        identity, name, value, owner.sign(revokeAttributeDigest(identity, name, value)));
  }

  // Pre-signed variants: the signature was made elsewhere (offline, HSM) over the matching *Digest.

  /** {@code changeOwnerSigned} with a signature over {@link #changeOwnerDigest}. */
  public RegistryChange changeOwnerSigned(
      String identity, String newOwner, RecoverableSignature signature) {
    return send(Erc1056Abi.changeOwnerSigned(identity, signature, newOwner));
  }

  /** {@code addDelegateSigned} with a signature over {@link #addDelegateDigest}. */
  public RegistryChange addDelegateSigned(
      String identity,
      String delegateType,
      String delegate,
      Duration validity,
      RecoverableSignature signature) {
    return send(
        Erc1056Abi.addDelegateSigned(
            identity, signature, delegateType, delegate, seconds(validity)));
  }

  /** {@code revokeDelegateSigned} with a signature over {@link #revokeDelegateDigest}. */
  public RegistryChange revokeDelegateSigned(
      String identity, String delegateType, String delegate, RecoverableSignature signature) {
    return send(Erc1056Abi.revokeDelegateSigned(identity, signature, delegateType, delegate));
  }

  /** {@code setAttributeSigned} with a signature over {@link #setAttributeDigest}. */
  public RegistryChange setAttributeSigned(
      String identity,
      String name,
      byte[] value,
      Duration validity,
      RecoverableSignature signature) {
    return send(Erc1056Abi.setAttributeSigned(identity, signature, name, value, seconds(validity)));
  }

  /** {@code revokeAttributeSigned} with a signature over {@link #revokeAttributeDigest}. */
  public RegistryChange revokeAttributeSigned(
      String identity, String name, byte[] value, RecoverableSignature signature) {
    return send(Erc1056Abi.revokeAttributeSigned(identity, signature, name, value));
  }

  private BigInteger ownerNonce(String identity) {
    return reader.nonce(reader.identityOwner(identity));
  }

  private static BigInteger seconds(Duration validity) {
    if (validity.isNegative()) {
      throw new IllegalArgumentException("validity must not be negative");
    }
    return BigInteger.valueOf(validity.getSeconds());
  }

  private RegistryChange send(String data) {
    BigInteger gasLimit;
    BigInteger gasPrice;
    try {
      EthEstimateGas estimate =
          web3j
              .ethEstimateGas(
                  Transaction.createFunctionCallTransaction(
                      senderAddress, null, null, null, registry(), data))
              .send();
      if (estimate.hasError()) {
        String message = estimate.getError().getMessage();
        throw new EthrWriteException(EthrWriteException.classify(message), message, null, null);
      }
      // A margin over the estimate: the estimate is exact for this state, and the state may move.
      gasLimit =
          estimate.getAmountUsed().multiply(BigInteger.valueOf(5)).divide(BigInteger.valueOf(4));
      gasPrice = web3j.ethGasPrice().send().getGasPrice();
    } catch (IOException e) {
      throw new EthrWriteException(
          EthrWriteException.Reason.NODE_ERROR, String.valueOf(e.getMessage()), null, e);
    }
    EthSendTransaction sent;
    try {
      synchronized (sender) {
        sent = sender.sendTransaction(gasPrice, gasLimit, registry(), data, BigInteger.ZERO);
      }
    } catch (IOException e) {
      throw new EthrWriteException(
          EthrWriteException.Reason.NODE_ERROR, String.valueOf(e.getMessage()), null, e);
    }
    if (sent.hasError()) {
      String message = sent.getError().getMessage();
      throw new EthrWriteException(EthrWriteException.classify(message), message, null, null);
    }
    String hash = sent.getTransactionHash();
    TransactionReceipt receipt;
    try {
      receipt =
          new PollingTransactionReceiptProcessor(web3j, 50, 1200).waitForTransactionReceipt(hash);
    } catch (IOException | TransactionException e) {
      throw new EthrWriteException(
          EthrWriteException.Reason.NODE_ERROR, String.valueOf(e.getMessage()), hash, e);
    }
    if (!receipt.isStatusOK()) {
      throw new EthrWriteException(
          EthrWriteException.Reason.REVERTED,
          "mined with status " + receipt.getStatus(),
          hash,
          null);
    }
    return new RegistryChange(hash, receipt.getBlockNumber().longValueExact());
  }
}
