package dev.sovereign.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hostile variants of a genuine compact JWS/JWE protected header, as raw JSON (a duplicate member
 * cannot be built with a JSON library): each variant is the genuine header with one attack.
 *
 * <ul>
 *   <li>{@code crit}: a critical extension the verifier would have to understand;
 *   <li>{@code unknown-member}: a member outside the allow-list;
 *   <li>{@code alg-none}: {@code alg} replaced by {@code none};
 *   <li>{@code jwk}, {@code jku}, {@code x5u}: the header names a key of its own;
 *   <li>{@code duplicate-kid}: a second {@code kid} naming another key (parsers disagree on which
 *       one wins).
 * </ul>
 */
public final class HostileHeaders {
  private static final String ATTACKER_JWK =
      "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";

  private HostileHeaders() {}

  /**
   * The variants of {@code genuine} (a JSON object with {@code alg} and {@code kid}), by attack
   * name.
   */
  public static Map<String, String> of(String genuine) {
    String g = genuine.strip();
    if (!g.startsWith("{")
        || !g.endsWith("}")
        || !g.contains("\"alg\"")
        || !g.contains("\"kid\"")) {
      throw new IllegalArgumentException("a header object with alg and kid: " + genuine);
    }
    Map<String, String> m = new LinkedHashMap<>();
    m.put("crit", add(g, "\"crit\":[\"exp\"],\"exp\":1"));
    m.put("unknown-member", add(g, "\"x-extra\":\"1\""));
    m.put("alg-none", g.replaceFirst("\"alg\"\\s*:\\s*\"[^\"]*\"", "\"alg\":\"none\""));
    m.put("jwk", add(g, "\"jwk\":" + ATTACKER_JWK));
    m.put("jku", add(g, "\"jku\":\"https://attacker.example/keys.json\""));
    m.put("x5u", add(g, "\"x5u\":\"https://attacker.example/cert.pem\""));
    m.put("duplicate-kid", add(g, "\"kid\":\"did:example:attacker#key-1\""));
    return m;
  }

  /** The same variants, each base64url-encoded without padding (a compact token's first part). */
  public static Map<String, String> encoded(String genuine) {
    Map<String, String> m = new LinkedHashMap<>();
    of(genuine)
        .forEach(
            (k, v) ->
                m.put(
                    k,
                    Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return m;
  }

  private static String add(String header, String members) {
    return header.substring(0, header.length() - 1) + "," + members + "}";
  }
}
