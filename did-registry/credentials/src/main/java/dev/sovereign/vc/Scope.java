package dev.sovereign.vc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an accreditation (or a producer credential) covers: sovereignty zones, regions and datasets.
 * A set is compared by inclusion: a child's scope must be a subset of its parent's in every
 * dimension. An empty set in a child means "claims nothing in this dimension"; anchors configured
 * with {@link #ANY} in a dimension cover everything there.
 */
public record Scope(Set<String> zones, Set<String> regions, Set<String> datasets) {
  /** Marker value meaning "every value" (anchors only; never accepted from a credential). */
  public static final String ANY = "*";

  public Scope {
    zones = Set.copyOf(zones);
    regions = Set.copyOf(regions);
    datasets = Set.copyOf(datasets);
  }

  public static Scope of(Set<String> zones, Set<String> regions, Set<String> datasets) {
    return new Scope(zones, regions, datasets);
  }

  /** True when {@code child} asks for nothing outside this scope. */
  public boolean covers(Scope child) {
    return within(child.zones, zones)
        && within(child.regions, regions)
        && within(child.datasets, datasets);
  }

  /** The dimensions (and values) in which {@code child} exceeds this scope, for reports. */
  public List<String> excess(Scope child) {
    List<String> out = new ArrayList<>();
    diff("zones", child.zones, zones, out);
    diff("regions", child.regions, regions, out);
    diff("datasets", child.datasets, datasets, out);
    return out;
  }

  private static boolean within(Set<String> child, Set<String> parent) {
    return parent.contains(ANY) ? true : !child.contains(ANY) && parent.containsAll(child);
  }

  private static void diff(String name, Set<String> child, Set<String> parent, List<String> out) {
    if (!within(child, parent)) {
      Set<String> extra = new TreeSet<>(child);
      extra.removeAll(parent);
      out.add(name + " " + extra);
    }
  }

  /**
   * Reads {@code zones}, {@code regions}, {@code datasets} (or the singular {@code zone}, {@code
   * region}).
   */
  static Scope read(JsonNode subject) throws Json.Malformed {
    Set<String> zones = new TreeSet<>(Json.strings(subject, "zones"));
    zones.addAll(Json.strings(subject, "zone"));
    Set<String> regions = new TreeSet<>(Json.strings(subject, "regions"));
    regions.addAll(Json.strings(subject, "region"));
    Set<String> datasets = new TreeSet<>(Json.strings(subject, "datasets"));
    datasets.addAll(Json.strings(subject, "dataset"));
    return new Scope(zones, regions, datasets);
  }

  void writeTo(ObjectNode subject) {
    subject.set("zones", Json.MAPPER.valueToTree(new TreeSet<>(zones)));
    subject.set("regions", Json.MAPPER.valueToTree(new TreeSet<>(regions)));
    subject.set("datasets", Json.MAPPER.valueToTree(new TreeSet<>(datasets)));
  }

  @Override
  public String toString() {
    return "zones"
        + new TreeSet<>(zones)
        + " regions"
        + new TreeSet<>(regions)
        + " datasets"
        + new TreeSet<>(datasets);
  }
}
