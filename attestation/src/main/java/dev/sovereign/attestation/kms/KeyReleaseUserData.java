package dev.sovereign.attestation.kms;

import com.upokecenter.cbor.CBOREncodeOptions;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code user_data} of the attestation document an enclave hands to a key broker: a CBOR map
 * {@code {"policy_hash": bstr .size 32, ? "did": tstr, ? "mark": "hold"}} binding the SHA-256 hash
 * of the sovereignty policy the enclave loaded (and optionally its DID). The local broker exposes
 * {@code policy_hash} to key policies as the extension condition key {@code
 * sovereign:RecipientAttestation:PolicyHash} (lower-case hex). AWS KMS has no condition key for
 * {@code user_data}.
 *
 * <p>{@code "mark": "hold"} asks the local broker to seal without raising its rollback mark (a seal
 * that guards nothing the enclave released: it becomes the mark only when it is restored or a later
 * seal raises it); without it a sealed-state GenerateDataKey raises the mark to its sequence. The
 * flag is inside the NSM-signed document, so whoever relays the request cannot add or remove it.
 */
public final class KeyReleaseUserData {
  private static final CBOREncodeOptions STRICT =
      new CBOREncodeOptions("allowduplicatekeys=false;useindeflengthstrings=false");

  private KeyReleaseUserData() {}

  /** Encodes the user data (canonical CBOR) of a request that raises the rollback mark. */
  public static byte[] encode(byte[] policyHash, String did) {
    return encode(policyHash, did, false);
  }

  /**
   * Encodes the user data (canonical CBOR); {@code holdMark}: a sealed-state GenerateDataKey that
   * leaves the broker's rollback mark where it is.
   */
  public static byte[] encode(byte[] policyHash, String did, boolean holdMark) {
    if (Objects.requireNonNull(policyHash, "policyHash").length != 32) {
      throw new IllegalArgumentException("policy hash must be 32 bytes");
    }
    CBORObject map = CBORObject.NewMap();
    map.Add("policy_hash", CBORObject.FromObject(policyHash.clone()));
    if (did != null) {
      map.Add("did", CBORObject.FromObject(did));
    }
    if (holdMark) {
      map.Add("mark", CBORObject.FromObject("hold"));
    }
    return map.EncodeToBytes(CBOREncodeOptions.DefaultCtap2Canonical);
  }

  /**
   * The policy hash in {@code userData}, or empty when the bytes are absent or not of this shape.
   */
  public static Optional<byte[]> policyHash(byte[] userData) {
    if (userData == null || userData.length == 0) {
      return Optional.empty();
    }
    try {
      CBORObject map = CBORObject.DecodeFromBytes(userData, STRICT);
      if (map.getType() != CBORType.Map) {
        return Optional.empty();
      }
      CBORObject h = map.get("policy_hash");
      if (h == null || h.getType() != CBORType.ByteString || h.GetByteString().length != 32) {
        return Optional.empty();
      }
      return Optional.of(h.GetByteString());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code userData} asks to hold the rollback mark ({@code "mark": "hold"}); false for
   * absent or malformed bytes and for any other value, so a broker in doubt raises the mark.
   */
  public static boolean holdsMark(byte[] userData) {
    if (userData == null || userData.length == 0) {
      return false;
    }
    try {
      CBORObject map = CBORObject.DecodeFromBytes(userData, STRICT);
      if (map.getType() != CBORType.Map) {
        return false;
      }
      CBORObject m = map.get("mark");
      return m != null && m.getType() == CBORType.TextString && m.AsString().equals("hold");
    } catch (RuntimeException e) {
      return false;
    }
  }
}
