package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rules a did:fabric DID document must satisfy (method spec section 5), and its controller
 * keys.
 */
public final class DocumentRules {
  /** Largest canonical (JCS) document accepted, in bytes. */
  public static final int MAX_DOCUMENT_BYTES = 32 * 1024;

  private DocumentRules() {}

  /**
   * Checks {@code document} for {@code did} and returns its capabilityInvocation keys by absolute
   * DID URL, in document order. Rejects with INVALID_DOCUMENT.
   */
  public static Map<String, Multikey> controllerKeys(String did, JsonNode document)
      throws RejectedException {
    if (document == null || !document.isObject()) {
      throw invalid(did, "document must be a JSON object");
    }
    ObjectNode doc = (ObjectNode) document;
    if (!did.equals(doc.path("id").asText(null)) || !doc.path("id").isTextual()) {
      throw invalid(did, "document id must equal the DID");
    }
    byte[] canonical;
    try {
      canonical = Jcs.canonicalize(doc);
    } catch (IllegalArgumentException e) {
      throw invalid(did, e.getMessage());
    }
    if (canonical.length > MAX_DOCUMENT_BYTES) {
      throw invalid(did, "document larger than " + MAX_DOCUMENT_BYTES + " bytes");
    }
    Map<String, JsonNode> methods = new LinkedHashMap<>();
    JsonNode vms = doc.path("verificationMethod");
    if (!vms.isMissingNode()) {
      if (!vms.isArray()) {
        throw invalid(did, "verificationMethod must be an array");
      }
      for (JsonNode vm : vms) {
        String id = checkMethod(did, vm);
        if (methods.put(id, vm) != null) {
          throw invalid(did, "duplicate verification method id " + id);
        }
      }
    }
    JsonNode refs = doc.path("capabilityInvocation");
    if (!refs.isArray() || refs.size() == 0) {
      throw invalid(did, "capabilityInvocation must be a non-empty array");
    }
    Map<String, Multikey> keys = new LinkedHashMap<>();
    for (JsonNode ref : refs) {
      JsonNode method;
      String id;
      if (ref.isTextual()) {
        id = absolute(did, ref.textValue());
        method = methods.get(id);
        if (method == null) {
          throw invalid(did, "capabilityInvocation references unknown method " + ref.textValue());
        }
      } else {
        id = checkMethod(did, ref);
        method = ref;
      }
      try {
        keys.put(id, Multikey.parse(method.path("publicKeyMultibase").asText(null)));
      } catch (IllegalArgumentException e) {
        throw invalid(did, "capabilityInvocation key " + id + ": " + e.getMessage());
      }
    }
    return Collections.unmodifiableMap(keys);
  }

  private static String checkMethod(String did, JsonNode vm) throws RejectedException {
    if (!vm.isObject() || !vm.path("id").isTextual()) {
      throw invalid(did, "verification method must be an object with an id");
    }
    String id = absolute(did, vm.path("id").textValue());
    if (!"Multikey".equals(vm.path("type").asText(null))
        || !vm.path("publicKeyMultibase").isTextual()) {
      throw invalid(
          did, "verification method " + id + " must be a Multikey with publicKeyMultibase");
    }
    if (!vm.path("controller").isTextual()) {
      throw invalid(did, "verification method " + id + " needs a controller");
    }
    return id;
  }

  /** Absolute DID URL of a method id; only fragments of this DID are allowed. */
  static String absolute(String did, String ref) throws RejectedException {
    String id = ref.startsWith("#") ? did + ref : ref;
    if (!id.startsWith(did + "#") || id.length() == did.length() + 1) {
      throw invalid(did, "method id must be a fragment of the DID: " + ref);
    }
    return id;
  }

  private static RejectedException invalid(String did, String detail) {
    return new RejectedException(ReasonCode.INVALID_DOCUMENT, did, detail);
  }
}
