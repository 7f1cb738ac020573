package dev.sovereign.did;

import java.util.List;
import java.util.Map;

/**
 * A service (DID Core section 5.4): {@code id}, {@code type} (string or set of strings) and {@code
 * serviceEndpoint} (string, map or set), plus any other members, all kept as written.
 */
public final class Service {
  private final Map<String, Object> properties;

  private Service(Map<String, Object> properties) {
    this.properties = properties;
    Object id = properties.get("id");
    if (!(id instanceof String s) || s.isEmpty()) {
      throw new InvalidDidDocumentException("service without a string id");
    }
    Object type = properties.get("type");
    if (!(type instanceof String)
        && !(type instanceof List<?> l
            && !l.isEmpty()
            && l.stream().allMatch(String.class::isInstance))) {
      throw new InvalidDidDocumentException("service " + id + " without a type");
    }
    if (!properties.containsKey("serviceEndpoint") || properties.get("serviceEndpoint") == null) {
      throw new InvalidDidDocumentException("service " + id + " without a serviceEndpoint");
    }
  }

  /** Builds from a JSON object; validates. */
  public static Service fromJson(Map<String, ?> json) {
    return new Service(JsonValues.freezeMap(json));
  }

  /** A service with a single type and a string, map or list endpoint. */
  public static Service of(String id, String type, Object serviceEndpoint) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("id", id);
    m.put("type", type);
    m.put("serviceEndpoint", serviceEndpoint);
    return fromJson(m);
  }

  /** The id as written. */
  public String id() {
    return (String) properties.get("id");
  }

  /** The type(s). */
  @SuppressWarnings("unchecked")
  public List<String> types() {
    Object t = properties.get("type");
    return t instanceof String s ? List.of(s) : (List<String>) t;
  }

  /** The endpoint: a String, an immutable Map or an immutable List. */
  public Object serviceEndpoint() {
    return properties.get("serviceEndpoint");
  }

  /** Every member in written order (immutable). */
  public Map<String, Object> properties() {
    return properties;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Service s && s.properties.equals(properties);
  }

  @Override
  public int hashCode() {
    return properties.hashCode();
  }
}
