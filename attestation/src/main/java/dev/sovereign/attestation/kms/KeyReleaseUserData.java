package dev.sovereign.attestation.kms;

import com.upokecenter.cbor.CBOREncodeOptions;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code user_data} of the attestation document an enclave hands to a key broker: a CBOR map
 * {@code {"policy_hash": bstr .size 32, ? "did": tstr}} binding the SHA-256 hash of the sovereignty
 * policy the enclave loaded (and optionally its DID). The local broker exposes {@code policy_hash}
 * to key policies as the extension condition key {@code sovereign:RecipientAttestation:PolicyHash}
 * (lower-case hex). AWS KMS has no condition key for {@code user_data}.
 */
public final class KeyReleaseUserData {
  private static final CBOREncodeOptions STRICT =
      new CBOREncodeOptions("allowduplicatekeys=false;useindeflengthstrings=false");

  private KeyReleaseUserData() {}

  /** Encodes the user data (canonical CBOR). */
  public static byte[] encode(byte[] policyHash, String did) {
    if (Objects.requireNonNull(policyHash, "policyHash").length != 32) {
      throw new IllegalArgumentException("policy hash must be 32 bytes");
    }
    CBORObject map = CBORObject.NewMap();
    map.Add("policy_hash", CBORObject.FromObject(policyHash.clone()));
    if (did != null) {
      map.Add("did", CBORObject.FromObject(did));
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
}
