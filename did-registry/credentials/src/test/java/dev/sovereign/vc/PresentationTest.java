package dev.sovereign.vc;

import static dev.sovereign.vc.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sovereign.did.KeyType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Presentations bound to one payload by nonce and audience. */
class PresentationTest {
  static final String ENCLAVE = "did:key:z6MkEnclaveAudience";
  final Fixture f;
  final TestIssuer producer = TestIssuer.didKey(KeyType.P256);

  PresentationTest() throws Exception {
    f = new Fixture();
  }

  String credential() throws Exception {
    return f.issuer
        .issuer()
        .credential("ProducerAuthorization")
        .subject(producer.did().toString())
        .claim("region", "EU")
        .validFrom(Fixture.T0.minusSeconds(600))
        .sign();
  }

  @Test
  void aPresentationBoundToThePayloadsNonceAndTheEnclaveVerifies() throws Exception {
    String vp =
        Presentations.present(
            producer.signer(),
            List.of(credential()),
            "payload-jti-1",
            ENCLAVE,
            Fixture.T0,
            Duration.ofMinutes(5));
    var v = Presentations.of(f.verifier()).verify(vp, "payload-jti-1", ENCLAVE, Fixture.T0);
    assertEquals(producer.did(), v.holder());
    assertEquals(1, v.credentials().size());
  }

  @Test
  void aPresentationReplayedWithAnotherNonceIsRejected() throws Exception {
    String vp =
        Presentations.present(
            producer.signer(),
            List.of(credential()),
            "payload-jti-1",
            ENCLAVE,
            Fixture.T0,
            Duration.ofMinutes(5));
    assertRejected(
        ReasonCode.VP_NONCE_MISMATCH,
        () -> Presentations.of(f.verifier()).verify(vp, "payload-jti-2", ENCLAVE, Fixture.T0));
  }

  @Test
  void aPresentationForAnotherAudienceIsRejected() throws Exception {
    String vp =
        Presentations.present(
            producer.signer(),
            List.of(credential()),
            "n",
            "did:example:other-verifier",
            Fixture.T0,
            Duration.ofMinutes(5));
    assertRejected(
        ReasonCode.VP_AUDIENCE_MISMATCH,
        () -> Presentations.of(f.verifier()).verify(vp, "n", ENCLAVE, Fixture.T0));
  }

  @Test
  void aStolenCredentialPresentedBySomeoneElseIsRejected() throws Exception {
    TestIssuer thief = TestIssuer.didKey(KeyType.ED25519);
    String vp =
        Presentations.present(
            thief.signer(), List.of(credential()), "n", ENCLAVE, Fixture.T0, Duration.ofMinutes(5));
    assertRejected(
        ReasonCode.VP_HOLDER_MISMATCH,
        () -> Presentations.of(f.verifier()).verify(vp, "n", ENCLAVE, Fixture.T0));
  }

  @Test
  void aHolderKeyNotListedForAuthenticationCannotPresent() throws Exception {
    dev.sovereign.did.Did did = dev.sovereign.did.Did.parse("did:test:holder-no-auth");
    TestIssuer holder = TestIssuer.didKey(KeyType.ED25519).withKid(did + "#key-1");
    f.resolver.publish(
        did,
        Fixture.T0.minusSeconds(3600),
        VersionedDidResolver.document(
            did, "key-1", holder, dev.sovereign.did.Relationship.ASSERTION_METHOD));
    String cred =
        f.issuer
            .issuer()
            .credential()
            .subject(did.toString())
            .validFrom(Fixture.T0.minusSeconds(60))
            .sign();
    String vp =
        Presentations.present(
            holder.signer(), List.of(cred), "n", ENCLAVE, Fixture.T0, Duration.ofMinutes(5));
    assertRejected(
        ReasonCode.KEY_NOT_AUTHENTICATION,
        () -> Presentations.of(f.verifier()).verify(vp, "n", ENCLAVE, Fixture.T0));
  }

  @Test
  void aRevokedCredentialInsideAPresentationRejectsThePresentationWithRevoked() throws Exception {
    String cred =
        f.issuer
            .issuer()
            .credential()
            .subject(producer.did().toString())
            .validFrom(Fixture.T0.minusSeconds(60))
            .status(StatusPurpose.REVOCATION, Fixture.REVOCATION_URL, 99)
            .sign();
    f.revocations.set(99, true);
    f.publishLists();
    String vp =
        Presentations.present(
            producer.signer(), List.of(cred), "n", ENCLAVE, Fixture.T0, Duration.ofMinutes(5));
    assertRejected(
        ReasonCode.REVOKED,
        () -> Presentations.of(f.verifier()).verify(vp, "n", ENCLAVE, Fixture.T0));
  }

  @Test
  void anExpiredPresentationIsRejected() throws Exception {
    String vp =
        Presentations.present(
            producer.signer(),
            List.of(credential()),
            "n",
            ENCLAVE,
            Fixture.T0,
            Duration.ofMinutes(5));
    assertRejected(
        ReasonCode.EXPIRED,
        () -> Presentations.of(f.verifier()).verify(vp, "n", ENCLAVE, Fixture.T0.plusSeconds(400)));
  }
}
