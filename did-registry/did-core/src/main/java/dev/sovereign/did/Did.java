package dev.sovereign.did;

import java.util.Objects;

/**
 * A syntactically valid DID, {@code did:<method>:<method-specific-id>}, per the DID Core ABNF
 * (section 3.1):
 *
 * <pre>
 * did                = "did:" method-name ":" method-specific-id
 * method-name        = 1*method-char
 * method-char        = %x61-7A / DIGIT
 * method-specific-id = *( *idchar ":" ) 1*idchar
 * idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
 * pct-encoded        = "%" HEXDIG HEXDIG
 * </pre>
 *
 * Method-specific rules (e.g. that a did:key decodes to a point on the curve) are checked by the
 * method's resolver, not here. Equality is exact string equality, as DID Core requires.
 */
public record Did(String method, String methodSpecificId) {

  /** Validates both parts; throws {@link InvalidDidException} with {@code invalidDid}. */
  public Did {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(methodSpecificId, "methodSpecificId");
    String whole = "did:" + method + ":" + methodSpecificId;
    checkMethodName(method, whole);
    checkMethodSpecificId(methodSpecificId, whole);
  }

  /** Parses a bare DID (no path, query or fragment). */
  public static Did parse(String input) {
    if (input == null) {
      throw new InvalidDidException(ResolutionError.INVALID_DID, null, "null input");
    }
    if (!input.startsWith("did:")) {
      throw new InvalidDidException(
          ResolutionError.INVALID_DID, input, "does not start with 'did:'");
    }
    int colon = input.indexOf(':', 4);
    if (colon < 0) {
      throw new InvalidDidException(ResolutionError.INVALID_DID, input, "no method-specific id");
    }
    return new Did(input.substring(4, colon), input.substring(colon + 1));
  }

  /** True when {@code input} parses as a bare DID. */
  public static boolean isValid(String input) {
    try {
      parse(input);
      return true;
    } catch (InvalidDidException e) {
      return false;
    }
  }

  /** The DID URL made of this DID and a fragment, e.g. {@code did:key:z6Mk...#z6Mk...}. */
  public DidUrl withFragment(String fragment) {
    return DidUrl.parse(this + "#" + fragment);
  }

  /** The DID as a URL without path, query or fragment. */
  public DidUrl toUrl() {
    return DidUrl.parse(toString());
  }

  @Override
  public String toString() {
    return "did:" + method + ":" + methodSpecificId;
  }

  private static void checkMethodName(String method, String whole) {
    if (method.isEmpty()) {
      throw new InvalidDidException(ResolutionError.INVALID_DID, whole, "empty method name");
    }
    for (int i = 0; i < method.length(); i++) {
      char c = method.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
        throw new InvalidDidException(
            ResolutionError.INVALID_DID,
            whole,
            "method name may hold only a-z and 0-9, found '" + c + "'");
      }
    }
  }

  private static void checkMethodSpecificId(String id, String whole) {
    if (id.isEmpty() || id.endsWith(":")) {
      throw new InvalidDidException(
          ResolutionError.INVALID_DID,
          whole,
          "method-specific id must end with at least one idchar");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c == '%') {
        if (i + 2 >= id.length() || !isHex(id.charAt(i + 1)) || !isHex(id.charAt(i + 2))) {
          throw new InvalidDidException(
              ResolutionError.INVALID_DID, whole, "bad percent-encoding at " + i);
        }
        i += 2;
      } else if (!(isAlphaNum(c) || c == '.' || c == '-' || c == '_' || c == ':')) {
        throw new InvalidDidException(
            ResolutionError.INVALID_DID,
            whole,
            "character not allowed in a method-specific id at " + i);
      }
    }
  }

  static boolean isAlphaNum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
