package dev.sovereign.keybroker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A KMS key policy: the same JSON document a user attaches to a key in AWS, evaluated the way KMS
 * does for the conditions Sovereign relies on.
 *
 * <p>Supported: {@code Version}, {@code Statement} (object or array) with {@code Sid}, {@code
 * Effect}, {@code Principal} (every caller of the local broker is the one local account, so any
 * principal matches), {@code Action} ({@code kms:*}-style wildcards), {@code Resource} and {@code
 * Condition} with the operators {@code StringEquals}, {@code StringNotEquals}, {@code
 * StringEqualsIgnoreCase}, {@code StringNotEqualsIgnoreCase}, {@code StringLike}, {@code
 * StringNotLike} (each also with {@code IfExists}) and {@code Null}. Condition keys: {@code
 * kms:RecipientAttestation:ImageSha384}, {@code kms:RecipientAttestation:PCR0..PCR31}, {@code
 * kms:EncryptionContext:<key>}, and the extension {@value #POLICY_HASH_KEY}. Anything else ({@code
 * NotAction}, {@code NotPrincipal}, other operators) is refused when the key is created: a policy
 * the broker cannot evaluate exactly must not silently mean something else.
 *
 * <p>Semantics as in IAM: an explicit Deny wins; otherwise some Allow must match; within one
 * condition block all keys must hold, and a list of values for one key matches if any does. A key
 * absent from the request (no {@code Recipient}) makes positive operators false and negated ones
 * true, so an Allow conditioned on {@code ImageSha384} never allows a call without a recipient.
 */
public final class KeyPolicy {
  /**
   * Extension condition key: SHA-256 policy hash bound in the attestation document's {@code
   * user_data}, hex.
   */
  public static final String POLICY_HASH_KEY = "sovereign:RecipientAttestation:PolicyHash";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> OPERATORS =
      Set.of(
          "StringEquals",
          "StringNotEquals",
          "StringEqualsIgnoreCase",
          "StringNotEqualsIgnoreCase",
          "StringLike",
          "StringNotLike",
          "Null");
  private static final Pattern PCR_KEY =
      Pattern.compile("kms:recipientattestation:pcr([0-9]|[12][0-9]|3[01])");

  private final String document;
  private final List<Statement> statements;

  private KeyPolicy(String document, List<Statement> statements) {
    this.document = document;
    this.statements = statements;
  }

  /**
   * Parses and validates a policy document; anything unsupported is a
   * MalformedPolicyDocumentException.
   */
  public static KeyPolicy parse(String document) throws KmsError {
    JsonNode root;
    try {
      root = JSON.readTree(document);
    } catch (IOException e) {
      throw KmsError.malformedPolicy("policy is not JSON");
    }
    if (root == null || !root.isObject() || root.get("Statement") == null) {
      throw KmsError.malformedPolicy("policy has no Statement");
    }
    JsonNode st = root.get("Statement");
    List<Statement> out = new ArrayList<>();
    if (st.isArray()) {
      for (JsonNode s : st) {
        out.add(Statement.parse(s));
      }
    } else {
      out.add(Statement.parse(st));
    }
    if (out.isEmpty()) {
      throw KmsError.malformedPolicy("policy has no statements");
    }
    return new KeyPolicy(document, List.copyOf(out));
  }

  /** The document as given. */
  public String document() {
    return document;
  }

  /**
   * Evaluates {@code action} (e.g. {@code kms:Decrypt}) with single-valued condition keys. Returns
   * normally when allowed, else throws AccessDenied with the reason of the closest Allow.
   */
  public void authorize(String action, Map<String, String> keys) throws KmsError {
    for (Statement s : statements) {
      if (!s.allow && s.matchesAction(action) && s.failingKeys(keys).isEmpty()) {
        throw KmsError.accessDenied(
            KeyReleaseRefusal.POLICY_DENIED,
            "EXPLICIT_DENY",
            "statement " + s.sid + " denies " + action);
      }
    }
    List<String> closest = null;
    for (Statement s : statements) {
      if (s.allow && s.matchesAction(action)) {
        List<String> failing = s.failingKeys(keys);
        if (failing.isEmpty()) {
          return;
        }
        if (closest == null || failing.size() < closest.size()) {
          closest = failing;
        }
      }
    }
    if (closest == null) {
      throw KmsError.accessDenied(
          KeyReleaseRefusal.POLICY_DENIED, "NO_ALLOW", "no statement allows " + action);
    }
    throw KmsError.accessDenied(
        classify(closest), null, "conditions not met for " + action + ": " + closest);
  }

  private static KeyReleaseRefusal classify(List<String> failing) {
    for (String k : failing) {
      if (k.equalsIgnoreCase("kms:RecipientAttestation:ImageSha384")
          || k.matches("(?i)kms:RecipientAttestation:PCR([0-2]|8)")) {
        return KeyReleaseRefusal.PCR_NOT_ALLOWED;
      }
    }
    for (String k : failing) {
      if (k.matches("(?i)kms:RecipientAttestation:PCR[34]")) {
        return KeyReleaseRefusal.HOST_NOT_ALLOWED;
      }
    }
    for (String k : failing) {
      if (k.equalsIgnoreCase(POLICY_HASH_KEY)
          || k.equalsIgnoreCase("kms:EncryptionContext:sovereign:policy-hash")) {
        return KeyReleaseRefusal.POLICY_HASH_MISMATCH;
      }
    }
    return KeyReleaseRefusal.POLICY_DENIED;
  }

  private record Condition(String operator, boolean ifExists, String key, List<String> values) {
    boolean holds(Map<String, String> keys) {
      String actual = lookup(keys, key);
      if (operator.equals("Null")) {
        boolean wantAbsent = values.stream().anyMatch(v -> v.equalsIgnoreCase("true"));
        return wantAbsent == (actual == null);
      }
      if (actual == null) {
        return ifExists || operator.contains("Not");
      }
      boolean any = false;
      for (String v : values) {
        any |=
            switch (operator) {
              case "StringEquals", "StringNotEquals" -> actual.equals(v);
              case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase" ->
                  actual.equalsIgnoreCase(v);
              case "StringLike", "StringNotLike" -> glob(v).matcher(actual).matches();
              default -> false;
            };
      }
      return operator.contains("Not") != any;
    }
  }

  /**
   * Condition keys are case-insensitive in IAM; encryption-context keys keep their case after the
   * prefix.
   */
  private static String lookup(Map<String, String> keys, String key) {
    for (Map.Entry<String, String> e : keys.entrySet()) {
      if (e.getKey().equalsIgnoreCase(key)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static Pattern glob(String v) {
    StringBuilder re = new StringBuilder();
    for (char c : v.toCharArray()) {
      re.append(
          switch (c) {
            case '*' -> ".*";
            case '?' -> ".";
            default -> Pattern.quote(String.valueOf(c));
          });
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  private static final class Statement {
    final String sid;
    final boolean allow;
    final List<Pattern> actions;
    final List<Condition> conditions;

    Statement(String sid, boolean allow, List<Pattern> actions, List<Condition> conditions) {
      this.sid = sid;
      this.allow = allow;
      this.actions = actions;
      this.conditions = conditions;
    }

    static Statement parse(JsonNode s) throws KmsError {
      if (!s.isObject()) {
        throw KmsError.malformedPolicy("statement is not an object");
      }
      for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!Set.of("Sid", "Effect", "Principal", "Action", "Resource", "Condition").contains(f)) {
          throw KmsError.malformedPolicy("unsupported statement element " + f);
        }
      }
      String sid = s.path("Sid").asText("(no Sid)");
      String effect = s.path("Effect").asText("");
      if (!effect.equals("Allow") && !effect.equals("Deny")) {
        throw KmsError.malformedPolicy("Effect must be Allow or Deny");
      }
      if (s.get("Principal") == null || s.get("Action") == null) {
        throw KmsError.malformedPolicy("statement " + sid + " needs Principal and Action");
      }
      if (s.get("Action").isObject()) {
        throw KmsError.malformedPolicy("Action must be a string or a list of strings");
      }
      List<Pattern> actions = new ArrayList<>();
      for (String a : strings(s.get("Action"))) {
        actions.add(Pattern.compile(glob(a.toLowerCase(Locale.ROOT)).pattern()));
      }
      List<Condition> conditions = new ArrayList<>();
      JsonNode cond = s.get("Condition");
      if (cond != null) {
        if (!cond.isObject()) {
          throw KmsError.malformedPolicy("Condition is not an object");
        }
        for (Map.Entry<String, JsonNode> op : cond.properties()) {
          String name = op.getKey();
          boolean ifExists = name.endsWith("IfExists");
          String base = ifExists ? name.substring(0, name.length() - "IfExists".length()) : name;
          if (!OPERATORS.contains(base)
              || (ifExists && base.equals("Null"))
              || !op.getValue().isObject()) {
            throw KmsError.malformedPolicy("unsupported condition operator " + name);
          }
          for (Map.Entry<String, JsonNode> e : op.getValue().properties()) {
            checkKey(e.getKey());
            conditions.add(new Condition(base, ifExists, e.getKey(), strings(e.getValue())));
          }
        }
      }
      return new Statement(
          sid, effect.equals("Allow"), List.copyOf(actions), List.copyOf(conditions));
    }

    boolean matchesAction(String action) {
      String a = action.toLowerCase(Locale.ROOT);
      return actions.stream().anyMatch(p -> p.matcher(a).matches());
    }

    List<String> failingKeys(Map<String, String> keys) {
      List<String> failing = new ArrayList<>();
      for (Condition c : conditions) {
        if (!c.holds(keys)) {
          failing.add(c.key);
        }
      }
      return failing;
    }
  }

  private static void checkKey(String key) throws KmsError {
    String k = key.toLowerCase(Locale.ROOT);
    if (k.equals("kms:recipientattestation:imagesha384")
        || PCR_KEY.matcher(k).matches()
        || k.startsWith("kms:encryptioncontext:")
        || k.equals(POLICY_HASH_KEY.toLowerCase(Locale.ROOT))) {
      return;
    }
    throw KmsError.malformedPolicy("condition key not supported by the local broker: " + key);
  }

  private static List<String> strings(JsonNode n) throws KmsError {
    List<String> out = new ArrayList<>();
    if (n.isTextual() || n.isBoolean() || n.isNumber()) {
      out.add(n.asText());
    } else if (n.isArray()) {
      for (JsonNode v : n) {
        if (!(v.isTextual() || v.isBoolean() || v.isNumber())) {
          throw KmsError.malformedPolicy("condition values must be strings");
        }
        out.add(v.asText());
      }
    } else {
      throw KmsError.malformedPolicy("expected a string or a list of strings");
    }
    return out;
  }

  /** Looks up a value (case-insensitive key) as the evaluator does; for tests and audit. */
  static Optional<String> value(Map<String, String> keys, String key) {
    return Optional.ofNullable(lookup(keys, key));
  }
}
