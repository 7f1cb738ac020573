package dev.sovereign.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
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

  /**
   * Reads the envelope, or throws a {@link Problem} {@code malformed-payload} saying what is wrong.
   */
  public static JweEnvelope read(String compact) {
    // one pass over the bytes (a Latin-1 string's copy; any other character becomes '?', which is
    // refused)
    // instead of a split into five copies and a charAt loop per part: payloads are KBs and every
    // submit reads one
    byte[] b = compact.getBytes(StandardCharsets.ISO_8859_1);
    int[] dots = new int[4];
    int n = 0;
    boolean base64url = true;
    for (int i = 0; i < b.length; i++) {
      byte c = b[i];
      if (c == '.') {
        if (n == dots.length) {
          throw Problem.badRequest(
              "malformed-payload", "a compact JWE has five dot-separated parts");
        }
        dots[n++] = i;
      } else if (c < 0 || !BASE64URL[c]) {
        base64url = false;
      }
    }
    if (n != dots.length) {
      throw Problem.badRequest("malformed-payload", "a compact JWE has five dot-separated parts");
    }
    if (!base64url) {
      throw Problem.badRequest("malformed-payload", "JWE parts must be base64url without padding");
    }
    // header, IV, ciphertext and tag are parts 0, 2, 3 and 4 (part 1, the encrypted key, is empty
    // for ECDH-ES)
    if (dots[0] == 0
        || dots[2] == dots[1] + 1
        || dots[3] == dots[2] + 1
        || dots[3] == b.length - 1) {
      throw Problem.badRequest(
          "malformed-payload", "JWE header, IV, ciphertext and tag must not be empty");
    }
    byte[] header = java.util.Arrays.copyOf(b, dots[0]);
    JsonNode h;
    try {
      h = JSON.readTree(Base64.getUrlDecoder().decode(header));
    } catch (Exception e) {
      throw Problem.badRequest(
          "malformed-payload", "the JWE protected header is not base64url JSON");
    }
    if (h == null || !h.isObject()) {
      throw Problem.badRequest(
          "malformed-payload", "the JWE protected header is not a JSON object");
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
      throw Problem.badRequest(
          "malformed-payload", "zone must be an upper-case zone name such as EU");
    }
    return new JweEnvelope(alg, enc, kid, zone);
  }

  /** The base64url alphabet without padding ({@code [A-Za-z0-9_-]}), indexed by ASCII code. */
  private static final boolean[] BASE64URL = new boolean[128];

  static {
    for (char c = 'A'; c <= 'Z'; c++) {
      BASE64URL[c] = true;
      BASE64URL[Character.toLowerCase(c)] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      BASE64URL[c] = true;
    }
    BASE64URL['_'] = true;
    BASE64URL['-'] = true;
  }

  private static String text(JsonNode h, String field) {
    JsonNode v = h.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw Problem.badRequest(
          "malformed-payload", "the JWE protected header needs a string '" + field + "'");
    }
    return v.asText();
  }
}
