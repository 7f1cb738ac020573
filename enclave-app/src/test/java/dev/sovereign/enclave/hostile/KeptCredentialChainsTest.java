package dev.sovereign.enclave.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.enclave.Credentials;
import dev.sovereign.enclave.pipeline.PayloadRejectedException;
import dev.sovereign.enclave.pipeline.ProducerAuthorization;
import dev.sovereign.enclave.pipeline.RejectionReason;
import dev.sovereign.enclave.pipeline.VcProducerCredentials;
import dev.sovereign.enclave.server.EvidenceStore;
import dev.sovereign.vc.CredentialIssuer;
import dev.sovereign.vc.CredentialSigner;
import dev.sovereign.vc.LocalSigners;
import dev.sovereign.vc.StatusPurpose;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The enclave keeps producers' verified credential chains (issue 13) so that the same credential
 * sent with every payload is not verified from scratch each time. Keeping them must not weaken
 * anything: a revocation or an expiry takes effect on the next payload, a change of trust anchors
 * is never served a chain verified under others, other bytes under the same credential id are
 * verified on their own, and what strangers send (untrusted or malformed credentials, signed
 * payloads from any did:key) never takes a place in the cache, so it cannot push an honest
 * producer's chain out.
 */
class KeptCredentialChainsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ZONE = "EU";
  private static final String DATASET = InProcessEnclave.DATASET;

  private Authority authority;
  private MutableClock clock;
  private EvidenceStore evidence;
  private Credentials.Stage stage;
  private VcProducerCredentials producers;
  private String producerDid;

  /** DIDs the enclave's resolver no longer answers for (as when their evidence is gone). */
  private final java.util.Set<String> unresolvable =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  @BeforeEach
  void setUp() throws Exception {
    authority = new Authority();
    clock = new MutableClock(Instant.now());
    evidence = new EvidenceStore();
    dev.sovereign.did.DidResolver didKey = DidResolvers.builder().withDidKey().build();
    stage =
        Credentials.verifier(
            (did, options) ->
                unresolvable.contains(did)
                    ? dev.sovereign.did.DidResolutionResult.error(
                        dev.sovereign.did.ResolutionError.NOT_FOUND, "no evidence")
                    : didKey.resolve(did, options),
            clock,
            evidence,
            () -> "did:key:enclave",
            EvidenceStore.DEFAULT_MAX_AGE,
            false);
    producers = (VcProducerCredentials) stage.producers();
    producerDid = newDid();
    supply(authority.publish(Duration.ofMinutes(30)));
  }

  private void supply(String list) {
    assertTrue(
        evidence.offer(Authority.STATUS_URL, list, clock.instant(), stage.statusLists()).isEmpty());
  }

  private ProducerAuthorization authorize(
      VcProducerCredentials p, String did, List<String> credentials, List<String> anchors)
      throws PayloadRejectedException {
    return p.authorize(
        did,
        UUID.randomUUID().toString(),
        credentials,
        false,
        ZONE,
        DATASET,
        anchors,
        clock.instant());
  }

  private ProducerAuthorization authorize(String did, List<String> credentials)
      throws PayloadRejectedException {
    return authorize(producers, did, credentials, List.of(authority.rootDid));
  }

  private RejectionReason refusal(String did, List<String> credentials) {
    return assertThrows(PayloadRejectedException.class, () -> authorize(did, credentials)).reason();
  }

  @Test
  void theSecondPayloadWithTheSameCredentialsIsServedTheChainKeptFromTheFirst() throws Exception {
    List<String> creds = List.of(authority.credential(producerDid).jwt(), authority.accreditation);
    ProducerAuthorization first = authorize(producerDid, creds);
    assertEquals(1, producers.chains().size());
    assertEquals(0, producers.chains().hits());
    assertEquals(first, authorize(producerDid, creds));
    assertEquals(1, producers.chains().hits());
    assertEquals(List.of(authority.did, authority.rootDid), first.chain());
  }

  @Test
  void aCredentialRevokedAfterItsChainWasKeptIsRefusedOnTheNextPayload() throws Exception {
    Authority.Issued credential = authority.credential(producerDid);
    List<String> creds = List.of(credential.jwt(), authority.accreditation);
    authorize(producerDid, creds);
    authorize(producerDid, creds);
    assertEquals(1, producers.chains().hits());

    authority.lists.set(credential.index(), true);
    supply(authority.publish(Duration.ofMinutes(1)));
    assertEquals(RejectionReason.CREDENTIAL_REVOKED, refusal(producerDid, creds));
    assertEquals(RejectionReason.CREDENTIAL_REVOKED, refusal(producerDid, creds));
    assertEquals(0, producers.chains().size());
  }

  @Test
  void aChainWhoseIssuerNoLongerResolvesIsNotServedFromWhereItWasKept() throws Exception {
    List<String> creds = List.of(authority.credential(producerDid).jwt(), authority.accreditation);
    authorize(producerDid, creds);
    authorize(producerDid, creds);
    assertEquals(1, producers.chains().hits());

    unresolvable.add(authority.did); // the accrediting authority: deactivated, evidence gone
    RejectionReason r = refusal(producerDid, creds);
    assertEquals(
        RejectionReason.CREDENTIAL_SIGNATURE_INVALID, r); // as uncached: the issuer is unresolvable
    assertEquals(0, producers.chains().size());
    assertEquals(1, producers.chains().hits(), "not served again");

    unresolvable.clear();
    authorize(producerDid, creds); // verified from scratch once it resolves again
    assertEquals(1, producers.chains().size());
  }

  @Test
  void aKeptCredentialIsRefusedAsExpiredOnceItsValidityEnds() throws Exception {
    Instant until = clock.instant().plus(Duration.ofMinutes(2));
    String credential =
        CredentialIssuer.of(authority.signer)
            .credential("ProducerCredential")
            .subject(producerDid)
            .claim("region", ZONE)
            .claim("datasets", List.of(DATASET))
            .validFrom(clock.instant().minusSeconds(3600))
            .validUntil(until)
            .status(StatusPurpose.REVOCATION, Authority.STATUS_URL, 90)
            .sign();
    List<String> creds = List.of(credential, authority.accreditation);
    authorize(producerDid, creds);
    clock.set(until.minusSeconds(1));
    authorize(producerDid, creds);
    assertEquals(1, producers.chains().hits());

    // the tolerated clock skew (60 s) past validUntil: expired, although its chain was kept
    clock.set(until.plus(Duration.ofSeconds(62)));
    assertEquals(RejectionReason.CREDENTIAL_EXPIRED, refusal(producerDid, creds));
  }

  @Test
  void aChainKeptUnderOneSetOfTrustAnchorsIsNotServedUnderAnother() throws Exception {
    List<String> creds = List.of(authority.credential(producerDid).jwt(), authority.accreditation);
    authorize(producerDid, creds);

    // the policy now anchors the zone at another root: the kept chain does not reach it
    String otherRoot = new Authority().rootDid;
    PayloadRejectedException e =
        assertThrows(
            PayloadRejectedException.class,
            () -> authorize(producers, producerDid, creds, List.of(otherRoot)));
    assertEquals(RejectionReason.CREDENTIAL_ISSUER_UNTRUSTED, e.reason());
    assertEquals(0, producers.chains().hits());
    // and back under the first anchor it is served again
    authorize(producerDid, creds);
    assertEquals(1, producers.chains().hits());
  }

  @Test
  void otherBytesUnderTheSameCredentialIdAreVerifiedOnTheirOwn() throws Exception {
    String id = "urn:uuid:" + UUID.randomUUID();
    String honest = producerCredential(authority.signer, id, producerDid);
    authorize(producerDid, List.of(honest, authority.accreditation));
    assertEquals(1, producers.chains().size());

    // the same token with its signature altered
    int sig = honest.lastIndexOf('.') + 10;
    String altered =
        honest.substring(0, sig)
            + (honest.charAt(sig) == 'A' ? 'B' : 'A')
            + honest.substring(sig + 1);
    assertEquals(
        RejectionReason.CREDENTIAL_SIGNATURE_INVALID,
        refusal(producerDid, List.of(altered, authority.accreditation)));

    // a credential with the same id and claims issued by the producer itself
    byte[] seed = LocalSigners.generatePrivateKey(KeyType.ED25519, RANDOM);
    String selfDid = didOf(seed);
    CredentialSigner self = LocalSigners.ed25519(seed, selfDid + "#" + selfDid.substring(8));
    String forged = producerCredential(self, id, selfDid);
    assertEquals(
        RejectionReason.CREDENTIAL_ISSUER_UNTRUSTED,
        refusal(selfDid, List.of(forged, authority.accreditation)));
    assertEquals(0, producers.chains().hits());
    assertEquals(1, producers.chains().size());
  }

  @Test
  void whatStrangersSendNeverTakesAPlaceSoTheHonestProducersChainStaysKept() throws Exception {
    VcProducerCredentials one =
        new VcProducerCredentials(
            stageVerifier(), () -> "did:key:enclave", false, /* chainCache= */ 1);
    List<String> creds =
        List.of(authority.credentialWithoutStatus(producerDid), authority.accreditation);
    List<String> anchors = List.of(authority.rootDid);
    authorize(one, producerDid, creds, anchors);
    assertEquals(1, one.chains().size());

    for (int i = 0; i < 40; i++) {
      byte[] seed = LocalSigners.generatePrivateKey(KeyType.ED25519, RANDOM);
      String stranger = didOf(seed);
      CredentialSigner self = LocalSigners.ed25519(seed, stranger + "#" + stranger.substring(8));
      List<String> junk =
          i % 2 == 0
              ? List.of(
                  producerCredential(self, "urn:uuid:" + i, stranger), authority.accreditation)
              : List.of("junk." + i + ".junk", authority.accreditation);
      assertThrows(PayloadRejectedException.class, () -> authorize(one, stranger, junk, anchors));
    }
    assertEquals(1, one.chains().size());
    authorize(one, producerDid, creds, anchors);
    assertEquals(1, one.chains().hits());
  }

  private dev.sovereign.vc.CredentialVerifier stageVerifier() {
    return dev.sovereign.vc.CredentialVerifier.builder(DidResolvers.builder().withDidKey().build())
        .clock(clock)
        .statusLists(dev.sovereign.vc.StatusListSource.none())
        .build();
  }

  private String producerCredential(CredentialSigner signer, String id, String subject)
      throws Exception {
    return CredentialIssuer.of(signer)
        .credential("ProducerCredential")
        .id(id)
        .subject(subject)
        .claim("region", ZONE)
        .claim("datasets", List.of(DATASET))
        .validFrom(clock.instant().minusSeconds(3600))
        .validUntil(clock.instant().plus(Duration.ofDays(30)))
        .sign();
  }

  private static String newDid() {
    return didOf(LocalSigners.generatePrivateKey(KeyType.ED25519, RANDOM));
  }

  private static String didOf(byte[] seed) {
    byte[] pub = LocalSigners.publicKeyOf(KeyType.ED25519, seed).rawPublicKey();
    return DidKey.fromKey(PublicKeyMaterial.of(KeyType.ED25519, pub)).toString();
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void set(Instant at) {
      now = at;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
