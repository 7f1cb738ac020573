package dev.sovereign.did;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sovereign.did.key.DidKey;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KeyAuthorizerTest {
  private static final String KEY_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
  private static final String KEY_ID =
      KEY_DID + "#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
  private static final String X_ID = KEY_DID + "#z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW";
  private static final Instant T1 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant T2 = Instant.parse("2026-06-01T00:00:00Z");
  private static final PublicKeyMaterial OLD = DidKey.decode(KEY_DID);
  private static final PublicKeyMaterial NEW =
      DidKey.decode("did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG");

  private KeyAuthorizer authorizer;

  @BeforeEach
  void setUp() {
    VersionedTestMethod ledger = new VersionedTestMethod();
    ledger.publish(VersionedTestMethod.documentWithKey("did:test:p", OLD, "k1"), T1, false);
    ledger.publish(VersionedTestMethod.documentWithKey("did:test:p", NEW, "k2"), T2, false);
    ledger.publish(VersionedTestMethod.documentWithKey("did:test:gone", OLD, "k1"), T1, false);
    ledger.publish(VersionedTestMethod.documentWithKey("did:test:gone", OLD, "k1"), T2, true);
    authorizer = new KeyAuthorizer(DidResolvers.builder().withDidKey().method(ledger).build());
  }

  private static KeyAuthorizationException.Reason reasonOf(ThrowingCall call) {
    return assertThrows(KeyAuthorizationException.class, call::run).reason();
  }

  interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void aDidKeyIsAuthorizedForAssertionWithItsOwnKey() throws Exception {
    AuthorizedKey k = authorizer.authorize(KEY_ID, Relationship.ASSERTION_METHOD);
    assertEquals(OLD, k.key());
    assertEquals(Relationship.ASSERTION_METHOD, k.relationship());
  }

  @Test
  void theDerivedX25519KeyIsNotAuthorizedForAssertion() {
    assertEquals(
        KeyAuthorizationException.Reason.NOT_AUTHORIZED,
        reasonOf(() -> authorizer.authorize(X_ID, Relationship.ASSERTION_METHOD)));
  }

  @Test
  void aKeySignedBeforeRotationVerifiesAsOfItsTimeAndFailsAgainstTheCurrentDocument()
      throws Exception {
    Instant signedAt = T1.plusSeconds(3600);
    assertEquals(
        OLD, authorizer.authorize("did:test:p#k1", Relationship.ASSERTION_METHOD, signedAt).key());
    assertEquals(
        KeyAuthorizationException.Reason.METHOD_NOT_FOUND,
        reasonOf(() -> authorizer.authorize("did:test:p#k1", Relationship.ASSERTION_METHOD)));
    assertEquals(NEW, authorizer.authorize("did:test:p#k2", Relationship.ASSERTION_METHOD).key());
  }

  @Test
  void aKeyIdThatPicksItsOwnVersionIsRefused() {
    assertEquals(
        KeyAuthorizationException.Reason.INVALID_KEY_ID,
        reasonOf(
            () ->
                authorizer.authorize("did:test:p?versionId=1#k1", Relationship.ASSERTION_METHOD)));
  }

  @Test
  void dereferencingHonoursTheVersionInTheUrl() throws Exception {
    assertEquals(
        OLD,
        authorizer
            .dereference(DidUrl.parse("did:test:p?versionId=1#k1"))
            .publicKeyMaterial()
            .orElseThrow());
  }

  @Test
  void aKeyOfAnotherDidThanTheIssuerIsRefused() {
    assertEquals(
        KeyAuthorizationException.Reason.WRONG_DID,
        reasonOf(
            () ->
                authorizer.authorize(
                    Did.parse("did:test:p"),
                    KEY_ID,
                    Relationship.ASSERTION_METHOD,
                    Optional.empty())));
  }

  @Test
  void aDeactivatedDidAuthorizesNothingAfterDeactivationButDidBefore() throws Exception {
    assertEquals(
        KeyAuthorizationException.Reason.DEACTIVATED,
        reasonOf(() -> authorizer.authorize("did:test:gone#k1", Relationship.ASSERTION_METHOD)));
    authorizer.authorize("did:test:gone#k1", Relationship.ASSERTION_METHOD, T1.plusSeconds(1));
  }

  @Test
  void aTimeBeforeTheDidExistedIsAResolutionFailure() {
    KeyAuthorizationException e =
        assertThrows(
            KeyAuthorizationException.class,
            () ->
                authorizer.authorize(
                    "did:test:p#k1", Relationship.ASSERTION_METHOD, T1.minusSeconds(1)));
    assertEquals(KeyAuthorizationException.Reason.RESOLUTION_FAILED, e.reason());
    assertEquals(ResolutionError.NOT_FOUND, e.resolutionError());
  }

  @Test
  void malformedKeyIdsAreRefused() {
    for (String bad : new String[] {"not-a-did", KEY_DID, KEY_DID + "/path#x", "did:key:zzz#a b"}) {
      assertEquals(
          KeyAuthorizationException.Reason.INVALID_KEY_ID,
          reasonOf(() -> authorizer.authorize(bad, Relationship.AUTHENTICATION)),
          bad);
    }
  }

  @Test
  void aMalformedDidKeyIsAResolutionFailureWithInvalidDid() {
    KeyAuthorizationException e =
        assertThrows(
            KeyAuthorizationException.class,
            () -> authorizer.authorize("did:key:z6Mkabc#z6Mkabc", Relationship.AUTHENTICATION));
    assertEquals(ResolutionError.INVALID_DID, e.resolutionError());
  }
}
