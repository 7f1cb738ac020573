package dev.sovereign.enclave.policy;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Typed readers over parsed YAML that record every problem as {@code path: problem} instead of
 * stopping at the first. The policy records read their own sections through one of these ({@code
 * SovereigntyPolicy.Zone.read} and so on); {@link PolicyLoader} throws the collected problems.
 */
final class PolicyReader {
  /** Names: policy id, zones, datasets, metrics, regions, key names. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  final List<String> problems = new ArrayList<>();

  /** Records a problem at {@code path}. */
  void problem(String path, String problem) {
    problems.add(path + ": " + problem);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> map(String p, Object v, boolean required) {
    if (v == null) {
      if (required) {
        problems.add(label(p) + ": required (a mapping)");
      }
      return null;
    }
    if (!(v instanceof Map<?, ?> m)) {
      problems.add(label(p) + ": must be a mapping");
      return null;
    }
    for (Object key : m.keySet()) {
      if (!(key instanceof String)) {
        problems.add(label(p) + ": key " + key + " must be a string");
        return null;
      }
    }
    return (Map<String, Object>) m;
  }

  @SuppressWarnings("unchecked")
  List<Object> list(String p, Object v, boolean required, int min) {
    if (v == null) {
      if (required) {
        problems.add(p + ": required (a list)");
      }
      return null;
    }
    if (!(v instanceof List<?> l)) {
      problems.add(p + ": must be a list");
      return null;
    }
    if (l.size() < min) {
      problems.add(p + ": needs at least " + min + " entr" + (min == 1 ? "y" : "ies"));
    }
    return (List<Object>) l;
  }

  List<String> strings(String p, Object v, int min, Function<String, String> check) {
    List<Object> l = list(p, v, true, min);
    List<String> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; l != null && i < l.size(); i++) {
      String s = string(p + "[" + i + "]", l.get(i), true);
      if (s == null) {
        continue;
      }
      String problem = check.apply(s);
      if (problem != null) {
        problems.add(p + "[" + i + "]: " + problem);
      } else if (!seen.add(s)) {
        problems.add(p + "[" + i + "]: duplicate '" + s + "'");
      } else {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }

  String string(String p, Object v, boolean required) {
    if (v == null) {
      if (required) {
        problems.add(p + ": required (a string)");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      problems.add(p + ": must be a string");
      return null;
    }
    return s;
  }

  String name(String p, Object v) {
    String s = string(p, v, true);
    if (s != null && !NAME.matcher(s).matches()) {
      problems.add(p + ": '" + s + "' must match " + NAME.pattern());
      return null;
    }
    return s;
  }

  void checkName(String p, String key) {
    if (!NAME.matcher(key).matches()) {
      problems.add(p + ": the name must match " + NAME.pattern());
    }
  }

  Integer integer(String p, Object v, long min, long max, boolean required) {
    if (v == null) {
      if (required) {
        problems.add(p + ": required (an integer)");
      }
      return null;
    }
    if (!(v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger)) {
      problems.add(p + ": must be an integer");
      return null;
    }
    long n = ((Number) v).longValue();
    if (v instanceof java.math.BigInteger || n < min || n > max) {
      problems.add(p + ": must be between " + min + " and " + max);
      return null;
    }
    return (int) n;
  }

  Double number(String p, Object v) {
    if (v instanceof Integer || v instanceof Long) {
      long n = ((Number) v).longValue();
      if (Math.abs(n) > (1L << 53)) {
        problems.add(p + ": integer too large to be exact as a double");
        return null;
      }
      return (double) n;
    }
    if (v instanceof Double d && Double.isFinite(d)) {
      return d;
    }
    problems.add(p + (v == null ? ": required (a number)" : ": must be a finite number"));
    return null;
  }

  boolean bool(String p, Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    problems.add(p + ": must be true or false");
    return false;
  }

  Duration duration(String p, Object v) {
    String s = string(p, v, true);
    if (s == null) {
      return Duration.ZERO;
    }
    try {
      Duration d = Duration.parse(s);
      if (d.isNegative() || d.isZero()) {
        problems.add(p + ": must be positive");
      }
      return d;
    } catch (DateTimeParseException e) {
      problems.add(p + ": '" + s + "' is not an ISO-8601 duration (e.g. PT24H, P30D)");
      return Duration.ZERO;
    }
  }

  void known(String p, Map<String, Object> m, String... keys) {
    Set<String> allowed = Set.of(keys);
    for (String k : m.keySet()) {
      if (!allowed.contains(k)) {
        problems.add(
            (p.isEmpty() ? "" : p + ".")
                + k
                + ": unknown key (allowed here: "
                + String.join(", ", new TreeSet<>(allowed))
                + ")");
      }
    }
  }

  private static String label(String p) {
    return p.isEmpty() ? "(document)" : p;
  }
}
