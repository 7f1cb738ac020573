package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * The enclave's attestation {@code user_data}: RFC 8785 canonical JSON {@code
 * {"did":"did:key:...","policySha256":"<hex>"}}. Parsing is strict: exactly those two string
 * members, in canonical form (sorted, no whitespace), so one document binds one reading.
 */
public record UserData(String did, String policySha256) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Parses verified {@code user_data} bytes. */
  public static UserData parse(byte[] userData) throws RejectedException {
    if (userData == null) {
      throw new RejectedException("user-data-missing", "the document carries no user_data");
    }
    JsonNode n;
    try {
      n = JSON.readTree(userData);
    } catch (IOException e) {
      throw new RejectedException("user-data-malformed", "user_data is not JSON");
    }
    if (n == null
        || !n.isObject()
        || n.size() != 2
        || !n.path("did").isTextual()
        || !n.path("policySha256").isTextual()) {
      throw new RejectedException("user-data-malformed", "user_data must be {did, policySha256}");
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("did") && !f.equals("policySha256")) {
        throw new RejectedException("user-data-malformed", "unexpected member " + f);
      }
    }
    UserData ud = new UserData(n.get("did").asText(), n.get("policySha256").asText());
    String canonical;
    try {
      canonical =
          "{\"did\":"
              + JSON.writeValueAsString(ud.did)
              + ",\"policySha256\":"
              + JSON.writeValueAsString(ud.policySha256)
              + "}";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    if (!canonical.equals(new String(userData, StandardCharsets.UTF_8))) {
      throw new RejectedException(
          "user-data-malformed", "user_data is not in RFC 8785 canonical form");
    }
    if (!ud.did.startsWith("did:key:") || !ud.policySha256.matches("[0-9a-f]{64}")) {
      throw new RejectedException(
          "user-data-malformed", "did must be a did:key and policySha256 64 hex digits");
    }
    return ud;
  }
}
