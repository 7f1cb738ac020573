package dev.sovereign.did;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A DID URL per DID Core section 3.2: {@code did path-abempty [ "?" query ] [ "#" fragment ]}, with
 * path, query and fragment following RFC 3986. Relative references such as {@code #key-1} are
 * resolved against a base DID with {@link #resolve(Did, String)}.
 */
public final class DidUrl {
  private final Did did;
  private final String path;
  private final String query;
  private final String fragment;

  private DidUrl(Did did, String path, String query, String fragment) {
    this.did = did;
    this.path = path;
    this.query = query;
    this.fragment = fragment;
  }

  /**
   * Parses an absolute DID URL; throws {@link InvalidDidException} ({@code invalidDidUrl}, or
   * {@code invalidDid} for the DID part).
   */
  public static DidUrl parse(String input) {
    if (input == null) {
      throw new InvalidDidException(ResolutionError.INVALID_DID_URL, null, "null input");
    }
    int hash = input.indexOf('#');
    String beforeFragment = hash < 0 ? input : input.substring(0, hash);
    String fragment = hash < 0 ? null : input.substring(hash + 1);
    int q = beforeFragment.indexOf('?');
    String beforeQuery = q < 0 ? beforeFragment : beforeFragment.substring(0, q);
    String query = q < 0 ? null : beforeFragment.substring(q + 1);
    int slash = beforeQuery.indexOf('/');
    String didPart = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
    String path = slash < 0 ? "" : beforeQuery.substring(slash);
    Did did = Did.parse(didPart);
    checkChars(input, path, "/", "path");
    if (query != null) {
      checkChars(input, query, "/?", "query");
    }
    if (fragment != null) {
      checkChars(input, fragment, "/?", "fragment");
    }
    return new DidUrl(did, path, query, fragment);
  }

  /**
   * Resolves {@code reference} against {@code base}: absolute DID URLs are parsed as they are; a
   * reference starting with {@code #}, {@code ?} or {@code /} is appended to the base DID.
   */
  public static DidUrl resolve(Did base, String reference) {
    Objects.requireNonNull(base, "base");
    if (reference == null || reference.isEmpty()) {
      throw new InvalidDidException(ResolutionError.INVALID_DID_URL, reference, "empty reference");
    }
    char first = reference.charAt(0);
    if (first == '#' || first == '?' || first == '/') {
      return parse(base + reference);
    }
    return parse(reference);
  }

  /** The DID this URL is rooted at. */
  public Did did() {
    return did;
  }

  /** The path, empty or starting with {@code /}. */
  public String path() {
    return path;
  }

  /** The raw query without {@code ?}. */
  public Optional<String> query() {
    return Optional.ofNullable(query);
  }

  /** The raw fragment without {@code #}. */
  public Optional<String> fragment() {
    return Optional.ofNullable(fragment);
  }

  /** Query parameters in order of appearance (first wins), percent-decoded. */
  public Map<String, String> queryParameters() {
    Map<String, String> out = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.putIfAbsent(decode(k), decode(v));
    }
    return out;
  }

  /**
   * The resolution options this URL asks for through the standard DID parameters {@code versionId}
   * and {@code versionTime} (DID Core section 3.2.1).
   */
  public ResolutionOptions resolutionOptions() {
    Map<String, String> params = queryParameters();
    String versionId = params.get("versionId");
    String versionTime = params.get("versionTime");
    if (versionId != null && versionTime != null) {
      throw new InvalidDidException(
          ResolutionError.INVALID_DID_URL,
          toString(),
          "versionId and versionTime are mutually exclusive");
    }
    if (versionId != null) {
      if (versionId.isEmpty()) {
        throw new InvalidDidException(
            ResolutionError.INVALID_DID_URL, toString(), "empty versionId");
      }
      return ResolutionOptions.atVersion(versionId);
    }
    if (versionTime != null) {
      try {
        return ResolutionOptions.atTime(Instant.parse(versionTime));
      } catch (DateTimeParseException e) {
        throw new InvalidDidException(
            ResolutionError.INVALID_DID_URL, toString(), "versionTime is not an XML datetime");
      }
    }
    return ResolutionOptions.latest();
  }

  @Override
  public String toString() {
    return did
        + path
        + (query == null ? "" : "?" + query)
        + (fragment == null ? "" : "#" + fragment);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DidUrl other && other.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** RFC 3986 pchar (unreserved / pct-encoded / sub-delims / ":" / "@") plus {@code extra}. */
  private static void checkChars(String whole, String part, String extra, String what) {
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c == '%') {
        if (i + 2 >= part.length()
            || !Did.isHex(part.charAt(i + 1))
            || !Did.isHex(part.charAt(i + 2))) {
          throw new InvalidDidException(
              ResolutionError.INVALID_DID_URL, whole, "bad percent-encoding in " + what);
        }
        i += 2;
        continue;
      }
      boolean ok =
          Did.isAlphaNum(c)
              || "-._~".indexOf(c) >= 0
              || "!$&'()*+,;=".indexOf(c) >= 0
              || c == ':'
              || c == '@'
              || extra.indexOf(c) >= 0;
      if (!ok) {
        throw new InvalidDidException(
            ResolutionError.INVALID_DID_URL, whole, "character not allowed in " + what);
      }
    }
  }
}
