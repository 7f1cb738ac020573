package dev.sovereign.did;

import java.security.PublicKey;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A verification method (DID Core section 5.2): {@code id}, {@code type}, {@code controller} and
 * key material. All members are kept in their written order, so a method round-trips unchanged.
 *
 * <p>Key material of a supported type is decoded and validated when the method is built (an
 * off-curve point makes the whole document invalid); unknown types (RSA, BLS, ...) are kept as data
 * and simply have no {@link #publicKey()}. At most one of {@code publicKeyJwk}, {@code
 * publicKeyMultibase}, {@code publicKeyBase58}, {@code publicKeyHex} may be present. How each is
 * read:
 *
 * <ul>
 *   <li>{@code publicKeyJwk}: by {@code crv} (Ed25519, X25519, P-256, P-384, P-521, secp256k1);
 *   <li>{@code publicKeyMultibase}: multicodec-prefixed (Multikey, Ed25519VerificationKey2020,
 *       X25519KeyAgreementKey2020);
 *   <li>{@code publicKeyBase58} / {@code publicKeyHex}: raw or SEC1 bytes whose curve the {@code
 *       type} names (Ed25519VerificationKey2018, X25519KeyAgreementKey2019,
 *       EcdsaSecp256k1VerificationKey2019, EcdsaSecp256k1RecoveryMethod2020, P256Key2021, ...).
 * </ul>
 */
public final class VerificationMethod {
  private static final List<String> KEY_PROPERTIES =
      List.of("publicKeyJwk", "publicKeyMultibase", "publicKeyBase58", "publicKeyHex");

  private final Map<String, Object> properties;
  private final String id;
  private final String type;
  private final String controller;
  private final PublicKeyMaterial key;

  private VerificationMethod(Map<String, Object> properties, PublicKeyMaterial known) {
    this.properties = properties;
    this.id = requiredString(properties, "id");
    this.type = requiredString(properties, "type");
    this.controller = requiredString(properties, "controller");
    try {
      Did.parse(controller);
    } catch (InvalidDidException e) {
      throw new InvalidDidDocumentException(
          "verification method " + id + " has an invalid controller");
    }
    if (!(id.startsWith("#") || id.startsWith("did:"))) {
      throw new InvalidDidDocumentException("verification method id " + id + " is not a DID URL");
    }
    if (id.startsWith("did:")) {
      try {
        DidUrl.parse(id);
      } catch (InvalidDidException e) {
        throw new InvalidDidDocumentException("verification method id " + id + " is not a DID URL");
      }
    }
    long keyProps = KEY_PROPERTIES.stream().filter(properties::containsKey).count();
    if (keyProps > 1) {
      throw new InvalidDidDocumentException(
          "verification method " + id + " has more than one key encoding");
    }
    try {
      this.key = known != null ? checked(known) : decodeKey();
    } catch (IllegalArgumentException e) {
      throw new InvalidDidDocumentException("verification method " + id + ": " + e.getMessage(), e);
    }
  }

  /** Builds from a JSON object (a {@code Map} from Jackson or {@link JsonValues}); validates. */
  public static VerificationMethod fromJson(Map<String, ?> json) {
    return new VerificationMethod(JsonValues.freezeMap(json), null);
  }

  /** A builder with the three required members. */
  public static Builder builder(String id, String type, String controller) {
    return new Builder(id, type, controller);
  }

  /** The id as written: an absolute DID URL or a relative one such as {@code #key-1}. */
  public String id() {
    return id;
  }

  /** The id made absolute against {@code base} (the document's DID). */
  public DidUrl absoluteId(Did base) {
    return DidUrl.resolve(base, id);
  }

  /** The verification method type, e.g. {@code Multikey} or {@code JsonWebKey2020}. */
  public String type() {
    return type;
  }

  /** The controller DID as written. */
  public String controller() {
    return controller;
  }

  /** The public JWK, if the key is given as one. */
  @SuppressWarnings("unchecked")
  public Optional<Map<String, Object>> publicKeyJwk() {
    Object v = properties.get("publicKeyJwk");
    return v instanceof Map ? Optional.of((Map<String, Object>) v) : Optional.empty();
  }

  /** {@code publicKeyMultibase}, if present. */
  public Optional<String> publicKeyMultibase() {
    return stringProperty("publicKeyMultibase");
  }

  /** {@code publicKeyBase58}, if present (legacy suites). */
  public Optional<String> publicKeyBase58() {
    return stringProperty("publicKeyBase58");
  }

  /** {@code publicKeyHex}, if present (did:ethr). */
  public Optional<String> publicKeyHex() {
    return stringProperty("publicKeyHex");
  }

  /** {@code blockchainAccountId} (CAIP-10), if present. */
  public Optional<String> blockchainAccountId() {
    return stringProperty("blockchainAccountId");
  }

  /** Any member as a string. */
  public Optional<String> stringProperty(String name) {
    Object v = properties.get(name);
    return v instanceof String s ? Optional.of(s) : Optional.empty();
  }

  /** Every member in written order (immutable). */
  public Map<String, Object> properties() {
    return properties;
  }

  /** The validated key, if the method carries key material of a supported type. */
  public Optional<PublicKeyMaterial> publicKeyMaterial() {
    return Optional.ofNullable(key);
  }

  /**
   * The key as a {@link PublicKey} (Bouncy Castle provider) for Ed25519, X25519, P-256/384/521 and
   * secp256k1.
   */
  public Optional<PublicKey> publicKey() {
    return publicKeyMaterial().map(PublicKeyMaterial::toPublicKey);
  }

  /** The key type, if known. */
  public Optional<KeyType> keyType() {
    return publicKeyMaterial().map(PublicKeyMaterial::type);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerificationMethod m && m.properties.equals(properties);
  }

  @Override
  public int hashCode() {
    return properties.hashCode();
  }

  @Override
  public String toString() {
    return "VerificationMethod" + properties;
  }

  private PublicKeyMaterial decodeKey() {
    Optional<Map<String, Object>> jwk = publicKeyJwk();
    if (properties.containsKey("publicKeyJwk") && jwk.isEmpty()) {
      throw new IllegalArgumentException("publicKeyJwk is not an object");
    }
    if (jwk.isPresent()) {
      Object crv = jwk.get().get("crv");
      if (crv instanceof String c && KeyType.fromJwkCrv(c).isPresent()) {
        return PublicKeyMaterial.fromJwk(jwk.get());
      }
      return null;
    }
    Optional<String> multibase = publicKeyMultibase();
    if (multibase.isPresent()) {
      if (type.equals("Multikey")
          || type.equals("Ed25519VerificationKey2020")
          || type.equals("X25519KeyAgreementKey2020")) {
        PublicKeyMaterial m = PublicKeyMaterial.fromMultibase(multibase.get());
        checkTypeMatches(m.type());
        return m;
      }
      return null;
    }
    Optional<KeyType> byType = keyTypeOfLegacyType(type);
    if (byType.isEmpty()) {
      return null;
    }
    Optional<String> b58 = publicKeyBase58();
    if (b58.isPresent()) {
      return PublicKeyMaterial.of(
          byType.get(), dev.sovereign.did.multiformats.Base58Btc.decode(b58.get()));
    }
    Optional<String> hex = publicKeyHex();
    if (hex.isPresent()) {
      String h = hex.get().startsWith("0x") ? hex.get().substring(2) : hex.get();
      return PublicKeyMaterial.of(byType.get(), HexFormat.of().parseHex(h));
    }
    return null;
  }

  /** A key the builder encoded itself: only its consistency with the type is checked. */
  private PublicKeyMaterial checked(PublicKeyMaterial known) {
    checkTypeMatches(known.type());
    Optional<KeyType> byType = keyTypeOfLegacyType(type);
    if (byType.isPresent() && byType.get() != known.type()) {
      throw new IllegalArgumentException(
          "invalidPublicKeyType: " + type + " holds a " + known.type() + " key");
    }
    return known;
  }

  private void checkTypeMatches(KeyType actual) {
    if ((type.startsWith("Ed25519") && actual != KeyType.ED25519)
        || (type.startsWith("X25519") && actual != KeyType.X25519)) {
      throw new IllegalArgumentException(
          "invalidPublicKeyType: " + type + " holds a " + actual + " key");
    }
  }

  private static Optional<KeyType> keyTypeOfLegacyType(String type) {
    switch (type) {
      case "Ed25519VerificationKey2018":
      case "Ed25519VerificationKey2020":
        return Optional.of(KeyType.ED25519);
      case "X25519KeyAgreementKey2019":
      case "X25519KeyAgreementKey2020":
        return Optional.of(KeyType.X25519);
      case "EcdsaSecp256k1VerificationKey2019":
      case "EcdsaSecp256k1RecoveryMethod2020":
        return Optional.of(KeyType.SECP256K1);
      case "P256Key2021":
      case "EcdsaSecp256r1VerificationKey2019":
        return Optional.of(KeyType.P256);
      case "P384Key2021":
        return Optional.of(KeyType.P384);
      case "P521Key2021":
        return Optional.of(KeyType.P521);
      default:
        return Optional.empty();
    }
  }

  private static String requiredString(Map<String, Object> m, String name) {
    Object v = m.get(name);
    if (!(v instanceof String s) || s.isEmpty()) {
      throw new InvalidDidDocumentException("verification method without a string '" + name + "'");
    }
    return s;
  }

  /** Builder that keeps member order: id, type, controller, then members as added. */
  public static final class Builder {
    private final Map<String, Object> props = new LinkedHashMap<>();
    private PublicKeyMaterial known;

    private Builder(String id, String type, String controller) {
      props.put("id", Objects.requireNonNull(id, "id"));
      props.put("type", Objects.requireNonNull(type, "type"));
      props.put("controller", Objects.requireNonNull(controller, "controller"));
    }

    /** Adds any member (JSON value). */
    public Builder property(String name, Object value) {
      props.put(name, value);
      if (KEY_PROPERTIES.contains(name)) {
        known = null;
      }
      return this;
    }

    /** Adds {@code publicKeyJwk} from a key. */
    public Builder publicKeyJwk(PublicKeyMaterial key) {
      property("publicKeyJwk", key.toJwk());
      known = key;
      return this;
    }

    /** Adds {@code publicKeyMultibase} (multicodec-prefixed) from a key. */
    public Builder publicKeyMultibase(PublicKeyMaterial key) {
      property("publicKeyMultibase", key.toMultibase());
      known = key;
      return this;
    }

    /**
     * Adds {@code publicKeyBase58} (raw or SEC1-compressed bytes) from a key, for the legacy
     * suites.
     */
    public Builder publicKeyBase58(PublicKeyMaterial key) {
      property(
          "publicKeyBase58", dev.sovereign.did.multiformats.Base58Btc.encode(key.canonicalBytes()));
      known = key;
      return this;
    }

    /** Validates and builds. */
    public VerificationMethod build() {
      long keyProps = KEY_PROPERTIES.stream().filter(props::containsKey).count();
      return new VerificationMethod(JsonValues.freezeMap(props), keyProps == 1 ? known : null);
    }
  }
}
