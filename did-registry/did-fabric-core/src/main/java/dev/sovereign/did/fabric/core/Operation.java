package dev.sovereign.did.fabric.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A signed did:fabric operation (method spec section 6). Wire form, a JSON object: {@code {"did",
 * "op", "document", "docHash", "prevVersionId", "proof": {"verificationMethod",
 * "signatureValue"}}}. The controller signs the JCS bytes of {@code {"did", "docHash", "op",
 * "prevVersionId"}} (null where the operation has none). Parsing checks shape only; signatures are
 * checked by {@link DidFabricContract} and {@link OperationLogVerifier} against the right version's
 * keys.
 */
public final class Operation {
  /** The three writes. */
  public enum Type {
    CREATE("create"),
    UPDATE("update"),
    DEACTIVATE("deactivate");

    private final String wire;

    Type(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    static Type fromWire(String s) {
      for (Type t : values()) {
        if (t.wire.equals(s)) {
          return t;
        }
      }
      return null;
    }
  }

  private static final Set<String> MEMBERS =
      new HashSet<>(Arrays.asList("did", "op", "document", "docHash", "prevVersionId", "proof"));

  private final String did;
  private final Type type;
  private final ObjectNode document;
  private final String docHash;
  private final String prevVersionId;
  private final String verificationMethod;
  private final byte[] signature;

  private Operation(
      String did,
      Type type,
      ObjectNode document,
      String docHash,
      String prevVersionId,
      String verificationMethod,
      byte[] signature) {
    this.did = did;
    this.type = type;
    this.document = document == null ? null : document.deepCopy();
    this.docHash = docHash;
    this.prevVersionId = prevVersionId;
    this.verificationMethod = verificationMethod;
    this.signature = signature.clone();
  }

  /**
   * Builds and signs an operation with {@code signer}, whose key is method {@code
   * verificationMethod}.
   */
  public static Operation sign(
      Type type,
      String did,
      ObjectNode document,
      String prevVersionId,
      String verificationMethod,
      ControllerSigner signer) {
    String docHash = document == null ? null : Jcs.hash(document);
    byte[] input = signingInput(did, type, docHash, prevVersionId);
    return new Operation(
        did, type, document, docHash, prevVersionId, verificationMethod, signer.sign(input));
  }

  /**
   * Parses the wire JSON; checks shape per type, not signatures. Rejects with MALFORMED_OPERATION.
   */
  public static Operation parse(byte[] json) throws RejectedException {
    ObjectNode node;
    try {
      node = Jcs.parseObject(json);
    } catch (IllegalArgumentException e) {
      throw malformed(null, e.getMessage());
    }
    return fromJson(node);
  }

  static Operation fromJson(JsonNode node) throws RejectedException {
    String did = node.path("did").isTextual() ? node.path("did").textValue() : null;
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!MEMBERS.contains(name)) {
        throw malformed(did, "unknown member " + name);
      }
    }
    if (did == null) {
      throw malformed(null, "did must be a string");
    }
    FabricDid.parse(did);
    Type type = Type.fromWire(node.path("op").asText(null));
    if (type == null || !node.path("op").isTextual()) {
      throw malformed(did, "op must be create, update or deactivate");
    }
    ObjectNode document = null;
    if (node.hasNonNull("document")) {
      if (!node.get("document").isObject()) {
        throw malformed(did, "document must be an object");
      }
      document = (ObjectNode) node.get("document");
    }
    String docHash = optionalText(node, "docHash", did);
    String prev = optionalText(node, "prevVersionId", did);
    if ((type == Type.DEACTIVATE) != (document == null)
        || (document == null) != (docHash == null)) {
      throw malformed(
          did, "create and update carry document and docHash; deactivate carries neither");
    }
    if ((type == Type.CREATE) != (prev == null)) {
      throw malformed(did, "prevVersionId is null exactly for create");
    }
    JsonNode proof = node.path("proof");
    if (!proof.isObject()
        || proof.size() != 2
        || !proof.path("verificationMethod").isTextual()
        || !proof.path("signatureValue").isTextual()) {
      throw malformed(did, "proof must be {verificationMethod, signatureValue}");
    }
    byte[] signature;
    try {
      signature = Encoding.fromB64url(proof.get("signatureValue").textValue());
    } catch (IllegalArgumentException e) {
      throw malformed(did, "signatureValue must be base64url");
    }
    return new Operation(
        did, type, document, docHash, prev, proof.get("verificationMethod").textValue(), signature);
  }

  private static String optionalText(JsonNode node, String name, String did)
      throws RejectedException {
    JsonNode v = node.path(name);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw malformed(did, name + " must be a string or null");
    }
    return v.textValue();
  }

  private static RejectedException malformed(String did, String detail) {
    return new RejectedException(ReasonCode.MALFORMED_OPERATION, did, detail);
  }

  /** The exact bytes a controller signs: JCS of {did, docHash, op, prevVersionId}. */
  public static byte[] signingInput(String did, Type type, String docHash, String prevVersionId) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("did", did);
    n.put("op", type.wire());
    n.put("docHash", docHash);
    n.put("prevVersionId", prevVersionId);
    return Jcs.canonicalize(n);
  }

  public byte[] signingInput() {
    byte[] input = signingInput;
    if (input == null) {
      input = signingInput(did, type, docHash, prevVersionId);
      signingInput = input;
    }
    return input.clone();
  }

  // Computed once: pure functions of this immutable operation (racy single-check: any thread
  // computes the same value; the maps are unmodifiable).
  private volatile byte[] signingInput;
  private volatile Map<String, Multikey> documentKeys;

  /**
   * The capabilityInvocation keys of this operation's document, after checking the document's rules
   * and that docHash is SHA-256 of its JCS (create and update; method spec section 8). Computed
   * once per operation: a refusal is recomputed (and so re-thrown) on every call.
   */
  public Map<String, Multikey> documentKeys() throws RejectedException {
    Map<String, Multikey> keys = documentKeys;
    if (keys == null) {
      keys =
          Collections.unmodifiableMap(
              new LinkedHashMap<>(DocumentRules.controllerKeys(did, document)));
      if (!Jcs.hash(document).equals(docHash)) {
        throw new RejectedException(
            ReasonCode.DOC_HASH_MISMATCH, did, "docHash is not SHA-256 of JCS(document)");
      }
      documentKeys = keys;
    }
    return keys;
  }

  /**
   * Checks this operation's signature with a key taken from {@code controllerKeys} (the previous
   * version's capabilityInvocation keys, or for create the new document's). Returns the key used.
   */
  public Multikey verifySignature(java.util.Map<String, Multikey> controllerKeys)
      throws RejectedException {
    return verifySignature(controllerKeys, SignatureVerifier.BOUNCY_CASTLE);
  }

  /** As {@link #verifySignature(java.util.Map)}, the signature checked by {@code verifier}. */
  public Multikey verifySignature(
      java.util.Map<String, Multikey> controllerKeys, SignatureVerifier verifier)
      throws RejectedException {
    Multikey key = controllerKeys.get(verificationMethod);
    if (key == null) {
      throw new RejectedException(
          ReasonCode.SIGNER_NOT_CONTROLLER,
          did,
          verificationMethod + " is not a capabilityInvocation key of the controlling version");
    }
    if (!verifier.verifies(key, signingInput(), signature)) {
      throw new RejectedException(
          ReasonCode.BAD_SIGNATURE, did, "signature by " + verificationMethod);
    }
    return key;
  }

  /** The wire JSON object. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("did", did);
    n.put("op", type.wire());
    if (document != null) {
      n.set("document", document.deepCopy());
    } else {
      n.putNull("document");
    }
    n.put("docHash", docHash);
    n.put("prevVersionId", prevVersionId);
    ObjectNode proof = n.putObject("proof");
    proof.put("verificationMethod", verificationMethod);
    proof.put("signatureValue", Encoding.b64url(signature));
    return n;
  }

  /** The wire bytes (JCS). */
  public byte[] toBytes() {
    byte[] bytes = canonical;
    if (bytes == null) {
      bytes = Jcs.canonicalize(toJson());
      canonical = bytes;
    }
    return bytes.clone();
  }

  private volatile byte[] canonical;

  public String did() {
    return did;
  }

  public Type type() {
    return type;
  }

  /** The document (copy), or null for deactivate. */
  public ObjectNode document() {
    return document == null ? null : document.deepCopy();
  }

  public String docHash() {
    return docHash;
  }

  public String prevVersionId() {
    return prevVersionId;
  }

  public String verificationMethod() {
    return verificationMethod;
  }

  public byte[] signature() {
    return signature.clone();
  }

  /** Same signing input (used to tell a replay from a conflicting write on a stale version). */
  public boolean sameSignedContent(Operation other) {
    return Arrays.equals(signingInput(), other.signingInput());
  }
}
