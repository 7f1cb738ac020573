package dev.sovereign.did;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable DID document (DID Core section 5). Built only through {@link #fromJson(Map)} or
 * {@link #builder(Did)}, both of which validate: {@code id} is a DID, controllers are DIDs,
 * verification methods are well formed with valid key material, method ids are unique, and every
 * relationship entry is a DID URL string or an embedded method. Members keep their written order
 * (unknown members too), so a parsed document serializes back to the same JSON.
 *
 * <p>Builder output uses the member order of the did:key test vectors: {@code @context, id,
 * alsoKnownAs, controller, verificationMethod, assertionMethod, authentication,
 * capabilityInvocation, capabilityDelegation, keyAgreement, service}.
 */
public final class DidDocument {
  /** {@code https://www.w3.org/ns/did/v1}, the first DID Core JSON-LD context. */
  public static final String DID_CONTEXT_V1 = "https://www.w3.org/ns/did/v1";

  private final Map<String, Object> properties;
  private final Did id;
  private final List<String> controllers;
  private final List<String> alsoKnownAs;
  private final List<VerificationMethod> verificationMethods;
  private final Map<Relationship, List<VerificationMethodRef>> relationships;
  private final List<Service> services;

  private DidDocument(Map<String, Object> properties, Map<Object, VerificationMethod> prebuilt) {
    this.properties = properties;
    Object idValue = properties.get("id");
    if (!(idValue instanceof String idString)) {
      throw new InvalidDidDocumentException("document without a string id");
    }
    try {
      this.id = Did.parse(idString);
    } catch (InvalidDidException e) {
      throw new InvalidDidDocumentException("document id is not a DID: " + e.getMessage());
    }
    this.controllers = stringOrSet("controller");
    for (String c : controllers) {
      if (!Did.isValid(c)) {
        throw new InvalidDidDocumentException("controller is not a DID: " + c);
      }
    }
    this.alsoKnownAs = stringOrSet("alsoKnownAs");
    Set<String> ids = new HashSet<>();
    List<VerificationMethod> vms = new ArrayList<>();
    for (Object o : list("verificationMethod")) {
      VerificationMethod vm =
          prebuilt.containsKey(o) ? prebuilt.get(o) : method(o, "verificationMethod");
      requireUnique(ids, vm);
      vms.add(vm);
    }
    this.verificationMethods = Collections.unmodifiableList(vms);
    Map<Relationship, List<VerificationMethodRef>> rels = new EnumMap<>(Relationship.class);
    for (Relationship r : Relationship.values()) {
      List<VerificationMethodRef> refs = new ArrayList<>();
      for (Object o : list(r.property())) {
        if (o instanceof String s) {
          try {
            DidUrl.resolve(id, s);
          } catch (InvalidDidException e) {
            throw new InvalidDidDocumentException(r.property() + " entry is not a DID URL: " + s);
          }
          refs.add(new VerificationMethodRef.Reference(s));
        } else {
          VerificationMethod vm =
              prebuilt.containsKey(o) ? prebuilt.get(o) : method(o, r.property());
          requireUnique(ids, vm);
          refs.add(new VerificationMethodRef.Embedded(vm));
        }
      }
      rels.put(r, Collections.unmodifiableList(refs));
    }
    this.relationships = Collections.unmodifiableMap(rels);
    List<Service> svcs = new ArrayList<>();
    for (Object o : list("service")) {
      if (!(o instanceof Map<?, ?> m)) {
        throw new InvalidDidDocumentException("service entry is not an object");
      }
      svcs.add(Service.fromJson(castMap(m)));
    }
    this.services = Collections.unmodifiableList(svcs);
  }

  /**
   * Parses and validates a document from a JSON object (Map from Jackson, or any JSON-shaped Map).
   */
  public static DidDocument fromJson(Map<String, ?> json) {
    return new DidDocument(JsonValues.freezeMap(json), Map.of());
  }

  /** A builder for a document with this id. */
  public static Builder builder(Did id) {
    return new Builder(id);
  }

  /** The DID the document is about. */
  public Did id() {
    return id;
  }

  /** {@code @context} entries (strings or objects); empty for a plain-JSON document. */
  @SuppressWarnings("unchecked")
  public List<Object> context() {
    Object c = properties.get("@context");
    if (c == null) {
      return List.of();
    }
    return c instanceof List ? (List<Object>) c : List.of(c);
  }

  /** Controller DIDs (DID Core: string or set); empty means the DID controls itself. */
  public List<String> controllers() {
    return controllers;
  }

  /** {@code alsoKnownAs} URIs. */
  public List<String> alsoKnownAs() {
    return alsoKnownAs;
  }

  /** The top-level {@code verificationMethod} list. */
  public List<VerificationMethod> verificationMethods() {
    return verificationMethods;
  }

  /** The entries of one relationship as written (references and embedded methods). */
  public List<VerificationMethodRef> relationship(Relationship relationship) {
    return relationships.get(relationship);
  }

  /** The methods of one relationship, references resolved; dangling references are skipped. */
  public List<VerificationMethod> verificationMethods(Relationship relationship) {
    List<VerificationMethod> out = new ArrayList<>();
    for (VerificationMethodRef ref : relationships.get(relationship)) {
      if (ref instanceof VerificationMethodRef.Embedded e) {
        out.add(e.method());
      } else {
        findTopLevel(DidUrl.resolve(id, ref.id())).ifPresent(out::add);
      }
    }
    return out;
  }

  /** Services. */
  public List<Service> services() {
    return services;
  }

  /** Every member in written order (immutable JSON values). */
  public Map<String, Object> properties() {
    return properties;
  }

  /**
   * The verification method a DID URL names, looked up among top-level and embedded methods. Only
   * URLs of this document's DID with a fragment and no path match; relative ids in the document are
   * made absolute first. The query (e.g. {@code versionId}) is ignored here: it selects which
   * document to resolve, see {@link DidResolver#dereference}.
   */
  public Optional<VerificationMethod> dereference(DidUrl url) {
    if (!url.did().equals(id) || !url.path().isEmpty() || url.fragment().isEmpty()) {
      return Optional.empty();
    }
    DidUrl target = DidUrl.resolve(id, "#" + url.fragment().get());
    Optional<VerificationMethod> top = findTopLevel(target);
    if (top.isPresent()) {
      return top;
    }
    for (Relationship r : Relationship.values()) {
      for (VerificationMethodRef ref : relationships.get(r)) {
        if (ref instanceof VerificationMethodRef.Embedded e && sameId(e.method().id(), target)) {
          return Optional.of(e.method());
        }
      }
    }
    return Optional.empty();
  }

  /**
   * {@link #dereference(DidUrl)} for a string that may be absolute or relative ({@code #key-1}).
   */
  public Optional<VerificationMethod> verificationMethod(String idOrRelative) {
    DidUrl url;
    try {
      url = DidUrl.resolve(id, idOrRelative);
    } catch (InvalidDidException e) {
      return Optional.empty();
    }
    return dereference(url);
  }

  /**
   * True when the method {@code methodId} (absolute or relative) is listed under {@code
   * relationship}, by reference to a top-level method or embedded in that relationship. A method
   * embedded in another relationship does not count.
   */
  public boolean isAuthorized(String methodId, Relationship relationship) {
    DidUrl target;
    try {
      target = DidUrl.resolve(id, methodId);
    } catch (InvalidDidException e) {
      return false;
    }
    if (!target.did().equals(id)) {
      return false;
    }
    for (VerificationMethodRef ref : relationships.get(relationship)) {
      if (sameId(ref.id(), target)) {
        return ref instanceof VerificationMethodRef.Embedded || findTopLevel(target).isPresent();
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DidDocument d && d.properties.equals(properties);
  }

  @Override
  public int hashCode() {
    return properties.hashCode();
  }

  @Override
  public String toString() {
    return "DidDocument(" + id + ")";
  }

  private Optional<VerificationMethod> findTopLevel(DidUrl target) {
    for (VerificationMethod vm : verificationMethods) {
      if (sameId(vm.id(), target)) {
        return Optional.of(vm);
      }
    }
    return Optional.empty();
  }

  private boolean sameId(String written, DidUrl target) {
    try {
      return DidUrl.resolve(id, written).equals(target);
    } catch (InvalidDidException e) {
      return false;
    }
  }

  private void requireUnique(Set<String> ids, VerificationMethod vm) {
    String abs = vm.absoluteId(id).toString();
    if (!ids.add(abs)) {
      throw new InvalidDidDocumentException("duplicate verification method id " + abs);
    }
  }

  private static VerificationMethod method(Object o, String where) {
    if (!(o instanceof Map<?, ?> m)) {
      throw new InvalidDidDocumentException(where + " entry is not an object");
    }
    return VerificationMethod.fromJson(castMap(m));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  private List<Object> list(String name) {
    Object v = properties.get(name);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> l)) {
      throw new InvalidDidDocumentException(name + " is not an array");
    }
    return Collections.unmodifiableList(new ArrayList<>(l));
  }

  private List<String> stringOrSet(String name) {
    Object v = properties.get(name);
    if (v == null) {
      return List.of();
    }
    if (v instanceof String s) {
      return List.of(s);
    }
    if (v instanceof List<?> l && l.stream().allMatch(String.class::isInstance)) {
      List<String> out = new ArrayList<>();
      l.forEach(x -> out.add((String) x));
      return List.copyOf(out);
    }
    throw new InvalidDidDocumentException(name + " is neither a string nor a set of strings");
  }

  /** Builds a document; members come out in the fixed order described on {@link DidDocument}. */
  public static final class Builder {
    private final Did id;
    private Object context;
    private final List<String> alsoKnownAs = new ArrayList<>();
    private final List<String> controllers = new ArrayList<>();
    private final List<VerificationMethod> methods = new ArrayList<>();
    private final Map<Relationship, List<Object>> rels = new EnumMap<>(Relationship.class);
    private final List<Service> services = new ArrayList<>();
    private final Map<String, Object> extra = new LinkedHashMap<>();
    // Methods already validated, keyed by the identity of their (frozen) JSON object.
    private final Map<Object, VerificationMethod> prebuilt = new java.util.IdentityHashMap<>();

    private Builder(Did id) {
      this.id = Objects.requireNonNull(id, "id");
    }

    /** Sets {@code @context} to this list of entries (strings or JSON objects). */
    public Builder context(List<?> entries) {
      context = List.copyOf(entries);
      return this;
    }

    /** Sets {@code @context} to these context URLs. */
    public Builder context(String... urls) {
      return context(List.of(urls));
    }

    /** Adds an {@code alsoKnownAs} URI. */
    public Builder alsoKnownAs(String uri) {
      alsoKnownAs.add(uri);
      return this;
    }

    /** Adds a controller; one controller is written as a string, several as a set. */
    public Builder controller(Did controller) {
      controllers.add(controller.toString());
      return this;
    }

    /** Adds a top-level verification method. */
    public Builder verificationMethod(VerificationMethod method) {
      methods.add(method);
      prebuilt.put(method.properties(), method);
      return this;
    }

    /** Adds a reference (absolute or relative id) to {@code relationship}. */
    public Builder reference(Relationship relationship, String methodId) {
      rels.computeIfAbsent(relationship, r -> new ArrayList<>()).add(methodId);
      return this;
    }

    /** Embeds a method in {@code relationship}. */
    public Builder embed(Relationship relationship, VerificationMethod method) {
      rels.computeIfAbsent(relationship, r -> new ArrayList<>()).add(method.properties());
      prebuilt.put(method.properties(), method);
      return this;
    }

    /** Adds a service. */
    public Builder service(Service service) {
      services.add(service);
      return this;
    }

    /** Adds any other member; written after the standard ones. */
    public Builder property(String name, Object value) {
      extra.put(name, value);
      return this;
    }

    /** Validates and builds. */
    public DidDocument build() {
      Map<String, Object> m = new LinkedHashMap<>();
      if (context != null) {
        m.put("@context", context);
      }
      m.put("id", id.toString());
      if (!alsoKnownAs.isEmpty()) {
        m.put("alsoKnownAs", alsoKnownAs);
      }
      if (controllers.size() == 1) {
        m.put("controller", controllers.get(0));
      } else if (!controllers.isEmpty()) {
        m.put("controller", controllers);
      }
      if (!methods.isEmpty()) {
        List<Object> vms = new ArrayList<>();
        methods.forEach(vm -> vms.add(vm.properties()));
        m.put("verificationMethod", vms);
      }
      for (Relationship r : Relationship.values()) {
        if (rels.containsKey(r)) {
          m.put(r.property(), rels.get(r));
        }
      }
      if (!services.isEmpty()) {
        List<Object> s = new ArrayList<>();
        services.forEach(x -> s.add(x.properties()));
        m.put("service", s);
      }
      extra.forEach(m::putIfAbsent);
      return new DidDocument(JsonValues.freezeMap(m), prebuilt);
    }
  }
}
