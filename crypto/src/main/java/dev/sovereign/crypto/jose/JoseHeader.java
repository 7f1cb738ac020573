package dev.sovereign.crypto.jose;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The one strict check of a compact JWS or JWE protected header, before any library reads it.
 *
 * <p>A header is accepted only if it is base64url (no padding) of exactly one JSON object without
 * duplicate members, has no {@code crit}, names no key of its own ({@code jwk}, {@code jku}, {@code
 * x5u}, {@code x5c}, {@code x5t}, {@code x5t#S256}), is not unsecured ({@code alg: none}), carries
 * no member outside its {@link Rules} and every member of the rules with a value they allow. Each
 * caller keeps its allow-list as data (a {@link Rules}) and maps a {@link Fault} to its own stable
 * reason code.
 *
 * <p>The order of the checks is fixed (the order of {@link Fault}), so one header with several
 * faults always gives the same first one.
 */
public final class JoseHeader {
  /** What is wrong with a header, in the order the checks run. */
  public enum Fault {
    /** Not base64url without padding, not JSON, not one object, or nested too deep. */
    MALFORMED,
    /** A member name appears twice (parsers disagree on which one wins). */
    DUPLICATE_MEMBER,
    /** {@code crit}: extensions this verifier would have to understand. */
    CRITICAL,
    /** The header names or carries a key ({@code jwk}, {@code jku}, {@code x5u}, ...). */
    EMBEDDED_KEY,
    /** {@code alg: none} (any case): an unsecured token. */
    UNSECURED,
    /** A member outside the rules' allow-list. */
    UNKNOWN_MEMBER,
    /** A required member is absent. */
    MISSING_MEMBER,
    /** A member has the wrong JSON type or a value outside those its rule allows. */
    VALUE_NOT_ALLOWED
  }

  /** Header members that name or carry a key: never taken from a header. */
  public static final Set<String> KEY_MEMBERS =
      Set.of("jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256");

  /** How deep a header may nest (an {@code epk} is an object of strings: depth 2). */
  static final int MAX_DEPTH = 4;

  private static final ObjectMapper STRICT =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                  .build())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  /** The kinds of value a member may have. */
  public enum Kind {
    /** A JSON string; with values, one of them. */
    TEXT,
    /** A JSON object (e.g. {@code epk}; its content is the caller's to check). */
    OBJECT
  }

  /**
   * One allowed member: its name, whether it must be present, its kind and, for text, the values
   * allowed (empty: any string).
   */
  public record Member(String name, boolean required, Kind kind, Set<String> values) {
    public Member {
      Objects.requireNonNull(name);
      Objects.requireNonNull(kind);
      values = Set.copyOf(values);
      if (kind == Kind.OBJECT && !values.isEmpty()) {
        throw new IllegalArgumentException("an object member has no value list");
      }
    }

    /** A required string member with one of {@code values} (none given: any string). */
    public static Member required(String name, String... values) {
      return new Member(name, true, Kind.TEXT, Set.of(values));
    }

    /** An optional string member with one of {@code values} (none given: any string). */
    public static Member optional(String name, String... values) {
      return new Member(name, false, Kind.TEXT, Set.of(values));
    }

    /** An optional object member. */
    public static Member optionalObject(String name) {
      return new Member(name, false, Kind.OBJECT, Set.of());
    }
  }

  /** A header's allow-list: the only members it may carry, in the order they are checked. */
  public record Rules(List<Member> members) {
    public Rules {
      members = List.copyOf(members);
      Map<String, Member> seen = new LinkedHashMap<>();
      for (Member m : members) {
        if (seen.put(m.name(), m) != null) {
          throw new IllegalArgumentException("member " + m.name() + " listed twice");
        }
        if (m.name().equals("crit") || KEY_MEMBERS.contains(m.name())) {
          throw new IllegalArgumentException(m.name() + " is never allowed");
        }
      }
    }

    public static Rules of(Member... members) {
      return new Rules(List.of(members));
    }

    Member member(String name) {
      for (Member m : members) {
        if (m.name().equals(name)) {
          return m;
        }
      }
      return null;
    }
  }

  /** A refused header: the fault and, where there is one, the member it concerns. */
  public static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;
    private final Fault fault;
    private final String member;

    Rejected(Fault fault, String member, String message) {
      super(message, null, false, false);
      this.fault = fault;
      this.member = member;
    }

    public Fault fault() {
      return fault;
    }

    /** The member the fault concerns, or null (malformed, duplicate). */
    public String member() {
      return member;
    }
  }

  private JoseHeader() {}

  /**
   * Checks the base64url protected header {@code part} against {@code rules}; answers the header
   * object, whose members are exactly those the rules allow.
   */
  public static JsonNode check(String part, Rules rules) throws Rejected {
    JsonNode h = parse(part);
    if (h.has("crit")) {
      throw new Rejected(Fault.CRITICAL, "crit", "crit is not accepted");
    }
    for (String k : KEY_MEMBERS) {
      if (h.has(k)) {
        throw new Rejected(Fault.EMBEDDED_KEY, k, "the header names its own key (" + k + ")");
      }
    }
    JsonNode alg = h.get("alg");
    if (alg != null && alg.isTextual() && alg.textValue().equalsIgnoreCase("none")) {
      throw new Rejected(Fault.UNSECURED, "alg", "alg none: unsecured tokens are never accepted");
    }
    for (Iterator<String> names = h.fieldNames(); names.hasNext(); ) {
      String n = names.next();
      if (rules.member(n) == null) {
        throw new Rejected(Fault.UNKNOWN_MEMBER, n, "header member " + quoted(n) + " not allowed");
      }
    }
    for (Member m : rules.members()) {
      JsonNode v = h.get(m.name());
      if (v == null) {
        if (m.required()) {
          throw new Rejected(Fault.MISSING_MEMBER, m.name(), m.name() + " is missing");
        }
        continue;
      }
      boolean ok =
          switch (m.kind()) {
            case TEXT ->
                v.isTextual() && (m.values().isEmpty() || m.values().contains(v.textValue()));
            case OBJECT -> v.isObject();
          };
      if (!ok) {
        throw new Rejected(
            Fault.VALUE_NOT_ALLOWED,
            m.name(),
            m.name()
                + (m.values().isEmpty() ? " has the wrong type" : " is not one of " + m.values()));
      }
    }
    return h;
  }

  private static JsonNode parse(String part) throws Rejected {
    if (part.isEmpty() || part.indexOf('=') >= 0) {
      throw new Rejected(Fault.MALFORMED, null, "the header is not base64url without padding");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(part);
    } catch (IllegalArgumentException e) {
      throw new Rejected(Fault.MALFORMED, null, "the header is not base64url");
    }
    JsonNode n;
    try {
      n = STRICT.readTree(bytes);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("Duplicate field")) {
        throw new Rejected(Fault.DUPLICATE_MEMBER, null, "a header member appears twice");
      }
      throw new Rejected(Fault.MALFORMED, null, "the header is not JSON");
    }
    if (n == null || !n.isObject()) {
      throw new Rejected(Fault.MALFORMED, null, "the header is not a JSON object");
    }
    return n;
  }

  /** A member name for a message: printable ASCII only, at most 32 characters. */
  private static String quoted(String name) {
    StringBuilder b = new StringBuilder("'");
    for (int i = 0; i < name.length() && i < 32; i++) {
      char c = name.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.append(name.length() > 32 ? "...'" : "'").toString();
  }
}
