package dev.sovereign.enclave.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import dev.sovereign.crypto.Crypto;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.text.ParseException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Set;

/**
 * Opens the outer JWE. The protected header is read and checked by us before Nimbus sees it: {@code
 * alg} is {@code ECDH-ES+A256KW} or {@code ECDH-ES}, {@code enc} is {@code A256GCM}, {@code kid} is
 * this enclave's key thumbprint, {@code cty} is {@code JWT}, {@code zone} is present, no {@code
 * zip}, no {@code crit}, and {@code epk} is a P-256 point on the curve. Nimbus then decrypts with
 * the provider {@link Crypto} chose (ECDH on AWS-LC where it loads), handed to it through its JCA
 * context; the private key is re-read once into that provider's own key type.
 */
final class JweOpener {
  private static final Set<String> ALGS = Set.of("ECDH-ES+A256KW", "ECDH-ES");

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

  OpenedPayload open(String compact, int maxBytes) throws PayloadRejectedException {
    if (compact.length() > maxBytes) {
      throw new PayloadRejectedException(
          RejectionReason.PAYLOAD_TOO_LARGE, compact.length() + " bytes > " + maxBytes);
    }
    String[] parts = compact.split("\\.", -1);
    if (parts.length != 5) {
      throw new PayloadRejectedException(RejectionReason.MALFORMED_JWE, "not 5 compact parts");
    }
    JsonNode h =
        StrictJson.base64urlObject(parts[0])
            .orElseThrow(
                () ->
                    new PayloadRejectedException(
                        RejectionReason.MALFORMED_JWE, "protected header is not a JSON object"));
    String alg = StrictJson.text(h, "alg").orElse("");
    if (!ALGS.contains(alg)
        || !"A256GCM".equals(StrictJson.text(h, "enc").orElse(""))
        || h.has("zip")
        || h.has("crit")) {
      throw new PayloadRejectedException(
          RejectionReason.JWE_ALGORITHM_NOT_ALLOWED, "alg/enc/zip/crit");
    }
    if (!kid.equals(StrictJson.text(h, "kid").orElse(null))) {
      throw new PayloadRejectedException(
          RejectionReason.JWE_KID_MISMATCH, "kid is not this enclave's key");
    }
    String zone =
        StrictJson.text(h, "zone")
            .orElseThrow(
                () ->
                    new PayloadRejectedException(
                        RejectionReason.JWE_ZONE_MISSING, "no zone header"));
    if (!"JWT".equals(StrictJson.text(h, "cty").orElse(""))) {
      throw new PayloadRejectedException(RejectionReason.MALFORMED_JWE, "cty is not JWT");
    }
    if ("ECDH-ES".equals(alg) && !parts[1].isEmpty()) {
      throw new PayloadRejectedException(
          RejectionReason.MALFORMED_JWE, "ECDH-ES with an encrypted key");
    }
    checkEphemeralKey(h.get("epk"));
    try {
      JWEObject jwe = JWEObject.parse(compact);
      ECDHDecrypter decrypter = new ECDHDecrypter(key);
      decrypter.getJCAContext().setProvider(crypto.provider());
      jwe.decrypt(decrypter);
      byte[] plain = jwe.getPayload().toBytes();
      if (plain.length > maxBytes) {
        throw new PayloadRejectedException(
            RejectionReason.PAYLOAD_TOO_LARGE, "plaintext larger than the limit");
      }
      return new OpenedPayload(zone, new String(plain, StandardCharsets.UTF_8));
    } catch (ParseException e) {
      throw new PayloadRejectedException(
          RejectionReason.MALFORMED_JWE, "Nimbus could not parse it", e);
    } catch (JOSEException | RuntimeException e) {
      // RuntimeException too: a provider may refuse a key with an unchecked exception (AWS-LC's
      // RuntimeCryptoException, Bouncy Castle's IllegalArgumentException); it is this payload's
      // failure, never the batch's
      throw new PayloadRejectedException(
          RejectionReason.DECRYPTION_FAILED, "key unwrap or AES-GCM failed", e);
    }
  }

  private static void checkEphemeralKey(JsonNode epk) throws PayloadRejectedException {
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
    BigInteger x = coordinate(epk, "x");
    BigInteger y = coordinate(epk, "y");
    if (!P256.onCurve(x, y)) {
      throw new PayloadRejectedException(
          RejectionReason.INVALID_EPHEMERAL_KEY, "epk is not a point on P-256");
    }
  }

  private static BigInteger coordinate(JsonNode epk, String name) throws PayloadRejectedException {
    String s = StrictJson.text(epk, name).orElse("");
    try {
      byte[] b = Base64.getUrlDecoder().decode(s);
      if (b.length != 32 || s.indexOf('=') >= 0) {
        throw new PayloadRejectedException(
            RejectionReason.INVALID_EPHEMERAL_KEY, "epk." + name + " is not 32 bytes");
      }
      return new BigInteger(1, b);
    } catch (IllegalArgumentException e) {
      throw new PayloadRejectedException(
          RejectionReason.INVALID_EPHEMERAL_KEY, "epk." + name + " is not base64url");
    }
  }
}
