package dev.sovereign.enclave.seal;

import com.upokecenter.cbor.CBORException;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.round.Aggregator;
import dev.sovereign.enclave.round.Round;
import dev.sovereign.enclave.server.EnclaveService;
import dev.sovereign.enclave.server.EvidenceStore;
import java.math.BigDecimal;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The sealed body, version 1: a CBOR map holding everything a successor enclave needs to continue
 * (its keys, and every round with its replay set, leaves in order, counters and partial aggregates,
 * with each cell's producers and each producer's payload count, so contribution bounds and producer
 * thresholds hold across a restore), the epsilon each dataset has spent ({@code privacyBudget})
 * and, in their own versioned sections, the status lists it held and what its identity signed (the
 * result of every round it closed and the last audit head). Keys added after version 1 was first
 * written are optional on reading: a body without them is read as having none. It exists in the
 * clear only inside the enclave; outside it is the AES-256-GCM body of a {@code SealedState} blob.
 * Byte layout: docs/sealing.md.
 */
public final class SealedBody {
  /** Body format version written by this code. */
  public static final int VERSION = 1;

  private static final int MAX_ROUNDS = 10_000;

  /**
   * Version of the optional {@code statusLists} section: the status list credentials the enclave
   * held, so a restore cannot bring an older list back (absent in bodies sealed before it).
   */
  public static final int STATUS_LISTS_VERSION = 1;

  /**
   * Version of the optional {@code signed} section: the result each closed round was given and the
   * last audit head the identity signed, so no restore lets it sign a second result for a round or
   * a head that does not extend its last one (absent in bodies sealed before it: nothing signed).
   */
  public static final int SIGNED_VERSION = 1;

  /** A decoded body. */
  public record Contents(
      Instant sealedAt,
      String policySha256,
      EnclaveIdentity identity,
      List<Round.State> rounds,
      SortedMap<String, BigDecimal> privacySpent,
      List<EvidenceStore.Held> statusLists,
      Signed signed) {
    public Contents(
        Instant sealedAt,
        String policySha256,
        EnclaveIdentity identity,
        List<Round.State> rounds,
        SortedMap<String, BigDecimal> privacySpent) {
      this(sealedAt, policySha256, identity, rounds, privacySpent, List.of(), Signed.none());
    }
  }

  /** What the sealed identity signed: results by round id, and the last audit head. */
  public record Signed(Optional<EnclaveService.AuditHead> auditHead, Map<String, String> results) {
    /** Nothing signed yet. */
    public static Signed none() {
      return new Signed(Optional.empty(), Map.of());
    }
  }

  /** The body is not a version-1 body or does not hold what it must. */
  public static final class MalformedBodyException extends Exception {
    MalformedBodyException(String message) {
      super(message, null, false, false);
    }
  }

  private SealedBody() {}

  /**
   * Encodes the enclave's keys and rounds; the caller destroys the returned array after sealing.
   */
  public static byte[] encode(
      EnclaveIdentity identity, String policySha256, Collection<Round> rounds, Instant sealedAt) {
    return encode(identity, policySha256, rounds, new TreeMap<>(), sealedAt);
  }

  /**
   * As above, with the epsilon each dataset has spent ({@code privacyBudget}: dataset -> decimal
   * string), written when any was spent.
   */
  public static byte[] encode(
      EnclaveIdentity identity,
      String policySha256,
      Collection<Round> rounds,
      SortedMap<String, BigDecimal> privacySpent,
      Instant sealedAt) {
    return encode(identity, policySha256, rounds, privacySpent, sealedAt, List.of());
  }

  /** As above, with the status lists the enclave holds in their own versioned section. */
  public static byte[] encode(
      EnclaveIdentity identity,
      String policySha256,
      Collection<Round> rounds,
      SortedMap<String, BigDecimal> privacySpent,
      Instant sealedAt,
      List<EvidenceStore.Held> statusLists) {
    return encode(
        identity, policySha256, rounds, privacySpent, sealedAt, statusLists, Signed.none());
  }

  /** As above, with what the identity signed in its own versioned section. */
  public static byte[] encode(
      EnclaveIdentity identity,
      String policySha256,
      Collection<Round> rounds,
      SortedMap<String, BigDecimal> privacySpent,
      Instant sealedAt,
      List<EvidenceStore.Held> statusLists,
      Signed signed) {
    CBORObject m = CBORObject.NewOrderedMap();
    m.Add("v", VERSION);
    m.Add("sealedAt", sealedAt.toEpochMilli());
    m.Add("policySha256", policySha256);
    m.Add("did", identity.did());
    KeyPair signing = identity.signingKeyPairForSealing();
    byte[] signingPkcs8 = signing.getPrivate().getEncoded();
    byte[] encryptionPkcs8 = identity.encryptionPrivateKey().getEncoded();
    m.Add("signingKey", key(signingPkcs8, signing.getPublic().getEncoded()));
    m.Add("encryptionKey", key(encryptionPkcs8, identity.encryptionPublicKey().getEncoded()));
    CBORObject list = CBORObject.NewArray();
    for (Round r : rounds) {
      Round.State s = r.state();
      CBORObject o = CBORObject.NewOrderedMap();
      o.Add("id", s.id());
      o.Add("dataset", s.dataset());
      o.Add("opened", s.opened().toString());
      o.Add("closed", s.closed());
      o.Add("accepted", s.accepted());
      CBORObject jtis = CBORObject.NewArray();
      s.jtis().forEach(j -> jtis.Add(j));
      o.Add("jtis", jtis);
      CBORObject leaves = CBORObject.NewArray();
      s.leaves().forEach(l -> leaves.Add(CBORObject.FromObject(l)));
      o.Add("leaves", leaves);
      CBORObject rejected = CBORObject.NewOrderedMap();
      s.rejectedByReason().forEach((code, n) -> rejected.Add(code, n));
      o.Add("rejected", rejected);
      CBORObject rejectedProducers = CBORObject.NewOrderedMap();
      s.rejectedProducers()
          .forEach(
              (code, dids) -> {
                CBORObject a = CBORObject.NewArray();
                dids.forEach(a::Add);
                rejectedProducers.Add(code, a);
              });
      o.Add("rejectedProducers", rejectedProducers);
      o.Add("rejectedProducersCapped", s.rejectedProducersCapped());
      o.Add("unauthenticated", s.unauthenticated());
      if (!s.rememberedRejections().isEmpty()) {
        // protocol 1.7: the rejected payloads the round remembers, so that the same bytes resent
        // after a restore get their first verdict and are not counted again
        CBORObject remembered = CBORObject.NewArray();
        for (Round.RememberedRejection x : s.rememberedRejections()) {
          remembered.Add(CBORObject.NewArray().Add(x.digest()).Add(x.reason()));
        }
        o.Add("rememberedRejections", remembered);
      }
      CBORObject cells = CBORObject.NewArray();
      for (Aggregator.CellState c : s.cells()) {
        CBORObject co = CBORObject.NewOrderedMap();
        co.Add("metric", c.metric());
        CBORObject g = CBORObject.NewOrderedMap();
        c.group().forEach(g::Add);
        co.Add("group", g);
        co.Add("count", c.count());
        co.Add("sum", c.sum().toPlainString());
        co.Add(
            "min",
            c.min() == null ? CBORObject.Null : CBORObject.FromObject(c.min().toPlainString()));
        co.Add(
            "max",
            c.max() == null ? CBORObject.Null : CBORObject.FromObject(c.max().toPlainString()));
        if (c.histogram() == null) {
          co.Add("histogram", CBORObject.Null);
        } else {
          CBORObject h = CBORObject.NewArray();
          for (long v : c.histogram()) {
            h.Add(v);
          }
          co.Add("histogram", h);
        }
        CBORObject producers = CBORObject.NewOrderedMap();
        c.producers().forEach(producers::Add);
        co.Add("producers", producers);
        cells.Add(co);
      }
      o.Add("cells", cells);
      CBORObject payloads = CBORObject.NewOrderedMap();
      s.payloadsByProducer().forEach(payloads::Add);
      o.Add("payloadsByProducer", payloads);
      o.Add("recordsLeftOut", s.recordsLeftOut());
      o.Add("valuesClamped", s.valuesClamped());
      list.Add(o);
    }
    m.Add("rounds", list);
    if (!privacySpent.isEmpty()) {
      CBORObject budget = CBORObject.NewOrderedMap();
      privacySpent.forEach((d, v) -> budget.Add(d, v.toPlainString()));
      m.Add("privacyBudget", budget);
    }
    if (!statusLists.isEmpty()) {
      CBORObject section = CBORObject.NewOrderedMap();
      section.Add("v", STATUS_LISTS_VERSION);
      CBORObject lists = CBORObject.NewArray();
      for (EvidenceStore.Held h : statusLists) {
        CBORObject o = CBORObject.NewOrderedMap();
        o.Add("url", h.url());
        o.Add("jwt", h.jwt());
        o.Add("validFrom", h.validFrom().toString());
        lists.Add(o);
      }
      section.Add("lists", lists);
      m.Add("statusLists", section);
    }
    if (!signed.results().isEmpty() || signed.auditHead().isPresent()) {
      CBORObject section = CBORObject.NewOrderedMap();
      section.Add("v", SIGNED_VERSION);
      CBORObject results = CBORObject.NewOrderedMap();
      new TreeMap<>(signed.results()).forEach(results::Add);
      section.Add("results", results);
      signed
          .auditHead()
          .ifPresent(
              h -> {
                CBORObject a = CBORObject.NewOrderedMap();
                a.Add("seq", h.seq());
                a.Add("head", h.head());
                section.Add("audit", a);
              });
      m.Add("signed", section);
    }
    try {
      return m.EncodeToBytes();
    } finally {
      Arrays.fill(signingPkcs8, (byte) 0); // the CBOR tree holds these arrays by reference
      Arrays.fill(encryptionPkcs8, (byte) 0);
    }
  }

  private static CBORObject key(byte[] pkcs8, byte[] spki) {
    CBORObject k = CBORObject.NewOrderedMap();
    k.Add("pkcs8", CBORObject.FromObject(pkcs8));
    k.Add("spki", CBORObject.FromObject(spki));
    return k;
  }

  /** Decodes a body opened from a sealed blob. */
  public static Contents decode(byte[] body) throws MalformedBodyException {
    try {
      CBORObject m = CBORObject.DecodeFromBytes(body);
      if (m.getType() != CBORType.Map || integer(m, "v") != VERSION) {
        throw new MalformedBodyException("not a version " + VERSION + " body");
      }
      Instant sealedAt = Instant.ofEpochMilli(integer(m, "sealedAt"));
      String policy = text(m, "policySha256");
      EnclaveIdentity identity = identity(m);
      if (!identity.did().equals(text(m, "did"))) {
        throw new MalformedBodyException("the signing key does not give the sealed DID");
      }
      CBORObject list = array(m, "rounds");
      if (list.size() > MAX_ROUNDS) {
        throw new MalformedBodyException("too many rounds");
      }
      List<Round.State> rounds = new ArrayList<>();
      for (CBORObject o : list.getValues()) {
        rounds.add(round(o));
      }
      SortedMap<String, BigDecimal> spent = new TreeMap<>();
      CBORObject budget = m.get("privacyBudget");
      if (budget != null) {
        if (budget.getType() != CBORType.Map) {
          throw new MalformedBodyException("privacyBudget is not a map");
        }
        for (CBORObject k : budget.getKeys()) {
          BigDecimal v = new BigDecimal(budget.get(k).AsString());
          if (v.signum() < 0) {
            throw new MalformedBodyException("negative privacy spend");
          }
          spent.put(k.AsString(), v);
        }
      }
      return new Contents(sealedAt, policy, identity, rounds, spent, statusLists(m), signed(m));
    } catch (CBORException
        | IllegalArgumentException
        | IllegalStateException
        | ArithmeticException
        | java.time.DateTimeException e) {
      throw new MalformedBodyException("the body does not decode");
    }
  }

  private static Signed signed(CBORObject m) throws MalformedBodyException {
    if (m.get("signed") == null) {
      return Signed.none();
    }
    CBORObject section = field(m, "signed", CBORType.Map);
    if (integer(section, "v") != SIGNED_VERSION) {
      throw new MalformedBodyException("signed section of an unknown version");
    }
    CBORObject r = field(section, "results", CBORType.Map);
    if (r.size() > MAX_ROUNDS) {
      throw new MalformedBodyException("too many results");
    }
    Map<String, String> results = new TreeMap<>();
    for (CBORObject k : r.getKeys()) {
      results.put(k.AsString(), r.get(k).AsString());
    }
    Optional<EnclaveService.AuditHead> audit = Optional.empty();
    if (section.get("audit") != null) {
      CBORObject a = field(section, "audit", CBORType.Map);
      audit = Optional.of(new EnclaveService.AuditHead(integer(a, "seq"), text(a, "head")));
    }
    return new Signed(audit, Map.copyOf(results));
  }

  private static List<EvidenceStore.Held> statusLists(CBORObject m) throws MalformedBodyException {
    if (m.get("statusLists") == null) {
      return List.of();
    }
    CBORObject section = field(m, "statusLists", CBORType.Map);
    if (integer(section, "v") != STATUS_LISTS_VERSION) {
      throw new MalformedBodyException("statusLists section of an unknown version");
    }
    CBORObject lists = array(section, "lists");
    if (lists.size() > EvidenceStore.MAX_STATUS_LISTS) {
      throw new MalformedBodyException("too many status lists");
    }
    List<EvidenceStore.Held> out = new ArrayList<>();
    for (CBORObject o : lists.getValues()) {
      out.add(
          new EvidenceStore.Held(
              text(o, "url"), text(o, "jwt"), Instant.parse(text(o, "validFrom"))));
    }
    return out;
  }

  private static EnclaveIdentity identity(CBORObject m) throws MalformedBodyException {
    try {
      CBORObject s = field(m, "signingKey", CBORType.Map);
      CBORObject e = field(m, "encryptionKey", CBORType.Map);
      KeyFactory ed = KeyFactory.getInstance("Ed25519");
      KeyFactory ec = KeyFactory.getInstance("EC");
      PrivateKey sPriv = ed.generatePrivate(new PKCS8EncodedKeySpec(bytes(s, "pkcs8")));
      PublicKey sPub = ed.generatePublic(new X509EncodedKeySpec(bytes(s, "spki")));
      ECPrivateKey ePriv =
          (ECPrivateKey) ec.generatePrivate(new PKCS8EncodedKeySpec(bytes(e, "pkcs8")));
      ECPublicKey ePub = (ECPublicKey) ec.generatePublic(new X509EncodedKeySpec(bytes(e, "spki")));
      return EnclaveIdentity.fromSealedKeys(ePub, ePriv, new KeyPair(sPub, sPriv));
    } catch (GeneralSecurityException | ClassCastException ex) {
      throw new MalformedBodyException("sealed keys do not decode");
    }
  }

  private static Round.State round(CBORObject o) throws MalformedBodyException {
    if (o.getType() != CBORType.Map) {
      throw new MalformedBodyException("round is not a map");
    }
    List<String> jtis = new ArrayList<>();
    for (CBORObject j : array(o, "jtis").getValues()) {
      jtis.add(j.AsString());
    }
    List<byte[]> leaves = new ArrayList<>();
    for (CBORObject l : array(o, "leaves").getValues()) {
      byte[] leaf = l.GetByteString();
      if (leaf.length != 32) {
        throw new MalformedBodyException("leaf is not 32 bytes");
      }
      leaves.add(leaf);
    }
    SortedMap<String, Long> rejected = new TreeMap<>();
    CBORObject r = field(o, "rejected", CBORType.Map);
    for (CBORObject k : r.getKeys()) {
      rejected.put(k.AsString(), r.get(k).AsInt64Value());
    }
    // optional (bodies sealed before the split have none: their rejections stay by reason)
    SortedMap<String, List<String>> rejectedProducers = new TreeMap<>();
    CBORObject rp = o.get("rejectedProducers");
    if (rp != null) {
      if (rp.getType() != CBORType.Map) {
        throw new MalformedBodyException("rejectedProducers is not a map");
      }
      int pairs = 0;
      for (CBORObject k : rp.getKeys()) {
        CBORObject dids = rp.get(k);
        if (dids.getType() != CBORType.Array) {
          throw new MalformedBodyException("rejectedProducers holds a non-array");
        }
        pairs += dids.size();
        if (pairs > Round.MAX_REJECTED_PRODUCERS) {
          throw new MalformedBodyException("more rejected producers than a round keeps");
        }
        List<String> list = new ArrayList<>(dids.size());
        for (CBORObject d : dids.getValues()) {
          list.add(d.AsString());
        }
        rejectedProducers.put(k.AsString(), list);
      }
    }
    CBORObject capped = o.get("rejectedProducersCapped");
    if (capped != null && capped.getType() != CBORType.Boolean) {
      throw new MalformedBodyException("rejectedProducersCapped is not a boolean");
    }
    long unauthenticated = optionalInteger(o, "unauthenticated");
    if (unauthenticated < 0) {
      throw new MalformedBodyException("unauthenticated is negative");
    }
    // optional (bodies sealed before protocol 1.7 remember no rejected payload)
    List<Round.RememberedRejection> remembered = new ArrayList<>();
    CBORObject rr = o.get("rememberedRejections");
    if (rr != null) {
      if (rr.getType() != CBORType.Array || rr.size() > Round.MAX_REMEMBERED_REJECTIONS) {
        throw new MalformedBodyException("rememberedRejections is not an array of its bound");
      }
      for (CBORObject x : rr.getValues()) {
        if (x.getType() != CBORType.Array
            || x.size() != 2
            || x.get(0).getType() != CBORType.ByteString
            || x.get(0).GetByteString().length != 32
            || x.get(1).getType() != CBORType.TextString) {
          throw new MalformedBodyException("a remembered rejection is not [32-byte digest, code]");
        }
        remembered.add(
            new Round.RememberedRejection(x.get(0).GetByteString(), x.get(1).AsString()));
      }
    }
    List<Aggregator.CellState> cells = new ArrayList<>();
    for (CBORObject c : array(o, "cells").getValues()) {
      SortedMap<String, String> group = new TreeMap<>();
      CBORObject g = field(c, "group", CBORType.Map);
      for (CBORObject k : g.getKeys()) {
        group.put(k.AsString(), g.get(k).AsString());
      }
      CBORObject h = c.get("histogram");
      long[] hist = null;
      if (h != null && !h.isNull()) {
        hist = new long[h.size()];
        for (int i = 0; i < hist.length; i++) {
          hist[i] = h.get(i).AsInt64Value();
        }
      }
      cells.add(
          new Aggregator.CellState(
              text(c, "metric"),
              group,
              integer(c, "count"),
              new BigDecimal(text(c, "sum")),
              decimalOrNull(c, "min"),
              decimalOrNull(c, "max"),
              hist,
              counts(c, "producers")));
    }
    return new Round.State(
        text(o, "id"),
        text(o, "dataset"),
        Instant.parse(text(o, "opened")),
        field(o, "closed", CBORType.Boolean).AsBoolean(),
        integer(o, "accepted"),
        jtis,
        leaves,
        rejected,
        cells,
        counts(o, "payloadsByProducer"),
        optionalInteger(o, "recordsLeftOut"),
        optionalInteger(o, "valuesClamped"),
        rejectedProducers,
        capped != null && capped.AsBoolean(),
        unauthenticated,
        remembered);
  }

  /**
   * A map of text to count, empty when absent: bodies sealed before producers were counted have
   * none, and their cells then count no producer (they stay below any threshold).
   */
  private static SortedMap<String, Long> counts(CBORObject o, String name)
      throws MalformedBodyException {
    SortedMap<String, Long> out = new TreeMap<>();
    CBORObject v = o.get(name);
    if (v == null) {
      return out;
    }
    if (v.getType() != CBORType.Map) {
      throw new MalformedBodyException(name + " is not a map");
    }
    for (CBORObject k : v.getKeys()) {
      long n = v.get(k).AsInt64Value();
      if (n < 0) {
        throw new MalformedBodyException(name + " holds a negative count");
      }
      out.put(k.AsString(), n);
    }
    return out;
  }

  private static long optionalInteger(CBORObject o, String name) throws MalformedBodyException {
    return o.get(name) == null ? 0 : integer(o, name);
  }

  private static BigDecimal decimalOrNull(CBORObject o, String name) throws MalformedBodyException {
    CBORObject v = o.get(name);
    if (v == null) {
      throw new MalformedBodyException(name + " missing");
    }
    return v.isNull() ? null : new BigDecimal(v.AsString());
  }

  private static CBORObject field(CBORObject o, String name, CBORType type)
      throws MalformedBodyException {
    CBORObject v = o.get(name);
    if (v == null || v.getType() != type) {
      throw new MalformedBodyException(name + " missing or of the wrong type");
    }
    return v;
  }

  private static CBORObject array(CBORObject o, String name) throws MalformedBodyException {
    return field(o, name, CBORType.Array);
  }

  private static String text(CBORObject o, String name) throws MalformedBodyException {
    return field(o, name, CBORType.TextString).AsString();
  }

  private static byte[] bytes(CBORObject o, String name) throws MalformedBodyException {
    return field(o, name, CBORType.ByteString).GetByteString();
  }

  private static long integer(CBORObject o, String name) throws MalformedBodyException {
    CBORObject v = field(o, name, CBORType.Integer);
    return v.AsInt64Value();
  }
}
