package dev.sovereign.did.ethr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.DidJson;
import dev.sovereign.did.DidResolutionResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Canonical JSON for comparisons: object members sorted by name, arrays kept in order. */
final class Canonical {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Canonical() {}

  /** The three members of a resolution result that ethr-did-resolver also returns, canonical. */
  static String result(DidResolutionResult r) {
    JsonNode all = JSON.valueToTree(DidJson.toJson(r));
    ObjectNode out = JSON.createObjectNode();
    out.set("didDocument", all.get("didDocument"));
    out.set("didResolutionMetadata", all.get("didResolutionMetadata"));
    out.set("didDocumentMetadata", all.get("didDocumentMetadata"));
    return of(out);
  }

  static String of(JsonNode node) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(sorted(node));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = JSON.createObjectNode();
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      for (String n : names) {
        out.set(n, sorted(node.get(n)));
      }
      return out;
    }
    if (node.isArray()) {
      var out = JSON.createArrayNode();
      node.forEach(n -> out.add(sorted(n)));
      return out;
    }
    return node;
  }
}
