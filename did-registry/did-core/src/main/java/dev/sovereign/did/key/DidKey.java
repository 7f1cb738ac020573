package dev.sovereign.did.key;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidDocument;
import dev.sovereign.did.InvalidDidException;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.Relationship;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.VerificationMethod;
import dev.sovereign.did.multiformats.Multibase;
import dev.sovereign.did.multiformats.Multicodec;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * The did:key method (W3C CCG did:key v0.7): {@code did:key:z<base58btc(varint(multicodec) ||
 * key)>}. Keys: Ed25519 ({@code 0xed01}, 32 bytes), X25519 ({@code 0xec01}), P-256 ({@code
 * 0x8024}), P-384 ({@code 0x8124}), P-521 ({@code 0x8224}) and secp256k1 ({@code 0xe701}), EC keys
 * as SEC1 compressed points. Decoding validates the point, so a did:key that decodes is a usable
 * key.
 */
public final class DidKey {
  /** The method name. */
  public static final String METHOD = "key";

  private DidKey() {}

  /** The did:key of a validated key. */
  public static Did fromKey(PublicKeyMaterial key) {
    return new Did(METHOD, key.toMultibase());
  }

  /** The did:key of a Java public key (Ed25519, X25519, P-256, P-384, P-521, secp256k1). */
  public static Did fromKey(PublicKey key) {
    return fromKey(PublicKeyMaterial.of(key));
  }

  /** Parses and decodes a did:key string. */
  public static PublicKeyMaterial decode(String did) {
    return decode(Did.parse(did));
  }

  /**
   * The key a did:key encodes.
   *
   * @throws InvalidDidException ({@code invalidDid}) when the method is not {@code key}, the
   *     multibase prefix is not {@code z}, the base58 is malformed, the multicodec is not a
   *     supported public key type, the length is wrong (EC keys must be compressed), or the point
   *     is invalid
   */
  public static PublicKeyMaterial decode(Did did) {
    if (!METHOD.equals(did.method())) {
      throw invalid(did, "not a did:key");
    }
    String msi = did.methodSpecificId();
    if (msi.indexOf(':') >= 0) {
      throw invalid(did, "did:key versions other than the default are not supported");
    }
    if (!msi.startsWith("z")) {
      throw invalid(did, "multibase prefix must be 'z' (base58btc)");
    }
    byte[] bytes;
    try {
      bytes = Multibase.decodeBase58Btc(msi);
    } catch (IllegalArgumentException e) {
      throw invalid(did, e.getMessage());
    }
    Multicodec.Prefixed prefixed;
    try {
      prefixed = Multicodec.split(bytes);
    } catch (IllegalArgumentException e) {
      throw invalid(did, e.getMessage());
    }
    KeyType type =
        KeyType.fromMulticodec(prefixed.code())
            .orElseThrow(
                () ->
                    invalid(
                        did,
                        "invalidPublicKeyType: multicodec 0x"
                            + Integer.toHexString(prefixed.code())
                            + " is not a supported public key"));
    byte[] payload = prefixed.payload();
    if (payload.length != type.compressedLength()) {
      throw invalid(
          did,
          "invalidPublicKeyLength: "
              + type.jwkCrv()
              + " did:key needs "
              + type.compressedLength()
              + " bytes, got "
              + payload.length);
    }
    try {
      return PublicKeyMaterial.of(type, payload);
    } catch (IllegalArgumentException e) {
      throw invalid(did, e.getMessage());
    }
  }

  /**
   * The did:key document of {@code key} in {@code format}. For Ed25519 with {@code deriveX25519}, a
   * second method holds the X25519 key derived per RFC 7748 and is the only {@code keyAgreement}
   * entry; otherwise an EC or X25519 key is also listed under {@code keyAgreement} (as in the
   * did:key test vectors) and an Ed25519 key is not.
   *
   * @throws IllegalArgumentException {@code unsupportedPublicKeyType} if the format cannot express
   *     the key
   */
  public static DidDocument document(
      PublicKeyMaterial key, DidKeyFormat format, boolean deriveX25519) {
    if (!format.supports(key.type())) {
      throw new IllegalArgumentException(
          "unsupportedPublicKeyType: "
              + format.typeName()
              + " cannot express a "
              + key.type().jwkCrv()
              + " key");
    }
    Did did = fromKey(key);
    String vmId = did + "#" + did.methodSpecificId();
    boolean derive = deriveX25519 && key.type() == KeyType.ED25519;
    List<String> context = new ArrayList<>();
    context.add(DidDocument.DID_CONTEXT_V1);
    context.addAll(format.contexts());
    if (derive) {
      context.addAll(format.keyAgreementContexts());
    }
    DidDocument.Builder b = DidDocument.builder(did).context(context);
    if (key.type() == KeyType.X25519) {
      b.verificationMethod(method(vmId, did, key, format, false));
      return b.reference(Relationship.KEY_AGREEMENT, vmId).build();
    }
    b.verificationMethod(method(vmId, did, key, format, false));
    String keyAgreementId = null;
    if (derive) {
      PublicKeyMaterial x = key.toX25519();
      keyAgreementId = did + "#" + x.toMultibase();
      b.verificationMethod(method(keyAgreementId, did, x, format, true));
    } else if (key.type().isEc()) {
      keyAgreementId = vmId;
    }
    b.reference(Relationship.ASSERTION_METHOD, vmId)
        .reference(Relationship.AUTHENTICATION, vmId)
        .reference(Relationship.CAPABILITY_INVOCATION, vmId)
        .reference(Relationship.CAPABILITY_DELEGATION, vmId);
    if (keyAgreementId != null) {
      b.reference(Relationship.KEY_AGREEMENT, keyAgreementId);
    }
    return b.build();
  }

  private static VerificationMethod method(
      String id,
      Did controller,
      PublicKeyMaterial key,
      DidKeyFormat format,
      boolean derivedX25519) {
    switch (format) {
      case MULTIKEY:
        return VerificationMethod.builder(id, "Multikey", controller.toString())
            .publicKeyMultibase(key)
            .build();
      case JSON_WEB_KEY_2020:
        return VerificationMethod.builder(id, "JsonWebKey2020", controller.toString())
            .publicKeyJwk(key)
            .build();
      case ED25519_VERIFICATION_KEY_2018:
        return VerificationMethod.builder(
                id,
                derivedX25519 ? "X25519KeyAgreementKey2019" : "Ed25519VerificationKey2018",
                controller.toString())
            .publicKeyBase58(key)
            .build();
      case ED25519_VERIFICATION_KEY_2020:
        return VerificationMethod.builder(
                id,
                derivedX25519 ? "X25519KeyAgreementKey2020" : "Ed25519VerificationKey2020",
                controller.toString())
            .publicKeyMultibase(key)
            .build();
      case ECDSA_SECP256K1_VERIFICATION_KEY_2019:
      case P256_KEY_2021:
        return VerificationMethod.builder(id, format.typeName(), controller.toString())
            .publicKeyBase58(key)
            .build();
      default:
        throw new IllegalStateException("unhandled format " + format);
    }
  }

  private static InvalidDidException invalid(Did did, String detail) {
    return new InvalidDidException(ResolutionError.INVALID_DID, did.toString(), detail);
  }
}
