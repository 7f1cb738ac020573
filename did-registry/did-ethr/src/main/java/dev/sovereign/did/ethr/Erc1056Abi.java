package dev.sovereign.did.ethr;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * The ERC-1056 {@code EthereumDIDRegistry} ABI: calls, writes, event decoding and meta-transaction
 * digests.
 */
final class Erc1056Abi {
  private Erc1056Abi() {}

  static final Event OWNER_CHANGED =
      new Event(
          "DIDOwnerChanged",
          List.of(
              new TypeReference<Address>(true) {},
              new TypeReference<Address>() {},
              new TypeReference<Uint256>() {}));
  static final Event DELEGATE_CHANGED =
      new Event(
          "DIDDelegateChanged",
          List.of(
              new TypeReference<Address>(true) {},
              new TypeReference<Bytes32>() {},
              new TypeReference<Address>() {},
              new TypeReference<Uint256>() {},
              new TypeReference<Uint256>() {}));
  static final Event ATTRIBUTE_CHANGED =
      new Event(
          "DIDAttributeChanged",
          List.of(
              new TypeReference<Address>(true) {},
              new TypeReference<Bytes32>() {},
              new TypeReference<DynamicBytes>() {},
              new TypeReference<Uint256>() {},
              new TypeReference<Uint256>() {}));
  static final String OWNER_CHANGED_TOPIC = EventEncoder.encode(OWNER_CHANGED);
  static final String DELEGATE_CHANGED_TOPIC = EventEncoder.encode(DELEGATE_CHANGED);
  static final String ATTRIBUTE_CHANGED_TOPIC = EventEncoder.encode(ATTRIBUTE_CHANGED);

  /** The indexed-address topic for an identity: 12 zero bytes then the address. */
  static String identityTopic(String address) {
    return "0x000000000000000000000000"
        + Numeric.cleanHexPrefix(address).toLowerCase(java.util.Locale.ROOT);
  }

  static String call(String name, String address) {
    return FunctionEncoder.encode(new Function(name, List.of(new Address(address)), List.of()));
  }

  static BigInteger decodeUint(String returnData) {
    if (returnData == null || Numeric.cleanHexPrefix(returnData).isEmpty()) {
      throw new IllegalStateException("empty return data: is the registry address right?");
    }
    return Numeric.toBigInt(returnData);
  }

  static String decodeAddress(String returnData) {
    BigInteger v = decodeUint(returnData);
    return Keys.toChecksumAddress(Numeric.toHexStringWithPrefixZeroPadded(v, 40));
  }

  // ---- writes -------------------------------------------------------------------------------

  static String changeOwner(String identity, String newOwner) {
    return encode("changeOwner", new Address(identity), new Address(newOwner));
  }

  static String addDelegate(
      String identity, String delegateType, String delegate, BigInteger validity) {
    return encode(
        "addDelegate",
        new Address(identity),
        bytes32(delegateType),
        new Address(delegate),
        new Uint256(validity));
  }

  static String revokeDelegate(String identity, String delegateType, String delegate) {
    return encode(
        "revokeDelegate", new Address(identity), bytes32(delegateType), new Address(delegate));
  }

  static String setAttribute(String identity, String name, byte[] value, BigInteger validity) {
    return encode(
        "setAttribute",
        new Address(identity),
        bytes32(name),
        new DynamicBytes(value),
        new Uint256(validity));
  }

  static String revokeAttribute(String identity, String name, byte[] value) {
    return encode("revokeAttribute", new Address(identity), bytes32(name), new DynamicBytes(value));
  }

  static String changeOwnerSigned(String identity, RecoverableSignature sig, String newOwner) {
    return encode(
        "changeOwnerSigned",
        new Address(identity),
        new Uint8(sig.v()),
        new Bytes32(sig.r()),
        new Bytes32(sig.s()),
        new Address(newOwner));
  }

  static String addDelegateSigned(
      String identity,
      RecoverableSignature sig,
      String delegateType,
      String delegate,
      BigInteger validity) {
    return encode(
        "addDelegateSigned",
        new Address(identity),
        new Uint8(sig.v()),
        new Bytes32(sig.r()),
        new Bytes32(sig.s()),
        bytes32(delegateType),
        new Address(delegate),
        new Uint256(validity));
  }

  static String revokeDelegateSigned(
      String identity, RecoverableSignature sig, String delegateType, String delegate) {
    return encode(
        "revokeDelegateSigned",
        new Address(identity),
        new Uint8(sig.v()),
        new Bytes32(sig.r()),
        new Bytes32(sig.s()),
        bytes32(delegateType),
        new Address(delegate));
  }

  static String setAttributeSigned(
      String identity, RecoverableSignature sig, String name, byte[] value, BigInteger validity) {
    return encode(
        "setAttributeSigned",
        new Address(identity),
        new Uint8(sig.v()),
        new Bytes32(sig.r()),
        new Bytes32(sig.s()),
        bytes32(name),
        new DynamicBytes(value),
        new Uint256(validity));
  }

  static String revokeAttributeSigned(
      String identity, RecoverableSignature sig, String name, byte[] value) {
    return encode(
        "revokeAttributeSigned",
        new Address(identity),
        new Uint8(sig.v()),
        new Bytes32(sig.r()),
        new Bytes32(sig.s()),
        bytes32(name),
        new DynamicBytes(value));
  }

  @SuppressWarnings("rawtypes")
  private static String encode(String name, Type... args) {
    return FunctionEncoder.encode(new Function(name, List.of(args), List.of()));
  }

  /**
   * ethr-did-resolver's {@code stringToBytes32}: UTF-8, cut to 32 bytes, right-padded with zeros.
   */
  static Bytes32 bytes32(String s) {
    return new Bytes32(bytes32Raw(s));
  }

  static byte[] bytes32Raw(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    return Arrays.copyOf(utf8, 32);
  }

  // ---- meta-transaction digests (what the contract's *Signed functions recompute) -------------

  /**
   * {@code keccak256(0x19 || 0x00 || registry || nonce || identity || op || fields...)}: the
   * EIP-191 version-0 ("intended validator") digest the registry checks with {@code ecrecover},
   * packed as Solidity's {@code abi.encodePacked} (addresses 20 bytes, uint256 and bytes32 32
   * bytes, bytes raw).
   */
  static byte[] metaDigest(
      String registry, BigInteger nonce, String identity, String op, byte[]... fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x19);
    out.write(0x00);
    out.writeBytes(address20(registry));
    out.writeBytes(Numeric.toBytesPadded(nonce, 32));
    out.writeBytes(address20(identity));
    out.writeBytes(op.getBytes(StandardCharsets.US_ASCII));
    for (byte[] f : fields) {
      out.writeBytes(f);
    }
    return Hash.sha3(out.toByteArray());
  }

  static byte[] address20(String address) {
    byte[] b = Numeric.hexStringToByteArray(address);
    if (b.length != 20) {
      throw new IllegalArgumentException("not a 20-byte address: " + address);
    }
    return b;
  }

  static byte[] uint256(BigInteger v) {
    return Numeric.toBytesPadded(v, 32);
  }

  // ---- event decoding --------------------------------------------------------------------------

  /** The previousChange field of a registry log, or empty when the log is not a registry event. */
  @SuppressWarnings("rawtypes")
  static Optional<BigInteger> previousChange(Log log) {
    List<Type> values = decodeData(log);
    if (values == null) {
      return Optional.empty();
    }
    return Optional.of((BigInteger) values.get(values.size() - 1).getValue());
  }

  /**
   * Decodes a registry log like ethr-did-resolver's {@code populateEventMetaClass}: empty when the
   * log is not one of the three events, or when a bytes32 field is not valid UTF-8 (not a DID
   * event).
   */
  @SuppressWarnings("rawtypes")
  static Optional<Erc1056Event> decode(Log log) {
    List<Type> v = decodeData(log);
    if (v == null) {
      return Optional.empty();
    }
    String topic0 = log.getTopics().get(0);
    String identity =
        Keys.toChecksumAddress(
            Numeric.toHexStringWithPrefixZeroPadded(Numeric.toBigInt(log.getTopics().get(1)), 40));
    long block = log.getBlockNumber().longValueExact();
    if (OWNER_CHANGED_TOPIC.equalsIgnoreCase(topic0)) {
      return Optional.of(
          new Erc1056Event.OwnerChanged(
              identity, checksum(v.get(0)), (BigInteger) v.get(1).getValue(), block));
    }
    Optional<String> name = bytes32ToString((byte[]) v.get(0).getValue());
    if (name.isEmpty()) {
      return Optional.empty();
    }
    if (DELEGATE_CHANGED_TOPIC.equalsIgnoreCase(topic0)) {
      return Optional.of(
          new Erc1056Event.DelegateChanged(
              identity,
              name.get(),
              checksum(v.get(1)),
              (BigInteger) v.get(2).getValue(),
              (BigInteger) v.get(3).getValue(),
              block));
    }
    return Optional.of(
        new Erc1056Event.AttributeChanged(
            identity,
            name.get(),
            (byte[]) v.get(1).getValue(),
            (BigInteger) v.get(2).getValue(),
            (BigInteger) v.get(3).getValue(),
            block));
  }

  @SuppressWarnings("rawtypes")
  private static List<Type> decodeData(Log log) {
    if (log.getTopics() == null || log.getTopics().size() < 2) {
      return null;
    }
    String topic0 = log.getTopics().get(0);
    Event event;
    if (OWNER_CHANGED_TOPIC.equalsIgnoreCase(topic0)) {
      event = OWNER_CHANGED;
    } else if (DELEGATE_CHANGED_TOPIC.equalsIgnoreCase(topic0)) {
      event = DELEGATE_CHANGED;
    } else if (ATTRIBUTE_CHANGED_TOPIC.equalsIgnoreCase(topic0)) {
      event = ATTRIBUTE_CHANGED;
    } else {
      return null;
    }
    List<Type> values =
        FunctionReturnDecoder.decode(log.getData(), event.getNonIndexedParameters());
    if (values.size() != event.getNonIndexedParameters().size()) {
      throw new IllegalStateException("malformed event input. wrong number of arguments");
    }
    return values;
  }

  private static String checksum(@SuppressWarnings("rawtypes") Type address) {
    return Keys.toChecksumAddress(((Address) address).getValue());
  }

  /**
   * ethr-did-resolver's {@code bytes32toString}: strict UTF-8 (ethers rejects overlong forms,
   * surrogates and code points above U+10FFFF, as Java's strict decoder does), then trailing NULs
   * removed.
   */
  static Optional<String> bytes32ToString(byte[] b) {
    Optional<String> s = strictUtf8(b);
    return s.map(x -> x.replaceAll("\u0000+$", ""));
  }

  /** Strict UTF-8 decoding: empty when the bytes are not valid UTF-8. */
  static Optional<String> strictUtf8(byte[] b) {
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(b))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }
}
