package dev.sovereign.attestation.nsm;

import com.upokecenter.cbor.CBORException;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The NSM wire format: {@link Request} and {@link Response} as {@code serde_cbor 0.11} serializes
 * the Rust enums of aws-nitro-enclaves-nsm-api ({@code serde_cbor::to_vec}, {@code
 * src/driver/mod.rs}).
 *
 * <p>serde's default "externally tagged" representation with serde_cbor's {@code enum_as_map} (its
 * default): a unit variant is the variant name as a text string ({@code "DescribeNSM"}); a struct
 * variant is a one-entry map from the variant name to a map of its fields, keys as text in
 * declaration order, definite lengths; a newtype variant ({@code Error(ErrorCode)}) is a one-entry
 * map to the inner value. {@code Vec<u8>} marked {@code serde_bytes} and {@code ByteBuf} are byte
 * strings, {@code Option::None} is {@code null}, {@code u16} the shortest unsigned integer, {@code
 * BTreeSet<u16>} an array in ascending order.
 *
 * <p>Decoding follows serde's derive where it is safe: fields in any order, unknown fields ignored,
 * a missing {@code Option} field is {@code None}; it is stricter on CBOR itself (no duplicate keys,
 * no trailing bytes, byte fields must be byte strings).
 */
public final class NsmCodec {
  private NsmCodec() {}

  // Variant and field names: src/api/mod.rs of aws-nitro-enclaves-nsm-api 0.5.1.
  static final String DESCRIBE_PCR = "DescribePCR";
  static final String EXTEND_PCR = "ExtendPCR";
  static final String LOCK_PCR = "LockPCR";
  static final String LOCK_PCRS = "LockPCRs";
  static final String DESCRIBE_NSM = "DescribeNSM";
  static final String ATTESTATION = "Attestation";
  static final String GET_RANDOM = "GetRandom";
  static final String ERROR = "Error";

  /** The CBOR bytes of a request. */
  public static byte[] encode(Request request) {
    CBORObject cbor;
    if (request instanceof Request.DescribePcr r) {
      cbor = struct(DESCRIBE_PCR, "index", CBORObject.FromObject(r.index()));
    } else if (request instanceof Request.ExtendPcr r) {
      cbor = struct(EXTEND_PCR, "index", CBORObject.FromObject(r.index()), "data", bytes(r.data()));
    } else if (request instanceof Request.LockPcr r) {
      cbor = struct(LOCK_PCR, "index", CBORObject.FromObject(r.index()));
    } else if (request instanceof Request.LockPcrs r) {
      cbor = struct(LOCK_PCRS, "range", CBORObject.FromObject(r.range()));
    } else if (request instanceof Request.DescribeNsm) {
      cbor = CBORObject.FromObject(DESCRIBE_NSM);
    } else if (request instanceof Request.Attestation r) {
      cbor =
          struct(
              ATTESTATION,
              "user_data",
              optionalBytes(r.userData()),
              "nonce",
              optionalBytes(r.nonce()),
              "public_key",
              optionalBytes(r.publicKey()));
    } else if (request instanceof Request.GetRandom) {
      cbor = CBORObject.FromObject(GET_RANDOM);
    } else {
      throw new IllegalArgumentException("unknown request " + request);
    }
    return cbor.EncodeToBytes();
  }

  /** The CBOR bytes of a response. */
  public static byte[] encode(Response response) {
    CBORObject cbor;
    if (response instanceof Response.DescribePcr r) {
      cbor =
          struct(
              DESCRIBE_PCR,
              "lock",
              r.lock() ? CBORObject.True : CBORObject.False,
              "data",
              bytes(r.data()));
    } else if (response instanceof Response.ExtendPcr r) {
      cbor = struct(EXTEND_PCR, "data", bytes(r.data()));
    } else if (response instanceof Response.LockPcr) {
      cbor = CBORObject.FromObject(LOCK_PCR);
    } else if (response instanceof Response.LockPcrs) {
      cbor = CBORObject.FromObject(LOCK_PCRS);
    } else if (response instanceof Response.DescribeNsm r) {
      CBORObject locked = CBORObject.NewArray();
      for (int i : r.lockedPcrs()) {
        locked.Add(CBORObject.FromObject(i));
      }
      cbor =
          struct(
              DESCRIBE_NSM,
              "version_major",
              CBORObject.FromObject(r.versionMajor()),
              "version_minor",
              CBORObject.FromObject(r.versionMinor()),
              "version_patch",
              CBORObject.FromObject(r.versionPatch()),
              "module_id",
              CBORObject.FromObject(r.moduleId()),
              "max_pcrs",
              CBORObject.FromObject(r.maxPcrs()),
              "locked_pcrs",
              locked,
              "digest",
              CBORObject.FromObject(r.digest().name()));
    } else if (response instanceof Response.Attestation r) {
      cbor = struct(ATTESTATION, "document", bytes(r.document()));
    } else if (response instanceof Response.GetRandom r) {
      cbor = struct(GET_RANDOM, "random", bytes(r.random()));
    } else if (response instanceof Response.Error r) {
      cbor =
          CBORObject.NewOrderedMap()
              .Add(CBORObject.FromObject(ERROR), CBORObject.FromObject(r.code().wireName()));
    } else {
      throw new IllegalArgumentException("unknown response " + response);
    }
    return cbor.EncodeToBytes();
  }

  /** Parses a request. */
  public static Request decodeRequest(byte[] bytes) {
    Variant v = variant(bytes);
    switch (v.name) {
      case DESCRIBE_PCR:
        return new Request.DescribePcr(u16(v.field("index")));
      case EXTEND_PCR:
        return new Request.ExtendPcr(u16(v.field("index")), byteString(v.field("data"), "data"));
      case LOCK_PCR:
        return new Request.LockPcr(u16(v.field("index")));
      case LOCK_PCRS:
        return new Request.LockPcrs(u16(v.field("range")));
      case DESCRIBE_NSM:
        v.requireUnit();
        return new Request.DescribeNsm();
      case ATTESTATION:
        return new Request.Attestation(
            optionalByteString(v.optionalField("user_data"), "user_data"),
            optionalByteString(v.optionalField("nonce"), "nonce"),
            optionalByteString(v.optionalField("public_key"), "public_key"));
      case GET_RANDOM:
        v.requireUnit();
        return new Request.GetRandom();
      default:
        throw new MalformedNsmMessageException("unknown request variant " + v.name);
    }
  }

  /**
   * Parses the response bytes an NSM returned, as the Rust driver does: bytes it cannot decode
   * become {@code Error(InternalError)}.
   */
  public static Response decodeResponseOrInternalError(byte[] bytes) {
    try {
      return decodeResponse(bytes);
    } catch (MalformedNsmMessageException e) {
      return new Response.Error(ErrorCode.INTERNAL_ERROR);
    }
  }

  /** Parses a response. */
  public static Response decodeResponse(byte[] bytes) {
    Variant v = variant(bytes);
    switch (v.name) {
      case DESCRIBE_PCR:
        return new Response.DescribePcr(bool(v.field("lock")), byteString(v.field("data"), "data"));
      case EXTEND_PCR:
        return new Response.ExtendPcr(byteString(v.field("data"), "data"));
      case LOCK_PCR:
        v.requireUnit();
        return new Response.LockPcr();
      case LOCK_PCRS:
        v.requireUnit();
        return new Response.LockPcrs();
      case DESCRIBE_NSM:
        {
          CBORObject locked = v.field("locked_pcrs");
          if (locked.getType() != CBORType.Array) {
            throw new MalformedNsmMessageException("locked_pcrs must be an array");
          }
          SortedSet<Integer> set = new TreeSet<>();
          for (int i = 0; i < locked.size(); i++) {
            if (!set.add(u16(locked.get(i)))) {
              throw new MalformedNsmMessageException("locked_pcrs has a duplicate");
            }
          }
          CBORObject digest = v.field("digest");
          if (digest.getType() != CBORType.TextString) {
            throw new MalformedNsmMessageException("digest must be a text string");
          }
          Digest d;
          try {
            d = Digest.valueOf(digest.AsString());
          } catch (IllegalArgumentException e) {
            throw new MalformedNsmMessageException("unknown digest " + digest.AsString());
          }
          CBORObject moduleId = v.field("module_id");
          if (moduleId.getType() != CBORType.TextString) {
            throw new MalformedNsmMessageException("module_id must be a text string");
          }
          return new Response.DescribeNsm(
              u16(v.field("version_major")),
              u16(v.field("version_minor")),
              u16(v.field("version_patch")),
              moduleId.AsString(),
              u16(v.field("max_pcrs")),
              set,
              d);
        }
      case ATTESTATION:
        return new Response.Attestation(byteString(v.field("document"), "document"));
      case GET_RANDOM:
        return new Response.GetRandom(byteString(v.field("random"), "random"));
      case ERROR:
        {
          if (v.body == null || v.body.getType() != CBORType.TextString) {
            throw new MalformedNsmMessageException("Error must carry an error code name");
          }
          String name = v.body.AsString();
          return new Response.Error(
              ErrorCode.fromWireName(name)
                  .orElseThrow(
                      () -> new MalformedNsmMessageException("unknown error code " + name)));
        }
      default:
        throw new MalformedNsmMessageException("unknown response variant " + v.name);
    }
  }

  private static CBORObject struct(String variant, Object... fields) {
    CBORObject body = CBORObject.NewOrderedMap();
    for (int i = 0; i < fields.length; i += 2) {
      body.Add(CBORObject.FromObject((String) fields[i]), (CBORObject) fields[i + 1]);
    }
    return CBORObject.NewOrderedMap().Add(CBORObject.FromObject(variant), body);
  }

  private static CBORObject bytes(byte[] b) {
    return CBORObject.FromObject(b);
  }

  private static CBORObject optionalBytes(byte[] b) {
    return b == null ? CBORObject.Null : CBORObject.FromObject(b);
  }

  /** An externally tagged enum value: a name and, for map form, the body. */
  private static final class Variant {
    final String name;
    final CBORObject body;

    Variant(String name, CBORObject body) {
      this.name = name;
      this.body = body;
    }

    void requireUnit() {
      if (body != null) {
        throw new MalformedNsmMessageException(name + " is a unit variant and carries no fields");
      }
    }

    CBORObject optionalField(String field) {
      if (body == null || body.getType() != CBORType.Map) {
        throw new MalformedNsmMessageException(name + " must carry a map of fields");
      }
      CBORObject value = body.get(CBORObject.FromObject(field));
      return value == null || value.isNull() ? null : value;
    }

    CBORObject field(String field) {
      if (body == null || body.getType() != CBORType.Map) {
        throw new MalformedNsmMessageException(name + " must carry a map of fields");
      }
      CBORObject value = body.get(CBORObject.FromObject(field));
      if (value == null) {
        throw new MalformedNsmMessageException(name + " misses field " + field);
      }
      return value;
    }
  }

  private static Variant variant(byte[] bytes) {
    CBORObject cbor;
    try {
      cbor = CBORObject.DecodeFromBytes(bytes);
    } catch (CBORException | IllegalArgumentException e) {
      throw new MalformedNsmMessageException("not well-formed CBOR: " + e.getMessage(), e);
    }
    if (cbor.isTagged()) {
      throw new MalformedNsmMessageException("tagged values are not NSM messages");
    }
    if (cbor.getType() == CBORType.TextString) {
      return new Variant(cbor.AsString(), null);
    }
    if (cbor.getType() == CBORType.Map && cbor.size() == 1) {
      Map.Entry<CBORObject, CBORObject> e = cbor.getEntries().iterator().next();
      if (e.getKey().getType() != CBORType.TextString || e.getKey().isTagged()) {
        throw new MalformedNsmMessageException("variant name must be a text string");
      }
      checkKeys(e.getValue());
      return new Variant(e.getKey().AsString(), e.getValue());
    }
    throw new MalformedNsmMessageException("an NSM message is a text string or a one-entry map");
  }

  private static void checkKeys(CBORObject body) {
    if (body.getType() != CBORType.Map) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (CBORObject k : body.getKeys()) {
      if (k.getType() != CBORType.TextString || !seen.add(k.AsString())) {
        throw new MalformedNsmMessageException("field names must be distinct text strings");
      }
    }
  }

  private static int u16(CBORObject o) {
    if (o.isTagged() || o.getType() != CBORType.Integer || !o.CanValueFitInInt32()) {
      throw new MalformedNsmMessageException("expected an unsigned 16-bit integer");
    }
    int v = o.AsInt32Value();
    if (v < 0 || v > 0xFFFF) {
      throw new MalformedNsmMessageException("expected an unsigned 16-bit integer, got " + v);
    }
    return v;
  }

  private static boolean bool(CBORObject o) {
    if (o.getType() != CBORType.Boolean) {
      throw new MalformedNsmMessageException("expected a boolean");
    }
    return o.AsBoolean();
  }

  private static byte[] byteString(CBORObject o, String field) {
    if (o.isTagged() || o.getType() != CBORType.ByteString) {
      throw new MalformedNsmMessageException(field + " must be a byte string");
    }
    return o.GetByteString();
  }

  private static byte[] optionalByteString(CBORObject o, String field) {
    return o == null ? null : byteString(o, field);
  }
}
