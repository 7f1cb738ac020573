package dev.sovereign.did.key;

import dev.sovereign.did.KeyType;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The verification method representations a did:key document can be expanded into (the did:key
 * {@code publicKeyFormat} option), with the JSON-LD contexts each needs. Contexts and types match
 * the w3c-ccg did-method-key test vectors.
 */
public enum DidKeyFormat {
  /** {@code Multikey} with {@code publicKeyMultibase}; the default of the current did:key spec. */
  MULTIKEY(
      "Multikey",
      List.of("https://w3id.org/security/multikey/v1"),
      List.of(),
      Set.of(
          KeyType.ED25519,
          KeyType.X25519,
          KeyType.P256,
          KeyType.P384,
          KeyType.P521,
          KeyType.SECP256K1)),
  /** {@code JsonWebKey2020} with {@code publicKeyJwk}. */
  JSON_WEB_KEY_2020(
      "JsonWebKey2020",
      List.of("https://w3id.org/security/suites/jws-2020/v1"),
      List.of(),
      Set.of(
          KeyType.ED25519,
          KeyType.X25519,
          KeyType.P256,
          KeyType.P384,
          KeyType.P521,
          KeyType.SECP256K1)),
  /**
   * {@code Ed25519VerificationKey2018} / {@code X25519KeyAgreementKey2019} with {@code
   * publicKeyBase58}.
   */
  ED25519_VERIFICATION_KEY_2018(
      "Ed25519VerificationKey2018",
      List.of("https://w3id.org/security/suites/ed25519-2018/v1"),
      List.of("https://w3id.org/security/suites/x25519-2019/v1"),
      Set.of(KeyType.ED25519)),
  /**
   * {@code Ed25519VerificationKey2020} / {@code X25519KeyAgreementKey2020} with {@code
   * publicKeyMultibase}.
   */
  ED25519_VERIFICATION_KEY_2020(
      "Ed25519VerificationKey2020",
      List.of("https://w3id.org/security/suites/ed25519-2020/v1"),
      List.of("https://w3id.org/security/suites/x25519-2020/v1"),
      Set.of(KeyType.ED25519)),
  /** {@code EcdsaSecp256k1VerificationKey2019} with {@code publicKeyBase58} (compressed point). */
  ECDSA_SECP256K1_VERIFICATION_KEY_2019(
      "EcdsaSecp256k1VerificationKey2019",
      List.of("https://w3id.org/security/suites/secp256k1-2019/v1"),
      List.of(),
      Set.of(KeyType.SECP256K1)),
  /** {@code P256Key2021} with {@code publicKeyBase58} (compressed point). */
  P256_KEY_2021(
      "P256Key2021",
      List.of("https://w3id.org/security/suites/multikey-2021/v1"),
      List.of(),
      Set.of(KeyType.P256));

  private final String typeName;
  private final List<String> contexts;
  private final List<String> keyAgreementContexts;
  private final Set<KeyType> keyTypes;

  DidKeyFormat(
      String typeName,
      List<String> contexts,
      List<String> keyAgreementContexts,
      Set<KeyType> keyTypes) {
    this.typeName = typeName;
    this.contexts = contexts;
    this.keyAgreementContexts = keyAgreementContexts;
    this.keyTypes = keyTypes;
  }

  /** The verification method type this format produces, e.g. {@code JsonWebKey2020}. */
  public String typeName() {
    return typeName;
  }

  /** Contexts after the DID v1 context. */
  List<String> contexts() {
    return contexts;
  }

  /** Extra contexts when an X25519 key is derived from an Ed25519 key. */
  List<String> keyAgreementContexts() {
    return keyAgreementContexts;
  }

  /** True when this format can express keys of {@code type}. */
  public boolean supports(KeyType type) {
    return keyTypes.contains(type);
  }

  /** The format whose {@link #typeName()} is {@code name}. */
  public static Optional<DidKeyFormat> fromTypeName(String name) {
    for (DidKeyFormat f : values()) {
      if (f.typeName.equals(name)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
