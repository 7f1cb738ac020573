package dev.sovereign.attestation;

import static dev.sovereign.attestation.AttestationRejection.MALFORMED;

import com.upokecenter.cbor.CBOREncodeOptions;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import dev.sovereign.attestation.internal.Es384;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Codec for Nitro attestation documents: the payload CBOR map and its COSE_Sign1 envelope.
 *
 * <pre>
 * COSE_Sign1 = [                    ; untagged as the NSM writes it; tag 18 accepted on input
 *   protected:   bstr .cbor {1: -35},   ; alg ES384, exactly the bytes A1 01 38 22
 *   unprotected: {},                    ; empty
 *   payload:     bstr .cbor AttestationDocument,
 *   signature:   bstr .size 96          ; IEEE P1363 r || s
 * ]
 * Sig_structure = ["Signature1", protected, h'', payload]
 * </pre>
 *
 * <p>The encoding is deterministic: definite lengths, shortest integer forms, payload keys in the
 * NSM's order (module_id, digest, timestamp, pcrs, certificate, cabundle, public_key, user_data,
 * nonce), PCRs by ascending index, absent optional fields as explicit {@code null}. {@link #parse}
 * accepts exactly that encoding (plus the optional tag 18), so a parsed document re-encodes byte
 * for byte.
 */
public final class AttestationDocuments {
  /** COSE algorithm ES384. */
  public static final int COSE_ALG_ES384 = -35;

  /** COSE_Sign1 tag. */
  public static final int COSE_SIGN1_TAG = 18;

  /** Upper bound on an encoded document (the NSM's response buffer is 12 KiB). */
  public static final int MAX_DOCUMENT_BYTES = 16 * 1024;

  private static final byte[] PROTECTED_ES384 = {(byte) 0xA1, 0x01, 0x38, 0x22};
  private static final CBOREncodeOptions STRICT =
      new CBOREncodeOptions("allowduplicatekeys=false;keepkeyorder=true");
  private static final List<String> KEYS =
      List.of(
          "module_id",
          "digest",
          "timestamp",
          "pcrs",
          "certificate",
          "cabundle",
          "public_key",
          "user_data",
          "nonce");
  private static final Set<String> REQUIRED =
      Set.of("module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle");

  private AttestationDocuments() {}

  /**
   * The protected header every document carries: {@code {1: -35}} serialized ({@code A1 01 38 22}).
   */
  public static byte[] protectedHeader() {
    return PROTECTED_ES384.clone();
  }

  /** The payload: deterministic CBOR of {@code document} in the NSM's key order. */
  public static byte[] encodePayload(AttestationDocument document) {
    Objects.requireNonNull(document, "document");
    CBORObject map = CBORObject.NewOrderedMap();
    map.Add("module_id", document.moduleId());
    map.Add("digest", document.digest());
    map.Add("timestamp", CBORObject.FromObject(document.timestampMillis()));
    CBORObject pcrs = CBORObject.NewOrderedMap();
    for (Map.Entry<Integer, byte[]> e : document.pcrsView().entrySet()) {
      pcrs.Add(CBORObject.FromObject(e.getKey().intValue()), CBORObject.FromObject(e.getValue()));
    }
    map.Add("pcrs", pcrs);
    map.Add("certificate", CBORObject.FromObject(document.certificateView()));
    CBORObject bundle = CBORObject.NewArray();
    for (byte[] c : document.cabundleView()) {
      bundle.Add(CBORObject.FromObject(c));
    }
    map.Add("cabundle", bundle);
    map.Add("public_key", bytesOrNull(document.publicKeyView()));
    map.Add("user_data", bytesOrNull(document.userDataView()));
    map.Add("nonce", bytesOrNull(document.nonceView()));
    return map.EncodeToBytes();
  }

  /**
   * Signs {@code document} as the NSM does: untagged COSE_Sign1, protected header {@code {1: -35}},
   * empty unprotected header, ES384 signature (deterministic RFC 6979 nonces) over the
   * Sig_structure. {@code p384Key} must be a P-384 EC private key; the algorithm follows from it.
   *
   * @throws IllegalArgumentException if the key is not a usable P-384 private key
   */
  public static byte[] sign(AttestationDocument document, PrivateKey p384Key) {
    Objects.requireNonNull(p384Key, "p384Key");
    byte[] payload = encodePayload(document);
    byte[] signature;
    try {
      signature =
          Es384.signP1363(Es384.privateKey(p384Key), sigStructure(PROTECTED_ES384, payload));
    } catch (InvalidKeyException e) {
      throw new IllegalArgumentException("signing key must be a P-384 EC private key", e);
    }
    return encodeCose(PROTECTED_ES384, payload, signature);
  }

  /**
   * Parses a COSE_Sign1 attestation document (untagged or with tag 18). Does NOT verify anything
   * cryptographic: use {@link AttestationVerifier}. Rejects, with {@link
   * AttestationRejection#MALFORMED}: anything but exactly one CBOR item (trailing bytes included),
   * duplicate map keys, tags other than one outer 18, a protected header other than {@code {1:
   * -35}}, a non-empty unprotected header, a signature not of 96 bytes, unknown or missing payload
   * keys, wrong field types or sizes, and encodings that are not the deterministic one described in
   * the class javadoc.
   */
  public static ParsedAttestation parse(byte[] cose) throws AttestationRejectedException {
    if (cose == null || cose.length == 0) {
      throw malformed("empty input");
    }
    if (cose.length > MAX_DOCUMENT_BYTES) {
      throw malformed("document larger than " + MAX_DOCUMENT_BYTES + " bytes");
    }
    CBORObject top = decodeOne(cose, "COSE_Sign1");
    boolean tagged = false;
    if (top.isTagged()) {
      if (!top.HasOneTag(COSE_SIGN1_TAG)) {
        throw malformed("COSE_Sign1 carries a tag other than a single 18");
      }
      tagged = true;
      top = top.UntagOne();
    }
    if (top.getType() != CBORType.Array || top.size() != 4) {
      throw malformed("COSE_Sign1 must be an array of 4 items");
    }
    byte[] protectedHeader = bytes(top.get(0), "protected header");
    if (!Arrays.equals(protectedHeader, PROTECTED_ES384)) {
      throw malformed("protected header must be exactly {1: -35} (ES384)");
    }
    CBORObject unprotected = top.get(1);
    if (unprotected.isTagged()
        || unprotected.getType() != CBORType.Map
        || unprotected.size() != 0) {
      throw malformed("unprotected header must be an empty map");
    }
    byte[] payload = bytes(top.get(2), "payload");
    byte[] signature = bytes(top.get(3), "signature");
    if (signature.length != Es384.SIGNATURE_BYTES) {
      throw malformed("signature must be 96 bytes (ES384, r || s)");
    }
    byte[] canonical = encodeCose(protectedHeader, payload, signature);
    if (!Arrays.equals(canonical, 0, canonical.length, cose, tagged ? 1 : 0, cose.length)) {
      throw malformed("COSE_Sign1 is not deterministically encoded");
    }
    AttestationDocument document = decodePayload(payload);
    if (!Arrays.equals(encodePayload(document), payload)) {
      throw malformed("payload is not deterministically encoded");
    }
    return new ParsedAttestation(protectedHeader, payload, signature, document, tagged);
  }

  static byte[] encodeCose(byte[] protectedHeader, byte[] payload, byte[] signature) {
    CBORObject a = CBORObject.NewArray();
    a.Add(CBORObject.FromObject(protectedHeader));
    a.Add(CBORObject.NewMap());
    a.Add(CBORObject.FromObject(payload));
    a.Add(CBORObject.FromObject(signature));
    return a.EncodeToBytes();
  }

  static byte[] sigStructure(byte[] protectedHeader, byte[] payload) {
    CBORObject a = CBORObject.NewArray();
    a.Add("Signature1");
    a.Add(CBORObject.FromObject(protectedHeader));
    a.Add(CBORObject.FromObject(new byte[0]));
    a.Add(CBORObject.FromObject(payload));
    return a.EncodeToBytes();
  }

  private static AttestationDocument decodePayload(byte[] payload)
      throws AttestationRejectedException {
    CBORObject map = decodeOne(payload, "payload");
    if (map.isTagged() || map.getType() != CBORType.Map) {
      throw malformed("payload must be a CBOR map");
    }
    Collection<CBORObject> keys = map.getKeys();
    for (CBORObject k : keys) {
      if (k.isTagged() || k.getType() != CBORType.TextString || !KEYS.contains(k.AsString())) {
        throw malformed("payload has an unknown key");
      }
    }
    for (String k : REQUIRED) {
      if (!map.ContainsKey(k)) {
        throw malformed("payload lacks " + k);
      }
    }
    AttestationDocument.Builder b = AttestationDocument.builder();
    b.moduleId(text(map.get("module_id"), "module_id"));
    b.digest(text(map.get("digest"), "digest"));
    CBORObject ts = map.get("timestamp");
    if (ts.isTagged()
        || ts.getType() != CBORType.Integer
        || !ts.CanValueFitInInt64()
        || ts.AsInt64Value() < 0) {
      throw malformed("timestamp must be an unsigned integer of milliseconds");
    }
    b.timestampMillis(ts.AsInt64Value());
    CBORObject pcrs = map.get("pcrs");
    if (pcrs.isTagged() || pcrs.getType() != CBORType.Map) {
      throw malformed("pcrs must be a map");
    }
    for (CBORObject k : pcrs.getKeys()) {
      if (k.isTagged()
          || k.getType() != CBORType.Integer
          || !k.CanValueFitInInt32()
          || k.AsInt32Value() < 0
          || k.AsInt32Value() >= AttestationDocument.MAX_PCRS) {
        throw malformed("pcr index must be an integer in 0..31");
      }
      b.pcr(k.AsInt32Value(), bytes(pcrs.get(k), "pcr value"));
    }
    b.certificate(bytes(map.get("certificate"), "certificate"));
    CBORObject bundle = map.get("cabundle");
    if (bundle.isTagged() || bundle.getType() != CBORType.Array) {
      throw malformed("cabundle must be an array");
    }
    List<byte[]> certs = new java.util.ArrayList<>(bundle.size());
    for (int i = 0; i < bundle.size(); i++) {
      certs.add(bytes(bundle.get(i), "cabundle entry"));
    }
    b.cabundle(certs);
    b.publicKey(optionalBytes(map, "public_key"));
    b.userData(optionalBytes(map, "user_data"));
    b.nonce(optionalBytes(map, "nonce"));
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // Our own validation messages: they name the field and the limit, nothing else.
      throw malformed(e.getMessage());
    }
  }

  private static CBORObject decodeOne(byte[] data, String what)
      throws AttestationRejectedException {
    CBORObject[] items;
    try {
      items = CBORObject.DecodeSequenceFromBytes(data, STRICT);
    } catch (RuntimeException e) {
      // CBORException, and whatever else the decoder throws on hostile input.
      throw malformed(what + " is not valid CBOR (or has duplicate map keys)");
    }
    if (items == null || items.length != 1) {
      throw malformed(what + " must be exactly one CBOR item, with no trailing bytes");
    }
    return items[0];
  }

  private static byte[] bytes(CBORObject o, String what) throws AttestationRejectedException {
    if (o == null || o.isTagged() || o.getType() != CBORType.ByteString) {
      throw malformed(what + " must be a byte string");
    }
    return o.GetByteString();
  }

  private static String text(CBORObject o, String what) throws AttestationRejectedException {
    if (o == null || o.isTagged() || o.getType() != CBORType.TextString) {
      throw malformed(what + " must be a text string");
    }
    return o.AsString();
  }

  private static byte[] optionalBytes(CBORObject map, String key)
      throws AttestationRejectedException {
    CBORObject o = map.get(key);
    if (o == null || (!o.isTagged() && o.isNull())) {
      return null;
    }
    return bytes(o, key);
  }

  private static CBORObject bytesOrNull(byte[] b) {
    return b == null ? CBORObject.Null : CBORObject.FromObject(b);
  }

  private static AttestationRejectedException malformed(String detail) {
    return new AttestationRejectedException(MALFORMED, detail);
  }
}
