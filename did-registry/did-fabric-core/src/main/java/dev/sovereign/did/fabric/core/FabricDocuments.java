package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Builds the common did:fabric documents and operations for controllers (CLI, tests, clients). */
public final class FabricDocuments {
  private FabricDocuments() {}

  /**
   * A document whose methods {@code #key-1..n} are {@code keys}, all in authentication and
   * assertionMethod, and the first {@code controllers} of them in capabilityInvocation.
   */
  public static ObjectNode document(String did, List<Multikey> keys, int controllers) {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    ArrayNode context = doc.putArray("@context");
    context.add("https://www.w3.org/ns/did/v1");
    context.add("https://w3id.org/security/multikey/v1");
    doc.put("id", did);
    ArrayNode methods = doc.putArray("verificationMethod");
    ArrayNode auth = doc.putArray("authentication");
    ArrayNode assertion = doc.putArray("assertionMethod");
    ArrayNode invocation = doc.putArray("capabilityInvocation");
    for (int i = 0; i < keys.size(); i++) {
      String id = did + "#key-" + (i + 1);
      ObjectNode vm = methods.addObject();
      vm.put("id", id);
      vm.put("type", "Multikey");
      vm.put("controller", did);
      vm.put("publicKeyMultibase", keys.get(i).multibase());
      auth.add(id);
      assertion.add(id);
      if (i < controllers) {
        invocation.add(id);
      }
    }
    return doc;
  }

  /**
   * A signed create for a new DID on {@code network} controlled by {@code genesis} as {@code
   * #key-1}.
   */
  public static Operation create(String network, ControllerSigner genesis) {
    String did;
    try {
      did = FabricDid.derive(network, genesis.publicKey().multibase()).toString();
    } catch (RejectedException e) {
      throw new IllegalArgumentException("network name " + network + " is not valid", e);
    }
    return Operation.sign(
        Operation.Type.CREATE,
        did,
        document(did, List.of(genesis.publicKey()), 1),
        null,
        did + "#key-1",
        genesis);
  }

  /** A signed update to {@code document} by controller method {@code signerMethod}. */
  public static Operation update(
      String did,
      String prevVersionId,
      ObjectNode document,
      String signerMethod,
      ControllerSigner signer) {
    return Operation.sign(
        Operation.Type.UPDATE, did, document, prevVersionId, signerMethod, signer);
  }

  /** A signed deactivation by controller method {@code signerMethod}. */
  public static Operation deactivate(
      String did, String prevVersionId, String signerMethod, ControllerSigner signer) {
    return Operation.sign(
        Operation.Type.DEACTIVATE, did, null, prevVersionId, signerMethod, signer);
  }
}
