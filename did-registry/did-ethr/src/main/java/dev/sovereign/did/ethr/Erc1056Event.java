package dev.sovereign.did.ethr;

import java.math.BigInteger;

/**
 * One decoded ERC-1056 registry event, as ethr-did-resolver's {@code logParser} produces it:
 * bytes32 fields are UTF-8 strings with trailing NULs removed, addresses are EIP-55 checksummed.
 */
public sealed interface Erc1056Event {
  /** The identity address the event is about (the indexed topic). */
  String identity();

  /** The block of the previous change to this identity (0 for the first). */
  BigInteger previousChange();

  /** The block this event was emitted in. */
  long blockNumber();

  /** {@code DIDOwnerChanged(identity, owner, previousChange)}. */
  record OwnerChanged(String identity, String owner, BigInteger previousChange, long blockNumber)
      implements Erc1056Event {}

  /** {@code DIDDelegateChanged(identity, delegateType, delegate, validTo, previousChange)}. */
  record DelegateChanged(
      String identity,
      String delegateType,
      String delegate,
      BigInteger validTo,
      BigInteger previousChange,
      long blockNumber)
      implements Erc1056Event {}

  /**
   * {@code DIDAttributeChanged(identity, name, value, validTo, previousChange)}; {@code value} is
   * raw bytes.
   */
  record AttributeChanged(
      String identity,
      String name,
      byte[] value,
      BigInteger validTo,
      BigInteger previousChange,
      long blockNumber)
      implements Erc1056Event {
    /** Copies the value. */
    public AttributeChanged {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }
  }
}
