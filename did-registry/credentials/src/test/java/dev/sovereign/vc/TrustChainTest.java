package dev.sovereign.vc;

import static dev.sovereign.vc.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.KeyType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** EBSI-style chains: root (anchor per zone) -> regional authority -> producer credential. */
class TrustChainTest {
  static final Instant T0 = Fixture.T0;
  static final Instant FROM = T0.minus(Duration.ofDays(10));
  static final Instant UNTIL = T0.plus(Duration.ofDays(365));

  final Fixture f;
  final TestIssuer root = TestIssuer.didKey(KeyType.P256);
  final TestIssuer authority;
  final TrustChainVerifier chains;

  TrustChainTest() throws Exception {
    f = new Fixture();
    authority = f.issuer; // the fixture's issuer, with status lists, acts as the EU authority
    chains =
        TrustChainVerifier.of(
            f.verifier(),
            List.of(
                new TrustAnchor(
                    root.did(), Scope.of(Set.of("EU"), Set.of(Scope.ANY), Set.of(Scope.ANY)))));
  }

  String accreditAuthority(Scope scope, Instant until) throws Exception {
    return Accreditations.draft(
            root.issuer(),
            authority.did().toString(),
            Set.of(Accreditations.Role.ATTEST),
            scope,
            FROM,
            until)
        .id("urn:accreditation:authority")
        .sign();
  }

  static Scope eu() {
    return Scope.of(Set.of("EU"), Set.of("EU"), Set.of("loyalty-points", "purchase-orders"));
  }

  String producer(String region) throws Exception {
    return authority
        .issuer()
        .credential("ProducerAuthorization")
        .id("urn:producer:1")
        .subject("did:example:producer")
        .claim("zone", "EU")
        .claim("region", region)
        .claim("datasets", List.of("loyalty-points"))
        .validFrom(T0.minus(Duration.ofDays(1)))
        .validUntil(T0.plus(Duration.ofDays(30)))
        .sign();
  }

  @Test
  void aProducerCredentialChainsThroughItsAccreditedAuthorityToTheZonesRoot() throws Exception {
    VerifiedChain chain =
        chains.verify(
            producer("EU"),
            List.of(accreditAuthority(eu(), UNTIL)),
            TrustChainVerifier.Requirement.of("EU", "EU", "loyalty-points"),
            T0);
    assertEquals(1, chain.links().size());
    assertEquals(root.did(), chain.anchor().did());
    String json = chain.report().toJson();
    assertTrue(json.contains("\"verdict\" : \"VALID\""), json);
    assertTrue(chain.report().steps().stream().anyMatch(s -> s.step().equals("trust anchor")));
  }

  @Test
  void aMissingAccreditationIsABrokenChainLink() throws Exception {
    assertRejected(
        ReasonCode.CHAIN_BROKEN,
        () -> chains.verify(producer("EU"), List.of(), TrustChainVerifier.Requirement.none(), T0));
  }

  @Test
  void anAccreditationWithABadSignatureIsAnInvalidChainLink() throws Exception {
    String acc = accreditAuthority(eu(), UNTIL);
    String[] p = acc.split("\\.");
    String forged =
        p[0] + "." + p[1] + "." + (p[2].charAt(0) == 'A' ? 'B' : 'A') + p[2].substring(1);
    assertRejected(
        ReasonCode.CHAIN_LINK_INVALID,
        () ->
            chains.verify(
                producer("EU"), List.of(forged), TrustChainVerifier.Requirement.none(), T0));
  }

  @Test
  void anAccreditationBySomeoneWhoIsNotAnAnchorLeavesTheChainBroken() throws Exception {
    TestIssuer impostor = TestIssuer.didKey(KeyType.ED25519);
    String acc =
        Accreditations.draft(
                impostor.issuer(),
                authority.did().toString(),
                Set.of(Accreditations.Role.ATTEST),
                eu(),
                FROM,
                UNTIL)
            .sign();
    assertRejected(
        ReasonCode.CHAIN_BROKEN,
        () ->
            chains.verify(producer("EU"), List.of(acc), TrustChainVerifier.Requirement.none(), T0));
  }

  @Test
  void anIntermediateLinkThatWidensItsParentsScopeIsRejected() throws Exception {
    // root -> national authority (EU, datasets {loyalty-points}) -> regional authority claiming
    // more datasets
    TestIssuer national = TestIssuer.didKey(KeyType.ED25519);
    String top =
        Accreditations.draft(
                root.issuer(),
                national.did().toString(),
                Set.of(Accreditations.Role.ACCREDIT),
                Scope.of(Set.of("EU"), Set.of("EU"), Set.of("loyalty-points")),
                FROM,
                UNTIL)
            .sign();
    String wider =
        Accreditations.draft(
                national.issuer(),
                authority.did().toString(),
                Set.of(Accreditations.Role.ATTEST),
                eu(),
                FROM,
                UNTIL)
            .sign();
    assertRejected(
        ReasonCode.CHAIN_SCOPE_WIDENED,
        () ->
            chains.verify(
                producer("EU"), List.of(wider, top), TrustChainVerifier.Requirement.none(), T0));
    String narrow =
        Accreditations.draft(
                national.issuer(),
                authority.did().toString(),
                Set.of(Accreditations.Role.ATTEST),
                Scope.of(Set.of("EU"), Set.of("EU"), Set.of("loyalty-points")),
                FROM,
                UNTIL)
            .sign();
    assertEquals(
        2,
        chains
            .verify(producer("EU"), List.of(narrow, top), TrustChainVerifier.Requirement.none(), T0)
            .links()
            .size());
  }

  @Test
  void aLinkOutlivingItsParentWidensValidityAndIsRejected() throws Exception {
    TestIssuer national = TestIssuer.didKey(KeyType.ED25519);
    String top =
        Accreditations.draft(
                root.issuer(),
                national.did().toString(),
                Set.of(Accreditations.Role.ACCREDIT),
                eu(),
                FROM,
                T0.plus(Duration.ofDays(60)))
            .sign();
    String longer =
        Accreditations.draft(
                national.issuer(),
                authority.did().toString(),
                Set.of(Accreditations.Role.ATTEST),
                eu(),
                FROM,
                UNTIL)
            .sign();
    assertRejected(
        ReasonCode.CHAIN_SCOPE_WIDENED,
        () ->
            chains.verify(
                producer("EU"), List.of(longer, top), TrustChainVerifier.Requirement.none(), T0));
  }

  @Test
  void anIssuerAccreditedForTheEuIsNotTrustedForAUsProducer() throws Exception {
    assertRejected(
        ReasonCode.ISSUER_NOT_TRUSTED_FOR_REGION,
        () ->
            chains.verify(
                producer("US"),
                List.of(accreditAuthority(eu(), UNTIL)),
                TrustChainVerifier.Requirement.none(),
                T0));
  }

  @Test
  void aCredentialSilentAboutItsZoneIsStillRejectedForAZoneItsChainDoesNotCover() throws Exception {
    String noZone =
        authority
            .issuer()
            .credential("ProducerAuthorization")
            .subject("did:example:producer")
            .claim("region", "EU")
            .claim("datasets", List.of("loyalty-points"))
            .validFrom(T0.minus(Duration.ofDays(1)))
            .validUntil(T0.plus(Duration.ofDays(30)))
            .sign();
    assertEquals(
        1,
        chains
            .verify(
                noZone,
                List.of(accreditAuthority(eu(), UNTIL)),
                TrustChainVerifier.Requirement.of("EU", "EU", null),
                T0)
            .links()
            .size());
    assertRejected(
        ReasonCode.ISSUER_NOT_TRUSTED_FOR_REGION,
        () ->
            chains.verify(
                noZone,
                List.of(accreditAuthority(eu(), UNTIL)),
                TrustChainVerifier.Requirement.of("US", "EU", null),
                T0));
  }

  @Test
  void aCredentialThatDoesNotCoverThePayloadsRegionIsRejected() throws Exception {
    assertRejected(
        ReasonCode.ISSUER_NOT_TRUSTED_FOR_REGION,
        () ->
            chains.verify(
                producer("EU"),
                List.of(accreditAuthority(eu(), UNTIL)),
                TrustChainVerifier.Requirement.of(null, "APAC", null),
                T0));
  }

  @Test
  void anAuthorityAccreditedOnlyToAccreditMayNotIssueProducerCredentials() throws Exception {
    String acc =
        Accreditations.draft(
                root.issuer(),
                authority.did().toString(),
                Set.of(Accreditations.Role.ACCREDIT),
                eu(),
                FROM,
                UNTIL)
            .sign();
    assertRejected(
        ReasonCode.CHAIN_LINK_INVALID,
        () ->
            chains.verify(producer("EU"), List.of(acc), TrustChainVerifier.Requirement.none(), T0));
  }

  @Test
  void aRevokedAccreditationBreaksTheChain() throws Exception {
    // The authority's own list is used here for simplicity: the root publishes none, so give the
    // root one.
    StatusListIssuer rootList =
        StatusListIssuer.create(
            root.issuer(), "https://root.example/status/1", StatusPurpose.REVOCATION);
    String acc =
        Accreditations.draft(
                root.issuer(),
                authority.did().toString(),
                Set.of(Accreditations.Role.ATTEST),
                eu(),
                FROM,
                UNTIL)
            .status(StatusPurpose.REVOCATION, "https://root.example/status/1", 17)
            .sign();
    rootList.set(17, true);
    f.published.put(
        "https://root.example/status/1",
        rootList.publish(T0, Duration.ofDays(1), Duration.ofMinutes(1)));
    var e =
        assertRejected(
            ReasonCode.CHAIN_LINK_INVALID,
            () ->
                chains.verify(
                    producer("EU"), List.of(acc), TrustChainVerifier.Requirement.none(), T0));
    assertTrue(e.getMessage().contains("REVOKED"), e.getMessage());
  }

  @Test
  void anAccreditationClaimingAWildcardScopeIsAnInvalidLink() throws Exception {
    String acc =
        accreditAuthority(
            Scope.of(Set.of("EU"), Set.of(Scope.ANY), Set.of("loyalty-points")), UNTIL);
    assertRejected(
        ReasonCode.CHAIN_LINK_INVALID,
        () ->
            chains.verify(producer("EU"), List.of(acc), TrustChainVerifier.Requirement.none(), T0));
  }

  @Test
  void withoutAnyTrustAnchorNoIssuerIsTrusted() throws Exception {
    TrustChainVerifier none = TrustChainVerifier.of(f.verifier(), List.of());
    assertRejected(
        ReasonCode.ISSUER_NOT_TRUSTED,
        () -> none.verify(producer("EU"), List.of(), TrustChainVerifier.Requirement.none(), T0));
  }
}
