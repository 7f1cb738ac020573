package dev.sovereign.did;

import dev.sovereign.did.internal.KeyCodec;
import dev.sovereign.did.multiformats.Multibase;
import dev.sovereign.did.multiformats.Multicodec;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A validated public key: its type and canonical bytes (raw 32 bytes for Ed25519/X25519, SEC1
 * compressed point for EC curves). Construction checks length, curve membership and, for Ed25519,
 * full point validation; an instance is therefore always a usable key.
 */
public final class PublicKeyMaterial {
  private final KeyType type;
  private final byte[] canonical;
  private volatile PublicKey publicKey;

  private PublicKeyMaterial(KeyType type, byte[] canonical) {
    this.type = type;
    this.canonical = canonical;
  }

  /**
   * Validates {@code encoded} (raw for OKP; SEC1 compressed or uncompressed for EC).
   *
   * @throws IllegalArgumentException starting with {@code invalidPublicKeyLength} or {@code
   *     invalidPublicKey}
   */
  public static PublicKeyMaterial of(KeyType type, byte[] encoded) {
    Objects.requireNonNull(type, "type");
    return new PublicKeyMaterial(type, KeyCodec.canonicalize(type, encoded));
  }

  /** From a Java public key (Ed25519, X25519, P-256, P-384, P-521, secp256k1) of any provider. */
  public static PublicKeyMaterial of(PublicKey key) {
    Object[] decoded = KeyCodec.fromPublicKey(key);
    return new PublicKeyMaterial((KeyType) decoded[0], (byte[]) decoded[1]);
  }

  /**
   * From a multibase ({@code z}) multicodec-prefixed key, the Multikey {@code publicKeyMultibase}
   * form.
   */
  public static PublicKeyMaterial fromMultibase(String multibase) {
    Multicodec.Prefixed p = Multicodec.split(Multibase.decodeBase58Btc(multibase));
    KeyType type =
        KeyType.fromMulticodec(p.code())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "unsupportedPublicKeyType: multicodec 0x" + Integer.toHexString(p.code())));
    return of(type, p.payload());
  }

  /**
   * From a public JWK ({@code kty}, {@code crv}, {@code x}, {@code y}); private members are
   * refused.
   */
  public static PublicKeyMaterial fromJwk(Map<String, ?> jwk) {
    if (jwk.containsKey("d")) {
      throw new IllegalArgumentException("invalidPublicKey: JWK holds private key material");
    }
    Object crv = jwk.get("crv");
    Object kty = jwk.get("kty");
    if (!(crv instanceof String) || !(kty instanceof String)) {
      throw new IllegalArgumentException("invalidPublicKey: JWK without kty/crv");
    }
    KeyType type =
        KeyType.fromJwkCrv((String) crv)
            .orElseThrow(
                () -> new IllegalArgumentException("unsupportedPublicKeyType: JWK crv " + crv));
    if (!type.jwkKty().equals(kty)) {
      throw new IllegalArgumentException(
          "invalidPublicKey: JWK kty " + kty + " does not match crv " + crv);
    }
    byte[] x = b64url(jwk.get("x"), "x");
    if (!type.isEc()) {
      if (jwk.containsKey("y")) {
        throw new IllegalArgumentException("invalidPublicKey: OKP JWK with y");
      }
      return of(type, x);
    }
    byte[] y = b64url(jwk.get("y"), "y");
    return new PublicKeyMaterial(type, KeyCodec.fromJwkCoordinates(type, x, y));
  }

  /** The key type. */
  public KeyType type() {
    return type;
  }

  /** Raw bytes (OKP) or SEC1 compressed point (EC). */
  public byte[] canonicalBytes() {
    return canonical.clone();
  }

  /** SEC1 uncompressed point (EC only). */
  public byte[] uncompressedBytes() {
    if (!type.isEc()) {
      throw new IllegalStateException(type + " has no SEC1 encoding");
    }
    return KeyCodec.uncompressed(type, canonical);
  }

  /** A {@link PublicKey} built by the Bouncy Castle provider. */
  public PublicKey toPublicKey() {
    PublicKey k = publicKey;
    if (k == null) {
      k = KeyCodec.toPublicKey(type, canonical);
      publicKey = k; // immutable value; a race only builds it twice
    }
    return k;
  }

  /** {@code z} + base58btc(multicodec varint || canonical bytes): the did:key / Multikey form. */
  public String toMultibase() {
    return Multibase.encodeBase58Btc(Multicodec.prefix(type.multicodec(), canonical));
  }

  /** The public JWK, members in the order {@code kty, crv, x[, y]}. */
  public Map<String, Object> toJwk() {
    Map<String, Object> jwk = new LinkedHashMap<>();
    jwk.put("kty", type.jwkKty());
    jwk.put("crv", type.jwkCrv());
    Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
    if (type.isEc()) {
      byte[][] xy = KeyCodec.jwkCoordinates(type, canonical);
      jwk.put("x", enc.encodeToString(xy[0]));
      jwk.put("y", enc.encodeToString(xy[1]));
    } else {
      jwk.put("x", enc.encodeToString(canonical));
    }
    return java.util.Collections.unmodifiableMap(jwk);
  }

  /** The X25519 key birationally equivalent to this Ed25519 key (RFC 7748 section 4.1). */
  public PublicKeyMaterial toX25519() {
    if (type != KeyType.ED25519) {
      throw new IllegalStateException("only Ed25519 keys convert to X25519");
    }
    return new PublicKeyMaterial(KeyType.X25519, KeyCodec.ed25519ToX25519(canonical));
  }

  /** Same type and same canonical bytes. */
  @Override
  public boolean equals(Object o) {
    return o instanceof PublicKeyMaterial k
        && k.type == type
        && Arrays.equals(k.canonical, canonical);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + Arrays.hashCode(canonical);
  }

  @Override
  public String toString() {
    return type + ":" + toMultibase();
  }

  private static byte[] b64url(Object v, String name) {
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("invalidPublicKey: JWK member " + name + " missing");
    }
    try {
      if (s.contains("=") || s.contains("+") || s.contains("/")) {
        throw new IllegalArgumentException("not base64url");
      }
      return Base64.getUrlDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalidPublicKey: JWK member " + name + " is not base64url");
    }
  }
}
