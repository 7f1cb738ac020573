package dev.sovereign.vc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;

/**
 * A compact JWS split and parsed, not verified: the Nimbus-parsed protected header, the payload as
 * a JSON object, the signing input and the signature bytes. {@code alg: none} and unsigned tokens
 * fail here with {@link ReasonCode#ALG_NONE}; algorithms outside {@link JwsAlgorithm} with
 * ALG_NOT_ALLOWED.
 */
record CompactJws(
    JWSHeader header,
    JwsAlgorithm algorithm,
    ObjectNode payload,
    byte[] signingInput,
    byte[] signature) {

  /**
   * Parsed protected headers by their base64url text. An issuer's tokens share one header, and a
   * Nimbus header is immutable and a pure function of that text, so parsing it once is safe.
   */
  private static final java.util.Map<String, Header> HEADERS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final int MAX_CACHED_HEADERS = 1024;

  /** Upper bound on a token we read at all (1 MB), checked before any decoding. */
  static final int MAX_LENGTH = 1 << 20;

  static CompactJws parse(String token, VerificationReport.Builder report, String subject)
      throws CredentialRejectedException {
    if (token == null || token.length() > MAX_LENGTH) {
      throw report.fail(
          subject, "parse", ReasonCode.MALFORMED, "token missing or longer than " + MAX_LENGTH);
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 < 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      throw report.fail(
          subject, "parse", ReasonCode.MALFORMED, "not a compact JWS (three dot-separated parts)");
    }
    String headerPart = token.substring(0, dot1);
    Header header = HEADERS.get(headerPart);
    if (header == null) {
      try {
        header = Header.parse(new Base64URL(headerPart));
      } catch (ParseException e) {
        throw report.fail(
            subject, "parse", ReasonCode.MALFORMED, "protected header: " + e.getMessage());
      }
      if (HEADERS.size() >= MAX_CACHED_HEADERS) {
        HEADERS.clear();
      }
      HEADERS.put(headerPart, header);
    }
    if (header instanceof PlainHeader) {
      throw report.fail(
          subject,
          "algorithm",
          ReasonCode.ALG_NONE,
          "alg none: unsecured tokens are never accepted");
    }
    if (!(header instanceof JWSHeader jwsHeader)) {
      throw report.fail(subject, "parse", ReasonCode.MALFORMED, "not a JWS header");
    }
    if (dot2 == token.length() - 1) {
      throw report.fail(subject, "algorithm", ReasonCode.ALG_NONE, "empty signature");
    }
    var alg = JwsAlgorithm.fromJoseName(jwsHeader.getAlgorithm().getName());
    if (alg.isEmpty()) {
      throw report.fail(
          subject,
          "algorithm",
          ReasonCode.ALG_NOT_ALLOWED,
          "alg "
              + jwsHeader.getAlgorithm().getName()
              + " is not one of EdDSA, ES256, ES256K, ES256K-R");
    }
    if (jwsHeader.getCriticalParams() != null && !jwsHeader.getCriticalParams().isEmpty()) {
      throw report.fail(
          subject,
          "parse",
          ReasonCode.UNSUPPORTED_CRITICAL_HEADER,
          "crit " + jwsHeader.getCriticalParams());
    }
    if (!jwsHeader.isBase64URLEncodePayload()) {
      throw report.fail(
          subject,
          "parse",
          ReasonCode.UNSUPPORTED_CRITICAL_HEADER,
          "b64=false payloads are not accepted");
    }
    // One ASCII copy of the token: the signing input is its prefix, and the payload and signature
    // are decoded straight from its ranges (no substring, no second Latin-1 copy inside the
    // decoder). A character outside ASCII becomes '?', outside the alphabet, so it is refused as
    // before.
    byte[] ascii = token.getBytes(StandardCharsets.US_ASCII);
    ObjectNode payload;
    byte[] sig;
    try {
      payload = Json.object(decode(ascii, dot1 + 1, dot2));
      sig = decode(ascii, dot2 + 1, ascii.length);
    } catch (Json.Malformed | IllegalArgumentException e) {
      throw report.fail(
          subject, "parse", ReasonCode.MALFORMED, "payload or signature: " + e.getMessage());
    }
    byte[] signingInput = java.util.Arrays.copyOf(ascii, dot2);
    return new CompactJws(jwsHeader, alg.get(), payload, signingInput, sig);
  }

  /**
   * Strict base64url: no padding, no characters outside the alphabet. {@link
   * java.util.Base64#getUrlDecoder()} refuses every character outside the alphabet but {@code =}
   * (padding), which is refused here.
   */
  private static byte[] decode(byte[] ascii, int from, int to) {
    for (int i = from; i < to; i++) {
      if (ascii[i] == '=') {
        throw new IllegalArgumentException("not base64url");
      }
    }
    java.nio.ByteBuffer out =
        java.util.Base64.getUrlDecoder().decode(java.nio.ByteBuffer.wrap(ascii, from, to - from));
    return out.remaining() == out.capacity() && out.arrayOffset() == 0
        ? out.array()
        : java.util.Arrays.copyOfRange(out.array(), out.arrayOffset(), out.limit());
  }
}
