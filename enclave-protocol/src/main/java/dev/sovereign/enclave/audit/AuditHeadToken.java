package dev.sovereign.enclave.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.crypto.Jcs;
import dev.sovereign.crypto.jose.JoseHeader;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.enclave.protocol.Codec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The signed audit head: a compact JWS, header {@code {"alg":"EdDSA","kid":<enclave DID URL>,
 * "typ":"sovereign-audit-head+jwt"}}, payload RFC 8785 JSON {@code {enclaveDid, head, policySha256,
 * seq, time}}, signed with the enclave DID's Ed25519 key. The algorithm is fixed (EdDSA); the key
 * comes from the did:key in the payload, which must also be the {@code kid}'s DID.
 */
public final class AuditHeadToken {
  /** The JWS {@code typ}. */
  public static final String TYP = "sovereign-audit-head+jwt";

  /** A chain head: lowercase hex SHA-256. */
  public static final Pattern HEAD = Pattern.compile("[0-9a-f]{64}");

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private AuditHeadToken() {}

  /** A head whose signature verified under {@code enclaveDid}. */
  public record VerifiedHead(
      long seq, String head, String enclaveDid, String policySha256, Instant time) {}

  /** Why a head token was refused; {@link #code()} is {@code audit-head-signature-invalid}. */
  public static final class InvalidHeadException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidHeadException(String detail) {
      super(detail, null, false, false);
    }

    public String code() {
      return "audit-head-signature-invalid";
    }
  }

  /**
   * The key that signs heads: the enclave's did:key identity (inside the enclave, {@code
   * EnclaveIdentity}).
   */
  public interface Signer {
    /** The enclave DID, e.g. {@code did:key:z6Mk...}. */
    String did();

    /** The DID URL of the Ed25519 key, the header's {@code kid}. */
    String verificationMethod();

    /** An Ed25519 signature over {@code input}. */
    byte[] sign(byte[] input);
  }

  /**
   * Signs a head (called inside the enclave; the caller has validated {@code seq} and {@code
   * head}).
   */
  public static String sign(
      Signer identity, String policySha256, long seq, String head, Instant time) {
    ObjectNode h = JsonNodeFactory.instance.objectNode();
    h.put("alg", "EdDSA");
    h.put("kid", identity.verificationMethod());
    h.put("typ", TYP);
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("enclaveDid", identity.did());
    p.put("head", head);
    p.put("policySha256", policySha256);
    p.put("seq", seq);
    p.put("time", time.toString());
    String input =
        B64.encodeToString(Jcs.canonicalize(h)) + "." + B64.encodeToString(Jcs.canonicalize(p));
    return input
        + "."
        + B64.encodeToString(identity.sign(input.getBytes(StandardCharsets.US_ASCII)));
  }

  /** The head token's header allow-list: exactly {alg: EdDSA, kid, typ}. */
  static final JoseHeader.Rules HEADER =
      JoseHeader.Rules.of(
          JoseHeader.Member.required("alg", "EdDSA"),
          JoseHeader.Member.required("kid"),
          JoseHeader.Member.required("typ", TYP));

  /** Parses and verifies a head token; offline (did:key only). */
  public static VerifiedHead verify(String jws) throws InvalidHeadException {
    String[] parts = jws == null ? new String[0] : jws.split("\\.", -1);
    if (parts.length != 3) {
      throw new InvalidHeadException("not a compact JWS");
    }
    JsonNode header;
    try {
      header = JoseHeader.check(parts[0], HEADER);
    } catch (JoseHeader.Rejected e) {
      throw new InvalidHeadException(
          "header must be exactly {alg: EdDSA, kid, typ: " + TYP + "}: " + e.getMessage());
    }
    JsonNode payload;
    byte[] sig;
    try {
      payload = Codec.json().readTree(Base64.getUrlDecoder().decode(parts[1]));
      sig = Base64.getUrlDecoder().decode(parts[2]);
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new InvalidHeadException("JWS parts are not base64url JSON");
    }
    if (payload == null || !payload.isObject()) {
      throw new InvalidHeadException("JWS parts are not base64url JSON");
    }
    String did = payload.path("enclaveDid").asText("");
    if (!did.startsWith("did:key:") || !header.path("kid").asText("").startsWith(did + "#")) {
      throw new InvalidHeadException("enclaveDid must be a did:key and the kid one of its URLs");
    }
    PublicKeyMaterial key;
    try {
      key = DidKey.decode(did);
    } catch (RuntimeException e) {
      throw new InvalidHeadException("enclaveDid does not decode");
    }
    if (key.type() != KeyType.ED25519) {
      throw new InvalidHeadException("enclave DID key is not Ed25519");
    }
    try {
      Signature v = Signature.getInstance("Ed25519");
      v.initVerify(key.toPublicKey());
      v.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!v.verify(sig)) {
        throw new InvalidHeadException("signature does not verify under " + did);
      }
    } catch (GeneralSecurityException e) {
      throw new InvalidHeadException("signature does not verify under " + did);
    }
    String head = payload.path("head").asText("");
    long seq = payload.path("seq").asLong(0);
    if (!HEAD.matcher(head).matches() || seq < 1 || !payload.path("seq").isIntegralNumber()) {
      throw new InvalidHeadException("payload seq/head malformed");
    }
    Instant time;
    try {
      time = Instant.parse(payload.path("time").asText(""));
    } catch (RuntimeException e) {
      throw new InvalidHeadException("payload time malformed");
    }
    return new VerifiedHead(seq, head, did, payload.path("policySha256").asText(""), time);
  }
}
