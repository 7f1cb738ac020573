package dev.sovereign.vc;

import dev.sovereign.did.Did;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.key.DidKey;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Private keys kept as JWK files for tools (the CLI): generate, read, and turn into a {@link
 * CredentialSigner} whose {@code kid} is the key's did:key URL unless another one is given. Never
 * used inside the enclave, whose keys never leave it.
 */
public final class LocalKeys {
  private LocalKeys() {}

  /** A fresh private JWK ({@code kty}, {@code crv}, {@code x}[, {@code y}], {@code d}). */
  public static Map<String, Object> generateJwk(KeyType type, SecureRandom random) {
    byte[] sk = LocalSigners.generatePrivateKey(type, random);
    Map<String, Object> jwk = new LinkedHashMap<>(material(type, sk).toJwk());
    jwk.put("d", Base64.getUrlEncoder().withoutPadding().encodeToString(sk));
    return jwk;
  }

  /** The did:key of a private JWK. */
  public static Did didKey(Map<String, ?> jwk) {
    KeyType type = type(jwk);
    return DidKey.fromKey(material(type, d(jwk)));
  }

  /** A signer for a private JWK; {@code kid} defaults to {@code did:key:z...#z...}. */
  public static CredentialSigner signer(Map<String, ?> jwk, Optional<String> kid) {
    KeyType type = type(jwk);
    byte[] sk = d(jwk);
    PublicKeyMaterial pub = material(type, sk);
    Object x = jwk.get("x");
    if (x != null && !x.equals(pub.toJwk().get("x"))) {
      throw new IllegalArgumentException("the JWK's x does not belong to its d");
    }
    Did did = DidKey.fromKey(pub);
    String keyId = kid.orElse(did + "#" + did.methodSpecificId());
    return switch (type) {
      case ED25519 -> LocalSigners.ed25519(sk, keyId);
      case P256 -> LocalSigners.es256(sk, keyId);
      case SECP256K1 -> LocalSigners.es256k(sk, keyId);
      default -> throw new IllegalArgumentException("unsupported key type " + type);
    };
  }

  private static KeyType type(Map<String, ?> jwk) {
    Object crv = jwk.get("crv");
    KeyType t = crv instanceof String s ? KeyType.fromJwkCrv(s).orElse(null) : null;
    if (t == null || ExpectedAlgorithms.forKeyType(t).isEmpty()) {
      throw new IllegalArgumentException("JWK crv must be Ed25519, P-256 or secp256k1");
    }
    return t;
  }

  private static byte[] d(Map<String, ?> jwk) {
    Object d = jwk.get("d");
    if (!(d instanceof String s)) {
      throw new IllegalArgumentException("not a private JWK (no d)");
    }
    byte[] sk = Base64.getUrlDecoder().decode(s);
    if (sk.length != 32) {
      throw new IllegalArgumentException("d must be 32 bytes");
    }
    return sk;
  }

  static PublicKeyMaterial material(KeyType type, byte[] sk) {
    VerificationKey pk = LocalSigners.publicKeyOf(type, sk);
    byte[] raw = pk.rawPublicKey();
    if (type != KeyType.ED25519) {
      byte[] c = new byte[33];
      c[0] = (byte) ((raw[64] & 1) == 0 ? 0x02 : 0x03);
      System.arraycopy(raw, 1, c, 1, 32);
      raw = c;
    }
    return PublicKeyMaterial.of(type, raw);
  }
}
