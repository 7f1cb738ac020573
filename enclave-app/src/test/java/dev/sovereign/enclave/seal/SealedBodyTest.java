package dev.sovereign.enclave.seal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.upokecenter.cbor.CBORObject;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.AcceptedPayload;
import dev.sovereign.enclave.pipeline.ProducerAuthorization;
import dev.sovereign.enclave.pipeline.ProducerRecord;
import dev.sovereign.enclave.pipeline.RejectionReason;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.round.Round;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The sealed body v1: a round trip keeps keys, replay sets, leaves, counters and exact aggregates.
 */
class SealedBodyTest {
  private static final String POLICY =
      """
      version: 1
      policyId: t
      enclave: {region: r1, acceptedMeasurements: [{pcr0: "%s"}]}
      zones: {EU: {countries: [DE, FR], processingRegions: [r1], trustAnchors: ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]}}
      datasets:
        plain: {zones: [EU], groupBy: [country], minGroupSize: 1,
                privacy: {payloadsPerRound: 3, groupsPerProducer: 10, recordsPerGroup: 10, onExcess: reject},
                metrics: {v: {functions: [sum, count, mean, histogram], bounds: [0, 1000], histogram: [10, 100]}}}
      """
          .formatted("00".repeat(48));

  private static AcceptedPayload payload(String jti, byte leaf, String country, String value) {
    TreeMap<String, String> g = new TreeMap<>();
    g.put("country", country);
    byte[] l = new byte[32];
    l[0] = leaf;
    return new AcceptedPayload(
        l,
        "did:key:p",
        jti,
        "EU",
        List.of(new ProducerRecord(g, "v", new BigDecimal(value))),
        new ProducerAuthorization("did:key:p", Set.of("EU"), Set.of("plain"), List.of()));
  }

  /**
   * Protocol 1.7: what a round answered to exactly which bytes survives a seal and a restore, so a
   * payload the host resends to a restored enclave gets its first verdict and no second count.
   */
  @Test
  void theVerdictsGivenToPayloadBytesSurviveARoundTripSoAResendAfterARestoreIsNotCountedTwice()
      throws Exception {
    SovereigntyPolicy policy = PolicyLoader.parse(POLICY);
    SovereigntyPolicy.Dataset ds = policy.dataset("plain").orElseThrow();
    Round open = new Round("r1", ds, Instant.parse("2026-11-27T10:00:00Z"));
    assertTrue(open.accept(payload("a", (byte) 2, "DE", "0.1")).isEmpty());
    byte[] replayed = new byte[32];
    replayed[0] = 7;
    assertTrue(open.accept(payload("a", (byte) 7, "DE", "0.1")).isPresent(), "jti a again");
    byte[] revoked = new byte[32];
    revoked[0] = 8;
    open.rejectAuthenticated(RejectionReason.CREDENTIAL_REVOKED, "did:key:q", revoked);
    byte[] junk = new byte[32];
    junk[0] = 9;
    open.rejectUnauthenticated(RejectionReason.MALFORMED_JWE, junk);
    byte[] body =
        SealedBody.encode(
            EnclaveIdentity.generate(new SecureRandom()),
            policy.sha256Hex(),
            List.of(open),
            Instant.parse("2026-11-27T11:00:00Z"));

    Round back = Round.restore(SealedBody.decode(body).rounds().get(0), ds);
    byte[] accepted = new byte[32];
    accepted[0] = 2;
    assertArrayEquals(
        accepted, ((Round.Seen.Accepted) back.seen(accepted).orElseThrow()).leaf(), "accepted");
    assertEquals(
        new Round.Seen.Rejected(RejectionReason.REPLAY), back.seen(replayed).orElseThrow());
    assertEquals(
        new Round.Seen.Rejected(RejectionReason.CREDENTIAL_REVOKED),
        back.seen(revoked).orElseThrow());
    assertEquals(
        new Round.Seen.Rejected(RejectionReason.MALFORMED_JWE), back.seen(junk).orElseThrow());
    assertTrue(back.seen(new byte[32]).isEmpty(), "bytes never sent");
  }

  @Test
  void aRoundRemembersAtMostItsBoundOfRejectedPayloadsForgettingTheOldestFirst() throws Exception {
    SovereigntyPolicy.Dataset ds = PolicyLoader.parse(POLICY).dataset("plain").orElseThrow();
    Round r = new Round("r1", ds, Instant.parse("2026-11-27T10:00:00Z"));
    for (int i = 0; i <= Round.MAX_REMEMBERED_REJECTIONS; i++) {
      r.rejectUnauthenticated(RejectionReason.MALFORMED_JWE, digest(i));
    }
    assertTrue(r.seen(digest(0)).isEmpty(), "the oldest is forgotten");
    assertTrue(r.seen(digest(1)).isPresent());
    assertTrue(r.seen(digest(Round.MAX_REMEMBERED_REJECTIONS)).isPresent());
    assertEquals(Round.MAX_REMEMBERED_REJECTIONS, r.state().rememberedRejections().size());
    assertEquals(Round.MAX_REMEMBERED_REJECTIONS + 1, r.state().unauthenticated());
  }

  private static byte[] digest(int i) {
    byte[] d = new byte[32];
    d[0] = (byte) (i >> 24);
    d[1] = (byte) (i >> 16);
    d[2] = (byte) (i >> 8);
    d[3] = (byte) i;
    return d;
  }

  @Test
  void aRoundTripKeepsTheIdentityTheReplaySetTheLeavesInOrderAndTheExactAggregates()
      throws Exception {
    SovereigntyPolicy policy = PolicyLoader.parse(POLICY);
    SovereigntyPolicy.Dataset ds = policy.dataset("plain").orElseThrow();
    EnclaveIdentity identity = EnclaveIdentity.generate(new SecureRandom());
    Round open = new Round("r1", ds, Instant.parse("2026-11-27T10:00:00Z"));
    open.accept(payload("a", (byte) 2, "DE", "0.1"));
    open.accept(payload("b", (byte) 1, "DE", "0.2"));
    open.accept(payload("c", (byte) 3, "FR", "500"));
    open.rejectAuthenticated(RejectionReason.REPLAY, "did:key:p");
    open.rejectAuthenticated(RejectionReason.REPLAY, "did:key:p");
    open.rejectUnauthenticated();
    open.rejectUnauthenticated();
    open.rejectUnauthenticated();
    Round closed = new Round("r0", ds, Instant.parse("2026-11-26T10:00:00Z"));
    closed.close();
    Instant at = Instant.parse("2026-11-27T11:00:00Z");

    byte[] body = SealedBody.encode(identity, policy.sha256Hex(), List.of(open, closed), at);
    SealedBody.Contents c = SealedBody.decode(body);

    assertEquals(at, c.sealedAt());
    assertEquals(policy.sha256Hex(), c.policySha256());
    assertEquals(identity.did(), c.identity().did());
    assertEquals(identity.encryptionKid(), c.identity().encryptionKid());
    assertEquals(2, c.rounds().size());
    Round back = Round.restore(c.rounds().get(0), ds);
    Round.State s = back.state();
    assertEquals(3, s.accepted());
    assertEquals(Set.of("a", "b", "c"), Set.copyOf(s.jtis()));
    assertEquals(
        List.of((byte) 2, (byte) 1, (byte) 3), s.leaves().stream().map(l -> l[0]).toList());
    assertEquals(Map.of("replay", 2L), s.rejectedByReason());
    assertEquals(Map.of("replay", List.of("did:key:p")), s.rejectedProducers());
    assertEquals(3, s.unauthenticated(), "the unauthenticated count survives the seal");
    assertTrue(
        back.accept(payload("a", (byte) 9, "DE", "1")).isPresent(), "a sealed jti stays a replay");
    Round.Snapshot snap = back.close();
    assertEquals(Map.of("replay", 3L), snap.rejectedByReason(), "two sealed and one new replay");
    assertEquals(Map.of("replay", 1L), snap.rejectedProducersByReason(), "one producer");
    assertEquals(3, snap.unauthenticated());
    var cells =
        snap.aggregator().cellStates().stream()
            .collect(java.util.stream.Collectors.toMap(x -> x.group().get("country"), x -> x));
    assertEquals(0, new BigDecimal("0.3").compareTo(cells.get("DE").sum()), "exact decimal sum");
    assertArrayEquals(new long[] {2, 0, 0}, cells.get("DE").histogram());
    assertTrue(Round.restore(c.rounds().get(1), ds).isClosed());
  }

  @Test
  void aBodyOfAnUnknownVersionOrWhoseKeysDoNotGiveTheDidIsMalformed() throws Exception {
    SovereigntyPolicy policy = PolicyLoader.parse(POLICY);
    EnclaveIdentity identity = EnclaveIdentity.generate(new SecureRandom());
    byte[] body = SealedBody.encode(identity, policy.sha256Hex(), List.of(), Instant.now());
    CBORObject m = CBORObject.DecodeFromBytes(body);
    m.set("v", CBORObject.FromObject(3));
    assertThrows(
        SealedBody.MalformedBodyException.class, () -> SealedBody.decode(m.EncodeToBytes()));
    CBORObject other = CBORObject.DecodeFromBytes(body);
    other.set("did", CBORObject.FromObject(EnclaveIdentity.generate(new SecureRandom()).did()));
    assertThrows(
        SealedBody.MalformedBodyException.class, () -> SealedBody.decode(other.EncodeToBytes()));
    assertThrows(
        SealedBody.MalformedBodyException.class,
        () -> SealedBody.decode(new byte[] {(byte) 0xa1, 0x01}));
    assertThrows(SealedBody.MalformedBodyException.class, () -> SealedBody.decode(new byte[0]));
  }

  @Test
  void producersPayloadCountsAndTheSpentBudgetSurviveARoundTripSoARestoreCannotResetThem()
      throws Exception {
    SovereigntyPolicy policy = PolicyLoader.parse(POLICY);
    SovereigntyPolicy.Dataset ds = policy.dataset("plain").orElseThrow();
    EnclaveIdentity identity = EnclaveIdentity.generate(new SecureRandom());
    Round open = new Round("r1", ds, Instant.parse("2026-11-27T10:00:00Z"));
    open.accept(payload("a", (byte) 1, "DE", "1"));
    open.accept(payload("b", (byte) 2, "DE", "2"));
    open.accept(payload("c", (byte) 3, "DE", "3"));
    java.util.SortedMap<String, BigDecimal> spent = new TreeMap<>();
    spent.put("plain", new BigDecimal("2.5"));
    byte[] body =
        SealedBody.encode(identity, policy.sha256Hex(), List.of(open), spent, Instant.now());
    SealedBody.Contents c = SealedBody.decode(body);
    assertEquals(0, new BigDecimal("2.5").compareTo(c.privacySpent().get("plain")));
    Round back = Round.restore(c.rounds().get(0), ds);
    assertEquals(
        java.util.Optional.of(RejectionReason.PRODUCER_PAYLOAD_LIMIT),
        back.accept(payload("d", (byte) 4, "DE", "4")),
        "the producer's 3 payloads were sealed: a fourth is still over payloadsPerRound");
    assertEquals(3L, back.state().cells().get(0).producers().get("did:key:p"));
  }

  @Test
  void aBodySealedBeforeProducersWereCountedStillReadsAndItsCellsCountNoProducer()
      throws Exception {
    SovereigntyPolicy policy = PolicyLoader.parse(POLICY);
    SovereigntyPolicy.Dataset ds = policy.dataset("plain").orElseThrow();
    EnclaveIdentity identity = EnclaveIdentity.generate(new SecureRandom());
    Round open = new Round("r1", ds, Instant.parse("2026-11-27T10:00:00Z"));
    open.accept(payload("a", (byte) 1, "DE", "1"));
    CBORObject m =
        CBORObject.DecodeFromBytes(
            SealedBody.encode(identity, policy.sha256Hex(), List.of(open), Instant.now()));
    CBORObject round = m.get("rounds").get(0);
    round.Remove(CBORObject.FromObject("payloadsByProducer"));
    round.Remove(CBORObject.FromObject("recordsLeftOut"));
    round.Remove(CBORObject.FromObject("valuesClamped"));
    round.get("cells").get(0).Remove(CBORObject.FromObject("producers"));
    SealedBody.Contents c = SealedBody.decode(m.EncodeToBytes());
    assertTrue(c.privacySpent().isEmpty());
    Round back = Round.restore(c.rounds().get(0), ds);
    assertTrue(back.state().cells().get(0).producers().isEmpty());
    assertEquals(
        0,
        back.close().aggregator().disclose(new SecureRandom()).cells().size(),
        "a cell without producers stays below k = 1");
  }

  @Test
  void theSignedSectionKeepsResultsAndTheLastAuditHeadAndABodyWithoutItStillDecodes()
      throws Exception {
    SovereigntyPolicy policy = PolicyLoader.parse(POLICY);
    EnclaveIdentity identity = EnclaveIdentity.generate(new SecureRandom());
    byte[] body =
        SealedBody.encode(
            identity,
            policy.sha256Hex(),
            List.of(),
            new TreeMap<>(),
            Instant.now(),
            List.of(),
            new SealedBody.Signed(
                java.util.Optional.of(
                    new dev.sovereign.enclave.server.EnclaveService.AuditHead(9, "ab".repeat(32))),
                java.util.Map.of("r1", "header.payload.signature")));
    SealedBody.Contents c = SealedBody.decode(body);
    assertEquals(9, c.signed().auditHead().orElseThrow().seq());
    assertEquals("ab".repeat(32), c.signed().auditHead().orElseThrow().head());
    assertEquals(java.util.Map.of("r1", "header.payload.signature"), c.signed().results());

    CBORObject before = CBORObject.DecodeFromBytes(body);
    before.Remove(CBORObject.FromObject("signed"));
    SealedBody.Contents old = SealedBody.decode(before.EncodeToBytes());
    assertTrue(old.signed().auditHead().isEmpty());
    assertTrue(old.signed().results().isEmpty());

    CBORObject future = CBORObject.DecodeFromBytes(body);
    future.get("signed").set("v", CBORObject.FromObject(2));
    assertThrows(
        SealedBody.MalformedBodyException.class,
        () -> SealedBody.decode(future.EncodeToBytes()),
        "a signed section of an unknown version is refused, not read as nothing signed");
  }
}
