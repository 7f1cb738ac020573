package dev.sovereign.enclave.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.crypto.Crypto;
import dev.sovereign.crypto.jose.JoseHeader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Verifies the inner JWS: {@code typ} {@code sovereign-payload+jwt}, {@code kid} a DID URL of the
 * {@code iss} DID, the key found through {@link ProducerKeys}, and {@code alg} fixed by that key's
 * type (Ed25519: {@code EdDSA}, P-256: {@code ES256}), never by the token.
 */
final class JwsPayloadVerifier {
  static final String TYP = "sovereign-payload+jwt";

  /** The inner JWS header's allow-list: exactly these members (the producer library's). */
  static final JoseHeader.Rules HEADER =
      JoseHeader.Rules.of(
          JoseHeader.Member.required("typ", TYP),
          JoseHeader.Member.required("alg", "ES256", "EdDSA"),
          JoseHeader.Member.required("kid"));

  private static final int MAX_TEXT = 256;
  private static final int MAX_SCALE = 20;

  private final ProducerKeys keys;
  private final Crypto crypto;

  JwsPayloadVerifier(ProducerKeys keys, Crypto crypto) {
    this.keys = keys;
    this.crypto = crypto;
  }

  PayloadClaims verify(String compact, SovereigntyPolicy policy) throws PayloadRejectedException {
    String[] parts = compact.split("\\.", -1);
    if (parts.length != 3) {
      throw new PayloadRejectedException(RejectionReason.MALFORMED_JWS, "not 3 compact parts");
    }
    JsonNode h = header(parts[0]);
    String alg = h.get("alg").textValue();
    String kid = h.get("kid").textValue();
    JsonNode c =
        StrictJson.base64urlObject(parts[1])
            .orElseThrow(
                () ->
                    new PayloadRejectedException(
                        RejectionReason.MALFORMED_JWS, "claims are not a JSON object"));
    String iss = text(c, "iss");
    int hash = kid.indexOf('#');
    if (hash < 0 || !kid.substring(0, hash).equals(iss)) {
      throw new PayloadRejectedException(
          RejectionReason.KID_NOT_PRODUCER, "kid is not a DID URL of iss");
    }
    String method = iss.startsWith("did:") ? iss.split(":", 3)[1] : "";
    if (!policy.didMethods().contains(method)) {
      throw new PayloadRejectedException(RejectionReason.PRODUCER_DID_METHOD_NOT_ALLOWED, method);
    }
    // the key must be in the producer DID's current verified document, whatever the payload's
    // iat: iat is chosen by the signer (as a kid's versionTime would be), so a backdated iat must
    // not revive a rotated-away key or a deactivated DID
    PublicKey key = keys.authorizedKey(iss, kid);
    byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    byte[] sig;
    try {
      sig = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new PayloadRejectedException(
          RejectionReason.MALFORMED_JWS, "signature is not base64url");
    }
    verifySignature(crypto, key, alg, input, sig);
    try {
      return claims(c, iss, policy);
    } catch (PayloadRejectedException e) {
      // the claims are iss's own words: what is wrong with them is an authenticated rejection
      throw e.authenticatedBy(iss);
    }
  }

  /**
   * The inner JWS's protected header, checked by {@link JoseHeader} against {@link #HEADER}: a
   * malformed header, a duplicate member or a missing {@code kid} is {@code malformed-jws}; a
   * {@code typ} other than {@value #TYP} is {@code jws-type-invalid}; {@code crit}, a key of its
   * own, {@code alg: none}, an algorithm outside ES256/EdDSA or any other member is {@code
   * jws-algorithm-not-allowed}.
   */
  private static JsonNode header(String part) throws PayloadRejectedException {
    try {
      return JoseHeader.check(part, HEADER);
    } catch (JoseHeader.Rejected e) {
      RejectionReason reason =
          switch (e.fault()) {
            case MALFORMED, DUPLICATE_MEMBER -> RejectionReason.MALFORMED_JWS;
            case MISSING_MEMBER, VALUE_NOT_ALLOWED ->
                switch (e.member()) {
                  case "typ" -> RejectionReason.JWS_TYPE_INVALID;
                  case "kid" -> RejectionReason.MALFORMED_JWS;
                  default -> RejectionReason.JWS_ALGORITHM_NOT_ALLOWED;
                };
            case CRITICAL, EMBEDDED_KEY, UNSECURED, UNKNOWN_MEMBER ->
                RejectionReason.JWS_ALGORITHM_NOT_ALLOWED;
          };
      throw new PayloadRejectedException(reason, e.getMessage());
    }
  }

  private static void verifySignature(
      Crypto crypto, PublicKey key, String alg, byte[] input, byte[] sig)
      throws PayloadRejectedException {
    boolean ok;
    if (key instanceof ECPublicKey ec && P256.isCurve(ec.getParams())) {
      expect(alg, "ES256");
      if (sig.length != 64) {
        throw new PayloadRejectedException(
            RejectionReason.SIGNATURE_INVALID, "ES256 signature is not 64 bytes");
      }
      ok = crypto.verifyEcdsaP1363("SHA256", key, input, sig);
    } else if ("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm())) {
      expect(alg, "EdDSA");
      ok = crypto.verifyEd25519(key, input, sig);
    } else {
      throw new PayloadRejectedException(
          RejectionReason.JWS_ALGORITHM_NOT_ALLOWED,
          "key type " + key.getAlgorithm() + " is not accepted for payloads");
    }
    if (!ok) {
      throw new PayloadRejectedException(
          RejectionReason.SIGNATURE_INVALID, "signature does not verify");
    }
  }

  private static void expect(String alg, String expected) throws PayloadRejectedException {
    if (!expected.equals(alg)) {
      throw new PayloadRejectedException(
          RejectionReason.JWS_ALGORITHM_NOT_ALLOWED,
          "alg " + alg + " for a key that takes " + expected);
    }
  }

  private static PayloadClaims claims(JsonNode c, String iss, SovereigntyPolicy policy)
      throws PayloadRejectedException {
    String jti = text(c, "jti");
    JsonNode iat = c.get("iat");
    // a JSON integer of seconds inside what every Instant operation can hold: 2^63-1, -(2^63-1)
    // and 1e17 are claims, not instants
    if (!PayloadClaims.iatInRange(iat)) {
      throw invalid("iat");
    }
    String round = text(c, "round");
    String dataset = text(c, "dataset");
    String region = text(c, "region");
    JsonNode recs = c.get("records");
    if (recs == null || !recs.isArray() || recs.isEmpty()) {
      throw invalid("records");
    }
    if (recs.size() > policy.limits().maxRecordsPerPayload()) {
      throw new PayloadRejectedException(
          RejectionReason.TOO_MANY_RECORDS, recs.size() + " records");
    }
    List<ProducerRecord> records = new ArrayList<>(recs.size());
    for (JsonNode r : recs) {
      records.add(record(r));
    }
    List<String> creds = new ArrayList<>();
    // credentials: the producer's credential and the accreditations of its issuer chain; with vp
    // the
    // presentation comes first and credentials (optional) holds only accreditations, which are
    // about
    // the authorities and so cannot be presented by the producer
    boolean presentation = c.has("vp");
    if (presentation) {
      creds.add(text(c, "vp", Integer.MAX_VALUE));
    }
    JsonNode cs = c.get("credentials");
    if (cs == null && !presentation) {
      throw new PayloadRejectedException(
          RejectionReason.CREDENTIAL_MISSING, "no vp and no credentials");
    }
    if (cs != null) {
      if (!cs.isArray() || (cs.isEmpty() && !presentation)) {
        throw invalid("credentials");
      }
      if (cs.size() + creds.size() > policy.limits().maxCredentialsPerPayload()) {
        throw new PayloadRejectedException(
            RejectionReason.TOO_MANY_CREDENTIALS, cs.size() + " credentials");
      }
      for (JsonNode e : cs) {
        if (!e.isTextual()) {
          throw invalid("credentials[]");
        }
        creds.add(e.textValue());
      }
    }
    return new PayloadClaims(
        iss,
        jti,
        iat.longValue(),
        round,
        dataset,
        region,
        List.copyOf(records),
        List.copyOf(creds),
        presentation);
  }

  private static ProducerRecord record(JsonNode r) throws PayloadRejectedException {
    if (!r.isObject() || r.size() != 3) {
      throw invalid("record must be {group, metric, value}");
    }
    JsonNode g = r.get("group");
    if (g == null || !g.isObject()) {
      throw invalid("record.group");
    }
    TreeMap<String, String> group = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = g.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()
          || e.getKey().length() > 64
          || e.getValue().textValue().length() > MAX_TEXT) {
        throw invalid("record.group values must be short strings");
      }
      group.put(e.getKey(), e.getValue().textValue());
    }
    String metric = text(r, "metric");
    JsonNode v = r.get("value");
    if (v == null || !v.isNumber()) {
      throw invalid("record.value");
    }
    BigDecimal value = v.decimalValue();
    if (Math.abs(value.scale()) > MAX_SCALE || value.precision() > 34) {
      throw invalid("record.value precision");
    }
    return new ProducerRecord(group, metric, value);
  }

  private static String text(JsonNode o, String name) throws PayloadRejectedException {
    return text(o, name, MAX_TEXT);
  }

  private static String text(JsonNode o, String name, int max) throws PayloadRejectedException {
    JsonNode n = o.get(name);
    if (n == null || !n.isTextual() || n.textValue().isEmpty() || n.textValue().length() > max) {
      throw invalid(name);
    }
    return n.textValue();
  }

  private static PayloadRejectedException invalid(String what) {
    return new PayloadRejectedException(RejectionReason.CLAIMS_INVALID, what);
  }
}
