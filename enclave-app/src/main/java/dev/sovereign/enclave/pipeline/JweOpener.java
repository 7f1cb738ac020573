package dev.sovereign.enclave.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.Base64URL;
import dev.sovereign.crypto.Crypto;
import dev.sovereign.crypto.jose.JoseHeader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Iterator;

/**
 * Opens the outer JWE. The protected header is read and checked by us before Nimbus sees it: {@code
 * alg} is {@code ECDH-ES+A256KW} or {@code ECDH-ES}, {@code enc} is {@code A256GCM}, {@code kid} is
 * this enclave's key thumbprint, {@code cty} is {@code JWT}, {@code zone} is present, no {@code
 * zip}, no {@code crit}, and {@code epk} is a P-256 point on the curve. Nimbus then decrypts with
 * the provider {@link Crypto} chose (ECDH on AWS-LC where it loads), handed to it through its JCA
 * context; the private key is re-read once into that provider's own key type.
 */
final class JweOpener {
  /**
   * The JWE protected header's allow-list: exactly these members (the producer library's); {@code
   * epk} is then checked to be a P-256 point.
   */
  static final JoseHeader.Rules HEADER =
      JoseHeader.Rules.of(
          JoseHeader.Member.required("alg", "ECDH-ES+A256KW", "ECDH-ES"),
          JoseHeader.Member.required("enc", "A256GCM"),
          JoseHeader.Member.required("kid"),
          JoseHeader.Member.required("zone"),
          JoseHeader.Member.required("cty", "JWT"),
          JoseHeader.Member.optionalObject("epk"));

  private final ECPrivateKey key;
  private final String kid;
  private final Crypto crypto;

  JweOpener(ECPrivateKey key, String kid, Crypto crypto) {
    this.key = nativeKey(key, crypto);
    this.kid = kid;
    this.crypto = crypto;
  }

  private static ECPrivateKey nativeKey(ECPrivateKey key, Crypto crypto) {
    try {
      return (ECPrivateKey)
          crypto.keyFactory("EC").generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("the enclave's encryption key is not a P-256 key", e);
    }
  }

  /**
   * The protected header, checked by {@link JoseHeader} against {@link #HEADER}: malformed, a
   * duplicate member or a {@code cty} other than JWT is {@code malformed-jwe}; a missing or other
   * {@code kid} is {@code jwe-kid-mismatch}; a missing or non-text {@code zone} is {@code
   * jwe-zone-missing}; {@code crit}, a key of its own, {@code alg: none}, another {@code alg} or
   * {@code enc}, {@code zip} or any other member is {@code jwe-algorithm-not-allowed}.
   */
  private static JsonNode header(String part) throws PayloadRejectedException {
    try {
      return JoseHeader.check(part, HEADER);
    } catch (JoseHeader.Rejected e) {
      RejectionReason reason =
          switch (e.fault()) {
            case MALFORMED, DUPLICATE_MEMBER -> RejectionReason.MALFORMED_JWE;
            case MISSING_MEMBER, VALUE_NOT_ALLOWED ->
                switch (e.member()) {
                  case "kid" -> RejectionReason.JWE_KID_MISMATCH;
                  case "zone" -> RejectionReason.JWE_ZONE_MISSING;
                  case "cty" -> RejectionReason.MALFORMED_JWE;
                  case "epk" -> RejectionReason.INVALID_EPHEMERAL_KEY;
                  default -> RejectionReason.JWE_ALGORITHM_NOT_ALLOWED;
                };
            case CRITICAL, EMBEDDED_KEY, UNSECURED, UNKNOWN_MEMBER ->
                RejectionReason.JWE_ALGORITHM_NOT_ALLOWED;
          };
      throw new PayloadRejectedException(reason, e.getMessage());
    }
  }

  OpenedPayload open(String compact, int maxBytes) throws PayloadRejectedException {
    if (compact.length() > maxBytes) {
      throw new PayloadRejectedException(
          RejectionReason.PAYLOAD_TOO_LARGE, compact.length() + " bytes > " + maxBytes);
    }
    String[] parts = compact.split("\\.", -1);
    if (parts.length != 5) {
      throw new PayloadRejectedException(RejectionReason.MALFORMED_JWE, "not 5 compact parts");
    }
    JsonNode h = header(parts[0]);
    String alg = h.get("alg").textValue();
    if (!kid.equals(h.get("kid").textValue())) {
      throw new PayloadRejectedException(
          RejectionReason.JWE_KID_MISMATCH, "kid is not this enclave's key");
    }
    String zone = h.get("zone").textValue();
    if ("ECDH-ES".equals(alg) && !parts[1].isEmpty()) {
      throw new PayloadRejectedException(
          RejectionReason.MALFORMED_JWE, "ECDH-ES with an encrypted key");
    }
    Coordinates epk = ephemeralKey(h.get("epk"));
    // the header (part 0) was decoded strictly by JoseHeader above; the other parts are decoded
    // here, once each
    Base64URL[] decoded = new Base64URL[5];
    for (int i = 1; i < 5; i++) {
      decoded[i] = parts[i].isEmpty() ? null : DecodedPart.of(parts[i]);
    }
    if (decoded[3] == null) {
      throw new PayloadRejectedException(RejectionReason.MALFORMED_JWE, "no ciphertext");
    }
    try {
      // Nimbus's header is built from the header checked above (every member it may hold is on
      // the allow-list, so nothing is dropped: no apu/apv, zip or crit can be present) instead of
      // parsed a second time; the AAD is the protected header exactly as sent (RFC 7516, 5.2)
      JWEHeader nimbusHeader =
          new JWEHeader.Builder(JWEAlgorithm.parse(alg), EncryptionMethod.A256GCM)
              .keyID(kid)
              .contentType("JWT")
              .customParam("zone", zone)
              .ephemeralPublicKey(new ECKey.Builder(Curve.P_256, epk.x(), epk.y()).build())
              .build();
      ECDHDecrypter decrypter = new ECDHDecrypter(key);
      decrypter.getJCAContext().setProvider(crypto.provider());
      byte[] plain =
          decrypter.decrypt(
              nimbusHeader,
              decoded[1],
              decoded[2],
              decoded[3],
              decoded[4],
              parts[0].getBytes(StandardCharsets.US_ASCII));
      if (plain.length > maxBytes) {
        throw new PayloadRejectedException(
            RejectionReason.PAYLOAD_TOO_LARGE, "plaintext larger than the limit");
      }
      return new OpenedPayload(zone, new String(plain, StandardCharsets.UTF_8));
    } catch (JOSEException | RuntimeException e) {
      // RuntimeException too: a provider may refuse a key with an unchecked exception (AWS-LC's
      // RuntimeCryptoException, Bouncy Castle's IllegalArgumentException); it is this payload's
      // failure, never the batch's
      throw new PayloadRejectedException(
          RejectionReason.DECRYPTION_FAILED, "key unwrap or AES-GCM failed", e);
    }
  }

  /**
   * One compact part, decoded once and strictly (RFC 7515's base64url without padding: {@link
   * java.util.Base64}'s URL decoder, which refuses any other character, where Nimbus's own decoder
   * skips characters outside the alphabet and so opened a payload with characters inserted into its
   * parts). Nimbus reads the bytes from here; the text is kept as sent, so the AAD is the header
   * exactly as sent.
   */
  private static final class DecodedPart extends Base64URL {
    private static final long serialVersionUID = 1L;
    private final byte[] bytes;

    private DecodedPart(String text, byte[] bytes) {
      super(text);
      this.bytes = bytes;
    }

    static DecodedPart of(String text) throws PayloadRejectedException {
      if (text.indexOf('=') >= 0) {
        throw new PayloadRejectedException(
            RejectionReason.MALFORMED_JWE, "a compact part carries base64 padding");
      }
      try {
        return new DecodedPart(text, Base64.getUrlDecoder().decode(text));
      } catch (IllegalArgumentException e) {
        throw new PayloadRejectedException(
            RejectionReason.MALFORMED_JWE, "a compact part is not base64url");
      }
    }

    @Override
    public byte[] decode() {
      return bytes.clone();
    }
  }

  /**
   * The header's {@code epk}, checked (an EC P-256 public key, no private part, both coordinates 32
   * bytes of strict base64url, the point on the curve); its coordinates as decoded here, for
   * Nimbus.
   */
  private static Coordinates ephemeralKey(JsonNode epk) throws PayloadRejectedException {
    if (epk == null || !epk.isObject()) {
      throw new PayloadRejectedException(RejectionReason.INVALID_EPHEMERAL_KEY, "epk missing");
    }
    for (Iterator<String> it = epk.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.equals("d")) {
        throw new PayloadRejectedException(
            RejectionReason.INVALID_EPHEMERAL_KEY, "epk carries a private key");
      }
    }
    if (!"EC".equals(StrictJson.text(epk, "kty").orElse(""))
        || !"P-256".equals(StrictJson.text(epk, "crv").orElse(""))) {
      throw new PayloadRejectedException(
          RejectionReason.INVALID_EPHEMERAL_KEY, "epk is not an EC P-256 key");
    }
    DecodedPart x = coordinate(epk, "x");
    DecodedPart y = coordinate(epk, "y");
    if (!P256.onCurve(new BigInteger(1, x.bytes), new BigInteger(1, y.bytes))) {
      throw new PayloadRejectedException(
          RejectionReason.INVALID_EPHEMERAL_KEY, "epk is not a point on P-256");
    }
    return new Coordinates(x, y);
  }

  /** An ephemeral public key's coordinates, each decoded once. */
  private record Coordinates(DecodedPart x, DecodedPart y) {}

  private static DecodedPart coordinate(JsonNode epk, String name) throws PayloadRejectedException {
    String s = StrictJson.text(epk, name).orElse("");
    try {
      byte[] b = Base64.getUrlDecoder().decode(s);
      if (b.length != 32 || s.indexOf('=') >= 0) {
        throw new PayloadRejectedException(
            RejectionReason.INVALID_EPHEMERAL_KEY, "epk." + name + " is not 32 bytes");
      }
      return new DecodedPart(s, b);
    } catch (IllegalArgumentException e) {
      throw new PayloadRejectedException(
          RejectionReason.INVALID_EPHEMERAL_KEY, "epk." + name + " is not base64url");
    }
  }
}
