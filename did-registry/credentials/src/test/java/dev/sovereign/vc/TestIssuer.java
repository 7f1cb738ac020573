package dev.sovereign.vc;

import dev.sovereign.did.Did;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.key.DidKey;
import java.security.SecureRandom;

/** A did:key identity with an in-process signer, for tests. */
record TestIssuer(
    KeyType type,
    byte[] privateKey,
    Did did,
    String kid,
    CredentialSigner signer,
    VerificationKey publicKey) {

  static TestIssuer didKey(KeyType type) {
    return didKey(type, new SecureRandom());
  }

  static TestIssuer didKey(KeyType type, SecureRandom random) {
    byte[] sk = LocalSigners.generatePrivateKey(type, random);
    VerificationKey pk = LocalSigners.publicKeyOf(type, sk);
    byte[] canonical = type == KeyType.ED25519 ? pk.rawPublicKey() : compress(pk.rawPublicKey());
    Did did = DidKey.fromKey(PublicKeyMaterial.of(type, canonical));
    String kid = did + "#" + did.methodSpecificId();
    return new TestIssuer(type, sk, did, kid, signer(type, sk, kid), pk);
  }

  static CredentialSigner signer(KeyType type, byte[] sk, String kid) {
    return switch (type) {
      case ED25519 -> LocalSigners.ed25519(sk, kid);
      case P256 -> LocalSigners.es256(sk, kid);
      case SECP256K1 -> LocalSigners.es256k(sk, kid);
      default -> throw new IllegalArgumentException(type.name());
    };
  }

  /** A signer with the same key but another kid (for kid-of-another-DID tests). */
  TestIssuer withKid(String otherKid) {
    return new TestIssuer(
        type, privateKey, did, otherKid, signer(type, privateKey, otherKid), publicKey);
  }

  CredentialIssuer issuer() {
    return CredentialIssuer.of(signer);
  }

  static byte[] compress(byte[] uncompressed) {
    byte[] out = new byte[33];
    out[0] = (byte) ((uncompressed[64] & 1) == 0 ? 0x02 : 0x03);
    System.arraycopy(uncompressed, 1, out, 1, 32);
    return out;
  }
}
