package dev.sovereign.vc;

import static dev.sovereign.vc.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.KeyType;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Base64;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Bitstring Status List v1.0: encoding, issuing, revoking, suspending and fail-closed checking. */
class StatusListTest {
  final Fixture f;

  StatusListTest() throws Exception {
    f = new Fixture();
  }

  @Test
  void theEncodedListIsMultibaseBase64urlOfGzipWithIndexZeroAsTheMostSignificantBitAndAtLeast16KB()
      throws Exception {
    BitstringStatusList l =
        BitstringStatusList.create(BitstringStatusList.MIN_ENTRIES).with(0, true).with(9, true);
    String enc = l.encode();
    assertEquals('u', enc.charAt(0));
    assertFalse(enc.contains("=") || enc.contains("+") || enc.contains("/"));
    byte[] raw =
        new GZIPInputStream(
                new ByteArrayInputStream(Base64.getUrlDecoder().decode(enc.substring(1))))
            .readAllBytes();
    assertEquals(16 * 1024, raw.length);
    assertEquals((byte) 0x80, raw[0]);
    assertEquals((byte) 0x40, raw[1]);
    BitstringStatusList back = BitstringStatusList.decode(enc);
    assertTrue(back.get(0) && back.get(9) && !back.get(1));
  }

  @Test
  void aCredentialWhoseEntriesAreClearVerifiesAndTheReportShowsBothStatusSteps() throws Exception {
    VerifiedCredential v = f.verifier().verify(f.credential(42).sign());
    long statusSteps =
        v.report().steps().stream()
            .filter(s -> s.step().startsWith("status (") && s.step().endsWith(")"))
            .count();
    assertEquals(2, statusSteps, v.report().toJson());
  }

  @Test
  void aRevokedCredentialIsRejectedAsRevoked() throws Exception {
    String jwt = f.credential(7).sign();
    f.revocations.set(7, true);
    f.publishLists();
    assertRejected(ReasonCode.REVOKED, () -> f.verifier().verify(jwt));
  }

  @Test
  void aSuspendedCredentialIsRejectedAsSuspendedAndVerifiesAgainOnceReinstated() throws Exception {
    String jwt = f.credential(8).sign();
    f.suspensions.set(8, true);
    f.publishLists();
    assertRejected(ReasonCode.SUSPENDED, () -> f.verifier().verify(jwt));
    f.suspensions.set(8, false);
    f.publishLists();
    f.verifier().verify(jwt);
  }

  @Test
  void aStatusListSignedWithAnotherKeyIsRejectedAsAnInvalidStatusListSignature() throws Exception {
    String jwt = f.credential(1).sign();
    TestIssuer mallory = TestIssuer.didKey(KeyType.ED25519);
    // Mallory's list at the authority's URL: signed correctly, but by someone else.
    f.published.put(
        Fixture.REVOCATION_URL,
        StatusListIssuer.create(mallory.issuer(), Fixture.REVOCATION_URL, StatusPurpose.REVOCATION)
            .publish(Fixture.T0, Duration.ofDays(1), Duration.ofMinutes(5)));
    assertRejected(ReasonCode.STATUS_LIST_SIGNATURE_INVALID, () -> f.verifier().verify(jwt));
  }

  @Test
  void aStatusListWithABrokenSignatureIsRejectedAsAnInvalidStatusListSignature() throws Exception {
    String jwt = f.credential(1).sign();
    String list = f.published.get(Fixture.REVOCATION_URL);
    String[] p = list.split("\\.");
    byte[] sig = Base64.getUrlDecoder().decode(p[2]);
    sig[5] ^= 0x20;
    f.published.put(
        Fixture.REVOCATION_URL,
        p[0] + "." + p[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
    assertRejected(ReasonCode.STATUS_LIST_SIGNATURE_INVALID, () -> f.verifier().verify(jwt));
  }

  @Test
  void anUnsignedStatusListIsRejectedAsAnInvalidStatusListSignature() throws Exception {
    String jwt = f.credential(1).sign();
    String payload = f.published.get(Fixture.REVOCATION_URL).split("\\.")[1];
    String none =
        Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());
    f.published.put(Fixture.REVOCATION_URL, none + "." + payload + ".");
    assertRejected(ReasonCode.STATUS_LIST_SIGNATURE_INVALID, () -> f.verifier().verify(jwt));
  }

  @Test
  void anUnreachableStatusListIsARejectionNotAPass() throws Exception {
    String jwt = f.credential(1).sign();
    f.published.remove(Fixture.SUSPENSION_URL);
    assertRejected(ReasonCode.STATUS_LIST_UNREACHABLE, () -> f.verifier().verify(jwt));
    assertRejected(
        ReasonCode.STATUS_LIST_UNREACHABLE,
        () -> CredentialVerifier.builder(f.resolver).clock(f.clock).build().verify(jwt));
  }

  @Test
  void anIndexBeyondTheEndOfTheListIsRejectedAsOutOfRange() throws Exception {
    String jwt = f.credential(BitstringStatusList.MIN_ENTRIES).sign();
    assertRejected(ReasonCode.STATUS_INDEX_OUT_OF_RANGE, () -> f.verifier().verify(jwt));
  }

  @Test
  void aListShorterThan131072EntriesIsRejectedAsTooShort() throws Exception {
    String jwt = f.credential(1).sign();
    ObjectNode c =
        (ObjectNode)
            Json.MAPPER.readTree(
                Base64.getUrlDecoder()
                    .decode(f.published.get(Fixture.REVOCATION_URL).split("\\.")[1]));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (var gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.write(new byte[1024]);
    }
    ((ObjectNode) c.get("credentialSubject"))
        .put(
            "encodedList",
            "u" + Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray()));
    f.published.put(Fixture.REVOCATION_URL, f.issuer.issuer().sign(c));
    assertRejected(ReasonCode.STATUS_LIST_TOO_SHORT, () -> f.verifier().verify(jwt));
  }

  @Test
  void aListOlderThanTheAcceptedAgeIsRejectedAsStale() throws Exception {
    String jwt = f.credential(1).sign();
    f.clock.advance(Duration.ofHours(25));
    assertRejected(ReasonCode.STATUS_LIST_STALE, () -> f.verifier().verify(jwt));
    f.clock.advance(Duration.ofDays(7));
    assertRejected(ReasonCode.STATUS_LIST_STALE, () -> f.verifier().verify(jwt));
  }

  @Test
  void aListForAnotherPurposeIsRejected() throws Exception {
    String jwt = f.credential(1).sign();
    f.published.put(Fixture.REVOCATION_URL, f.published.get(Fixture.SUSPENSION_URL));
    assertRejected(ReasonCode.STATUS_LIST_INVALID, () -> f.verifier().verify(jwt));
  }

  @Test
  void listsAreCachedForTheirTtlAndRefetchedAfterIt() throws Exception {
    CredentialVerifier v = f.verifier();
    String jwt = f.credential(3).sign();
    v.verify(jwt);
    v.verify(jwt);
    assertEquals(2, f.fetches.get(), "one fetch per list within the ttl");
    f.revocations.set(3, true);
    f.publishLists();
    v.verify(jwt); // the cached list is still within its 5 minute ttl
    f.clock.advance(Duration.ofMinutes(5));
    assertRejected(ReasonCode.REVOKED, () -> v.verify(jwt));
    assertEquals(
        3,
        f.fetches.get(),
        "the revocation list was refetched (and rejected before the suspension list was needed)");
  }

  @Test
  void statusIsCheckedOnEveryVerificationEvenWhenTheSignatureResultIsCached() throws Exception {
    CredentialVerifier v = f.verifierBuilder().signatureCache(100).build();
    String jwt = f.credential(4).sign();
    v.verify(jwt);
    int resolutions = f.resolver.calls.get();
    VerifiedCredential again = v.verify(jwt);
    assertTrue(again.report().steps().stream().anyMatch(s -> s.step().equals("signature cache")));
    assertEquals(
        resolutions + 1,
        f.resolver.calls.get(),
        "the cached signature result resolves only the issuer (still active, c62f8eb)");
    f.suspensions.set(4, true);
    f.publishLists();
    f.clock.advance(Duration.ofMinutes(6));
    var e = assertRejected(ReasonCode.SUSPENDED, () -> v.verify(jwt));
    assertTrue(
        e.report().steps().stream().anyMatch(s -> s.step().equals("signature cache")),
        e.report()::toJson);
  }

  @Test
  void revocationIsPermanentAtTheIssuer() {
    f.revocations.set(5, true);
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalStateException.class, () -> f.revocations.set(5, false));
  }
}
