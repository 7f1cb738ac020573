package dev.sovereign.did.ethr;

import dev.sovereign.did.InvalidDidException;
import dev.sovereign.did.ResolutionError;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * A parsed {@code did:ethr} identifier: {@code did:ethr:[<network>:]<0x address | 0x compressed
 * secp256k1 key>}.
 *
 * <p>Parsing follows ethr-did-resolver 11.1.3 ({@code identifierMatcher} and {@code
 * interpretIdentifier}): the identifier is the trailing {@code 0x} + 40 or 66 hex digits, the
 * network is whatever precedes it minus the separating colon, and no network means {@code mainnet}.
 * A public-key identifier resolves to the checksummed address of that key and adds {@code
 * #controllerKey} to the document while the DID is self-owned.
 *
 * @param did the DID as given (its case is kept: it becomes the document id)
 * @param network the network name or hex chain id, e.g. {@code mainnet} or {@code 0x539}
 * @param address the EIP-55 checksummed identity address
 * @param publicKeyHex the compressed public key (lower-case hex, no {@code 0x}) when the DID names
 *     a key
 */
public record EthrDid(String did, String network, String address, Optional<String> publicKeyHex) {
  /** The DID method name. */
  public static final String METHOD = "ethr";

  private static final Pattern IDENTIFIER =
      Pattern.compile("^(.*)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})$");

  /**
   * Parses a bare {@code did:ethr} DID; throws {@link InvalidDidException} ({@code invalidDid})
   * when it is not one, or when a public-key identifier is not a point on secp256k1.
   */
  public static EthrDid parse(String did) {
    String prefix = "did:" + METHOD + ":";
    if (did == null || !did.startsWith(prefix)) {
      throw new InvalidDidException(ResolutionError.INVALID_DID, did, "not a did:ethr");
    }
    Matcher m = IDENTIFIER.matcher(did.substring(prefix.length()));
    if (!m.matches()) {
      throw new InvalidDidException(
          ResolutionError.INVALID_DID,
          did,
          "Not a valid did:ethr: " + did.substring(prefix.length()));
    }
    String before = m.group(1);
    String network =
        before == null || before.isEmpty() ? "mainnet" : before.substring(0, before.length() - 1);
    String id = m.group(2);
    if (id.length() > 42) {
      byte[] compressed = Numeric.hexStringToByteArray(id);
      String address;
      try {
        address = addressOfCompressedKey(compressed);
      } catch (IllegalArgumentException e) {
        throw new InvalidDidException(ResolutionError.INVALID_DID, did, e.getMessage());
      }
      return new EthrDid(
          did, network, address, Optional.of(id.substring(2).toLowerCase(Locale.ROOT)));
    }
    return new EthrDid(did, network, Keys.toChecksumAddress(id), Optional.empty());
  }

  /** The EIP-55 address of a compressed secp256k1 public key (33 bytes). */
  static String addressOfCompressedKey(byte[] compressed) {
    if (compressed.length != 33 || (compressed[0] != 2 && compressed[0] != 3)) {
      throw new IllegalArgumentException("not a compressed secp256k1 public key");
    }
    org.bouncycastle.math.ec.ECPoint point;
    try {
      point = Sign.CURVE_PARAMS.getCurve().decodePoint(compressed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a point on secp256k1", e);
    }
    byte[] uncompressed = point.getEncoded(false);
    byte[] xy = java.util.Arrays.copyOfRange(uncompressed, 1, 65);
    return Keys.toChecksumAddress(Numeric.toHexString(Keys.getAddress(xy)));
  }
}
