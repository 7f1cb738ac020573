package dev.sovereign.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * What the host may read of a producer payload without any key: the shape of the compact JWE and
 * its protected header (authenticated by the enclave later, so a forged header only gets the
 * payload rejected inside). The host uses {@code zone} to route and to refuse zones it does not
 * serve (DESIGN section 4).
 */
public record JweEnvelope(String alg, String enc, String kid, String zone) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ZONE = Pattern.compile("[A-Z][A-Z0-9-]{0,15}");

  /** Reads the envelope, or throws a {@link Problem} {@code malformed-payload} saying what is wrong. */
  public static JweEnvelope read(String compact) {
    String[] parts = compact.split("\\.", -1);
    if (parts.length != 5) {
      throw Problem.badRequest("malformed-payload", "a compact JWE has five dot-separated parts");
    }
    for (String p : parts) {
      if (!base64url(p)) {
        throw Problem.badRequest("malformed-payload", "JWE parts must be base64url without padding");
      }
    }
    if (parts[0].isEmpty() || parts[2].isEmpty() || parts[3].isEmpty() || parts[4].isEmpty()) {
      throw Problem.badRequest("malformed-payload", "JWE header, IV, ciphertext and tag must not be empty");
    }
    JsonNode h;
    try {
      h = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
    } catch (Exception e) {
      throw Problem.badRequest("malformed-payload", "the JWE protected header is not base64url JSON");
    }
    if (h == null || !h.isObject()) {
      throw Problem.badRequest("malformed-payload", "the JWE protected header is not a JSON object");
    }
    String alg = text(h, "alg");
    String enc = text(h, "enc");
    String kid = text(h, "kid");
    String zone = text(h, "zone");
    if (!alg.equals("ECDH-ES+A256KW") && !alg.equals("ECDH-ES")) {
      throw Problem.badRequest("malformed-payload", "alg must be ECDH-ES+A256KW or ECDH-ES");
    }
    if (!enc.equals("A256GCM")) {
      throw Problem.badRequest("malformed-payload", "enc must be A256GCM");
    }
    if (!ZONE.matcher(zone).matches()) {
      throw Problem.badRequest("malformed-payload", "zone must be an upper-case zone name such as EU");
    }
    return new JweEnvelope(alg, enc, kid, zone);
  }

  /** Whether {@code s} is base64url without padding ({@code [A-Za-z0-9_-]*}); a loop, not a regex: payloads are KBs. */
  static boolean base64url(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static String text(JsonNode h, String field) {
    JsonNode v = h.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw Problem.badRequest("malformed-payload", "the JWE protected header needs a string '" + field + "'");
    }
    return v.asText();
  }
}
