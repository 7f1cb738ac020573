package dev.sovereign.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.TestNitroPki.Issued;
import dev.sovereign.testing.MutableClock;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Documents made with a test PKI shaped like Nitro's: each rule of the verifier, one by one. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SyntheticDocumentTest {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static TestNitroPki pki;

  @BeforeAll
  static void makePki() {
    pki = TestNitroPki.create(NOW);
  }

  static VerifiedAttestation verify(AttestationPolicy policy, byte[] cose)
      throws AttestationRejectedException {
    return AttestationVerifier.create(policy).verify(cose);
  }

  static AttestationRejection rejection(AttestationPolicy policy, byte[] cose) {
    return assertThrows(AttestationRejectedException.class, () -> verify(policy, cose)).reason();
  }

  /**
   * Asserts CHAIN_INVALID for the expected rule (a fragment of the detail), not for another one.
   */
  static void assertChainInvalid(String rule, AttestationPolicy policy, byte[] cose) {
    AttestationRejectedException e =
        assertThrows(AttestationRejectedException.class, () -> verify(policy, cose));
    assertEquals(AttestationRejection.CHAIN_INVALID, e.reason(), e.getMessage());
    assertTrue(e.detail().contains(rule), e.detail());
  }

  static byte[] withBundle(List<byte[]> bundle, byte[] leafDer) {
    return pki.sign(pki.document().cabundle(bundle).certificate(leafDer).build());
  }

  @Test
  void a_document_from_the_test_pki_verifies_with_its_root() throws Exception {
    byte[] nonce = {1, 2, 3};
    AttestationDocument doc =
        pki.document().nonce(nonce).userData(new byte[] {9}).publicKey(new byte[] {7}).build();
    VerifiedAttestation v =
        verify(
            pki.policy()
                .expectedNonce(nonce)
                .maxAge(Duration.ofMinutes(5))
                .allowPcr(0, TestNitroPki.pcrValue(0))
                .build(),
            pki.sign(doc));
    assertEquals(doc, v.document());
    assertFalse(v.debugMode());
    assertEquals(NOW, v.verifiedAt());
  }

  @Test
  void signing_is_deterministic_and_the_output_re_encodes_byte_for_byte() throws Exception {
    AttestationDocument doc = pki.document().build();
    byte[] a = pki.sign(doc);
    assertEquals(
        java.util.HexFormat.of().formatHex(a), java.util.HexFormat.of().formatHex(pki.sign(doc)));
    assertEquals(
        java.util.HexFormat.of().formatHex(a),
        java.util.HexFormat.of().formatHex(AttestationDocuments.parse(a).encode()));
    assertEquals(0x84, a[0] & 0xFF);
  }

  @Test
  void a_test_pki_document_is_rejected_by_a_verifier_pinning_the_aws_root() {
    AttestationPolicy aws =
        AttestationPolicy.builder().pinnedRoot(TrustAnchors.awsNitroRoot()).verifyAt(NOW).build();
    assertEquals(
        AttestationRejection.UNTRUSTED_ROOT, rejection(aws, pki.sign(pki.document().build())));
  }

  @Test
  void a_document_made_for_another_nonce_is_rejected() {
    byte[] cose = pki.sign(pki.document().nonce(new byte[] {1, 2, 3}).build());
    assertEquals(
        AttestationRejection.NONCE_MISMATCH,
        rejection(pki.policy().expectedNonce(new byte[] {1, 2, 4}).build(), cose));
  }

  @Test
  void a_document_without_a_nonce_is_rejected_when_one_is_expected() {
    assertEquals(
        AttestationRejection.NONCE_MISMATCH,
        rejection(
            pki.policy().expectedNonce(new byte[] {1}).build(), pki.sign(pki.document().build())));
  }

  @Test
  void a_document_older_than_the_maximum_age_is_rejected() throws Exception {
    byte[] cose =
        pki.sign(pki.document().timestampMillis(NOW.minusSeconds(301).toEpochMilli()).build());
    assertEquals(
        AttestationRejection.TOO_OLD,
        rejection(pki.policy().maxAge(Duration.ofMinutes(5)).build(), cose));
    verify(pki.policy().maxAge(Duration.ofMinutes(6)).build(), cose);
  }

  @Test
  void a_document_from_the_future_is_rejected_beyond_the_clock_skew() throws Exception {
    byte[] cose =
        pki.sign(pki.document().timestampMillis(NOW.plusSeconds(61).toEpochMilli()).build());
    assertEquals(AttestationRejection.TIMESTAMP_IN_FUTURE, rejection(pki.policy().build(), cose));
    verify(pki.policy().clockSkew(Duration.ofSeconds(62)).build(), cose);
  }

  @Test
  void a_document_missing_a_required_pcr_is_rejected() {
    AttestationDocument doc =
        pki.document()
            .pcrs(java.util.Map.of(0, TestNitroPki.pcrValue(0), 1, TestNitroPki.pcrValue(1)))
            .build();
    assertEquals(AttestationRejection.PCR_MISSING, rejection(pki.policy().build(), pki.sign(doc)));
  }

  @Test
  void a_document_without_a_pcr_that_has_an_allow_list_is_rejected() {
    assertEquals(
        AttestationRejection.PCR_MISSING,
        rejection(
            pki.policy().allowPcr(8, new byte[48]).build(), pki.sign(pki.document().build())));
  }

  @Test
  void a_pcr_outside_its_allow_list_is_rejected_and_one_inside_verifies() throws Exception {
    byte[] cose = pki.sign(pki.document().build());
    assertEquals(
        AttestationRejection.PCR_MISMATCH,
        rejection(pki.policy().allowPcr(0, TestNitroPki.pcrValue(9)).build(), cose));
    verify(
        pki.policy().allowPcr(0, TestNitroPki.pcrValue(9), TestNitroPki.pcrValue(0)).build(), cose);
  }

  @Test
  void all_zero_pcrs_are_rejected_as_debug_mode_unless_debug_is_allowed() throws Exception {
    AttestationDocument doc =
        pki.document().pcr(0, new byte[48]).pcr(1, new byte[48]).pcr(2, new byte[48]).build();
    byte[] cose = pki.sign(doc);
    assertEquals(AttestationRejection.DEBUG_MODE, rejection(pki.policy().build(), cose));
    assertTrue(verify(pki.policy().allowDebug(true).build(), cose).debugMode());
  }

  @Test
  void a_single_all_zero_pcr2_is_debug_mode_too() {
    byte[] cose = pki.sign(pki.document().pcr(2, new byte[48]).build());
    assertEquals(AttestationRejection.DEBUG_MODE, rejection(pki.policy().build(), cose));
  }

  @Test
  void an_oversized_user_data_nonce_or_public_key_is_malformed_and_1024_bytes_verify()
      throws Exception {
    for (String field : List.of("user_data", "nonce", "public_key")) {
      byte[] ok = pki.signRawPayload(payloadWith(field, 1024));
      verify(pki.policy().build(), ok);
      byte[] big = pki.signRawPayload(payloadWith(field, 1025));
      assertEquals(AttestationRejection.MALFORMED, rejection(pki.policy().build(), big), field);
    }
  }

  static byte[] payloadWith(String field, int size) {
    com.upokecenter.cbor.CBORObject map =
        com.upokecenter.cbor.CBORObject.DecodeFromBytes(
            AttestationDocuments.encodePayload(pki.document().build()),
            new com.upokecenter.cbor.CBOREncodeOptions("keepkeyorder=true"));
    map.Set(field, com.upokecenter.cbor.CBORObject.FromObject(new byte[size]));
    return map.EncodeToBytes();
  }

  @Test
  void a_reversed_cabundle_is_rejected_because_its_first_certificate_is_not_the_root() {
    List<byte[]> reversed = new ArrayList<>(pki.cabundle());
    Collections.reverse(reversed);
    assertEquals(
        AttestationRejection.UNTRUSTED_ROOT,
        rejection(pki.policy().build(), withBundle(reversed, pki.leaf().der())));
  }

  @Test
  void a_cabundle_in_the_right_order_but_missing_the_root_is_rejected() {
    List<byte[]> noRoot = new ArrayList<>(pki.cabundle().subList(1, 4));
    assertEquals(
        AttestationRejection.UNTRUSTED_ROOT,
        rejection(pki.policy().build(), withBundle(noRoot, pki.leaf().der())));
  }

  @Test
  void a_leaf_not_signed_by_the_last_bundle_certificate_is_rejected() {
    // Issued by the zonal CA while the bundle ends with the instance CA.
    Issued byZonal =
        TestNitroPki.issue(
            pki.zonal(),
            pki.leaf().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            TestNitroPki.END_ENTITY,
            TestNitroPki.LEAF_KEY_USAGE);
    assertChainInvalid(
        "issuer is not the subject", pki.policy().build(), signedBy(byZonal, pki.cabundle()));
    // The instance CA's name, but another key.
    KeyPair impostor = TestNitroPki.newKey();
    KeyPair leafKey = TestNitroPki.newKey();
    Issued forged =
        new Issued(
            TestNitroPki.certificate(
                pki.leaf().subject(),
                leafKey.getPublic(),
                pki.instance().subject(),
                impostor.getPrivate(),
                NOW.minusSeconds(60),
                NOW.plusSeconds(3600),
                TestNitroPki.END_ENTITY,
                TestNitroPki.LEAF_KEY_USAGE),
            leafKey);
    assertChainInvalid(
        "certificate is not signed by the certificate above it",
        pki.policy().build(),
        signedBy(forged, pki.cabundle()));
  }

  static byte[] signedBy(Issued leaf, List<byte[]> bundle) {
    AttestationDocument doc = pki.document().certificate(leaf.der()).cabundle(bundle).build();
    return AttestationDocuments.sign(doc, leaf.keys().getPrivate());
  }

  @Test
  void a_document_not_signed_by_the_leaf_key_is_rejected() {
    byte[] cose =
        AttestationDocuments.sign(pki.document().build(), TestNitroPki.newKey().getPrivate());
    assertEquals(AttestationRejection.SIGNATURE_INVALID, rejection(pki.policy().build(), cose));
  }

  @Test
  void a_leaf_that_expired_or_is_not_yet_valid_at_the_instant_is_rejected_as_expired() {
    byte[] cose = pki.sign(pki.document().build());
    assertEquals(
        AttestationRejection.EXPIRED,
        rejection(pki.policy().verifyAt(NOW.plus(Duration.ofHours(3))).build(), cose));
    assertEquals(
        AttestationRejection.EXPIRED,
        rejection(pki.policy().verifyAt(NOW.minus(Duration.ofMinutes(2))).build(), cose));
  }

  @Test
  void an_intermediate_below_a_path_length_of_zero_is_rejected() {
    Issued extra =
        TestNitroPki.issue(
            pki.instance(),
            new X500Name("CN=extra"),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            0,
            TestNitroPki.CA_KEY_USAGE);
    Issued leaf =
        TestNitroPki.issue(
            extra,
            pki.leaf().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            TestNitroPki.END_ENTITY,
            TestNitroPki.LEAF_KEY_USAGE);
    List<byte[]> bundle = new ArrayList<>(pki.cabundle());
    bundle.add(extra.der());
    assertChainInvalid("intermediates below it", pki.policy().build(), signedBy(leaf, bundle));
  }

  @Test
  void an_intermediate_without_a_path_length_constraint_is_rejected() {
    Issued instance =
        TestNitroPki.issue(
            pki.zonal(),
            pki.instance().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            TestNitroPki.CA_NO_PATHLEN,
            KeyUsage.keyCertSign);
    Issued leaf =
        TestNitroPki.issue(
            instance,
            pki.leaf().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            TestNitroPki.END_ENTITY,
            TestNitroPki.LEAF_KEY_USAGE);
    List<byte[]> bundle = new ArrayList<>(pki.cabundle().subList(0, 3));
    bundle.add(instance.der());
    assertChainInvalid(
        "without a path length constraint", pki.policy().build(), signedBy(leaf, bundle));
  }

  @Test
  void an_intermediate_that_may_not_sign_certificates_is_rejected() {
    Issued instance =
        TestNitroPki.issue(
            pki.zonal(),
            pki.instance().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            0,
            KeyUsage.digitalSignature);
    Issued leaf =
        TestNitroPki.issue(
            instance,
            pki.leaf().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            TestNitroPki.END_ENTITY,
            TestNitroPki.LEAF_KEY_USAGE);
    List<byte[]> bundle = new ArrayList<>(pki.cabundle().subList(0, 3));
    bundle.add(instance.der());
    assertChainInvalid("may not sign certificates", pki.policy().build(), signedBy(leaf, bundle));
  }

  @Test
  void an_end_entity_in_the_bundle_is_rejected() {
    Issued notCa =
        TestNitroPki.issue(
            pki.zonal(),
            pki.instance().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            TestNitroPki.END_ENTITY,
            TestNitroPki.CA_KEY_USAGE);
    Issued leaf =
        TestNitroPki.issue(
            notCa,
            pki.leaf().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            TestNitroPki.END_ENTITY,
            TestNitroPki.LEAF_KEY_USAGE);
    List<byte[]> bundle = new ArrayList<>(pki.cabundle().subList(0, 3));
    bundle.add(notCa.der());
    assertChainInvalid("is not a CA", pki.policy().build(), signedBy(leaf, bundle));
  }

  @Test
  void a_leaf_that_is_a_ca_or_may_not_sign_is_rejected() {
    Issued caLeaf =
        TestNitroPki.issue(
            pki.instance(),
            pki.leaf().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            0,
            TestNitroPki.CA_KEY_USAGE);
    assertChainInvalid(
        "must be an end entity", pki.policy().build(), signedBy(caLeaf, pki.cabundle()));
    Issued noSign =
        TestNitroPki.issue(
            pki.instance(),
            pki.leaf().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            TestNitroPki.END_ENTITY,
            KeyUsage.keyEncipherment);
    assertChainInvalid(
        "may not make signatures", pki.policy().build(), signedBy(noSign, pki.cabundle()));
  }

  @Test
  void a_leaf_with_a_p256_key_is_rejected() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair p256 = g.generateKeyPair();
    Issued leaf =
        new Issued(
            TestNitroPki.certificate(
                pki.leaf().subject(),
                p256.getPublic(),
                pki.instance().subject(),
                pki.instance().keys().getPrivate(),
                NOW.minusSeconds(60),
                NOW.plusSeconds(3600),
                TestNitroPki.END_ENTITY,
                TestNitroPki.LEAF_KEY_USAGE),
            p256);
    byte[] cose =
        TestNitroPki.signRawPayload(
            AttestationDocuments.encodePayload(pki.document().certificate(leaf.der()).build()),
            pki.leaf().keys().getPrivate());
    assertChainInvalid("not an EC P-384", pki.policy().build(), cose);
  }

  @Test
  void a_cached_intermediate_is_still_checked_for_validity_at_every_verification()
      throws Exception {
    // A regional CA that expires one hour from now, under a leaf valid for three.
    Issued regional =
        TestNitroPki.issue(
            pki.root(),
            pki.regional().subject(),
            NOW.minus(Duration.ofDays(1)),
            NOW.plus(Duration.ofHours(1)),
            2,
            TestNitroPki.CA_KEY_USAGE);
    Issued zonal =
        TestNitroPki.issue(
            regional,
            pki.zonal().subject(),
            NOW.minus(Duration.ofDays(1)),
            NOW.plus(Duration.ofDays(1)),
            1,
            TestNitroPki.CA_KEY_USAGE);
    Issued instance =
        TestNitroPki.issue(
            zonal,
            pki.instance().subject(),
            NOW.minus(Duration.ofDays(1)),
            NOW.plus(Duration.ofDays(1)),
            0,
            KeyUsage.keyCertSign);
    Issued leaf =
        TestNitroPki.issue(
            instance,
            pki.leaf().subject(),
            NOW.minusSeconds(60),
            NOW.plus(Duration.ofHours(3)),
            TestNitroPki.END_ENTITY,
            TestNitroPki.LEAF_KEY_USAGE);
    byte[] cose =
        signedBy(leaf, List.of(pki.root().der(), regional.der(), zonal.der(), instance.der()));
    MutableClock clock = new MutableClock(NOW);
    AttestationVerifier verifier =
        AttestationVerifier.create(
            AttestationPolicy.builder()
                .pinnedRoot(pki.root().certificate())
                .verifyNow(clock)
                .build());
    verifier.verify(cose);
    assertEquals(4, verifier.cachedCertificates());
    clock.set(NOW.plus(Duration.ofHours(2)));
    AttestationRejectedException e =
        assertThrows(AttestationRejectedException.class, () -> verifier.verify(cose));
    assertEquals(AttestationRejection.EXPIRED, e.reason());
    assertTrue(e.detail().contains("cabundle[1]"), e.detail());
  }

  @Test
  void a_cached_intermediate_is_not_trusted_under_another_root_with_the_same_name()
      throws Exception {
    Issued otherRoot =
        TestNitroPki.selfSigned(
            pki.root().subject(), NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(9)));
    AttestationVerifier verifier =
        AttestationVerifier.create(
            AttestationPolicy.builder()
                .pinnedRoot(pki.root().certificate())
                .pinnedRoot(otherRoot.certificate())
                .verifyAt(NOW)
                .build());
    verifier.verify(pki.sign(pki.document().build()));
    List<byte[]> bundle = new ArrayList<>(pki.cabundle());
    bundle.set(0, otherRoot.der());
    AttestationRejectedException e =
        assertThrows(
            AttestationRejectedException.class,
            () -> verifier.verify(withBundle(bundle, pki.leaf().der())));
    assertEquals(AttestationRejection.CHAIN_INVALID, e.reason());
    assertTrue(e.detail().contains("cabundle[1] is not signed"), e.detail());
  }

  @Test
  void a_cached_leaf_never_spares_the_cose_signature_check() throws Exception {
    AttestationVerifier verifier = AttestationVerifier.create(pki.policy().build());
    verifier.verify(pki.sign(pki.document().build()));
    byte[] forged =
        AttestationDocuments.sign(
            pki.document().userData(new byte[] {1}).build(), TestNitroPki.newKey().getPrivate());
    assertEquals(
        AttestationRejection.SIGNATURE_INVALID,
        assertThrows(AttestationRejectedException.class, () -> verifier.verify(forged)).reason());
  }

  @Test
  void one_verifier_shared_by_threads_gives_every_thread_the_right_answer() throws Exception {
    AttestationVerifier verifier = AttestationVerifier.create(pki.policy().build(), 2);
    byte[] good = pki.sign(pki.document().build());
    Issued otherLeaf =
        TestNitroPki.issue(
            pki.instance(),
            pki.leaf().subject(),
            NOW.minusSeconds(60),
            NOW.plusSeconds(3600),
            TestNitroPki.END_ENTITY,
            TestNitroPki.LEAF_KEY_USAGE);
    byte[] goodOtherLeaf = signedBy(otherLeaf, pki.cabundle());
    byte[] forged =
        AttestationDocuments.sign(pki.document().build(), TestNitroPki.newKey().getPrivate());
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<String>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 15; i++) {
                    verifier.verify(good);
                    verifier.verify(goodOtherLeaf);
                    try {
                      verifier.verify(forged);
                      return "a forged document verified";
                    } catch (AttestationRejectedException e) {
                      if (e.reason() != AttestationRejection.SIGNATURE_INVALID) {
                        return e.getMessage();
                      }
                    }
                  }
                  return "ok";
                }));
      }
      for (java.util.concurrent.Future<String> r : results) {
        assertEquals("ok", r.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void a_verifier_without_cache_gives_the_same_answers() throws Exception {
    AttestationVerifier noCache = AttestationVerifier.create(pki.policy().build(), 0);
    noCache.verify(pki.sign(pki.document().build()));
    noCache.verify(pki.sign(pki.document().build()));
    assertEquals(0, noCache.cachedCertificates());
    List<byte[]> reversed = new ArrayList<>(pki.cabundle());
    Collections.reverse(reversed);
    assertEquals(
        AttestationRejection.UNTRUSTED_ROOT,
        assertThrows(
                AttestationRejectedException.class,
                () -> noCache.verify(withBundle(reversed, pki.leaf().der())))
            .reason());
  }

  @Test
  void
      a_policy_needs_a_root_refuses_a_maximum_age_at_the_document_timestamp_and_pins_only_ca_roots() {
    assertThrows(IllegalStateException.class, () -> AttestationPolicy.builder().build());
    assertThrows(
        IllegalStateException.class,
        () -> pki.policy().verifyAtDocumentTimestamp().maxAge(Duration.ofMinutes(5)).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> AttestationPolicy.builder().pinnedRoot(pki.leaf().certificate()).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> AttestationPolicy.builder().pinnedRoot(pki.regional().certificate()).build());
    assertThrows(IllegalArgumentException.class, () -> pki.policy().requiredPcrs(Set.of(32)));
    assertThrows(IllegalArgumentException.class, () -> pki.policy().allowPcr(0));
    assertThrows(IllegalArgumentException.class, () -> pki.policy().allowPcr(0, new byte[47]));
  }

  @Test
  void the_document_factory_refuses_values_outside_the_nitro_limits() {
    assertThrows(IllegalArgumentException.class, () -> pki.document().moduleId("").build());
    assertThrows(IllegalArgumentException.class, () -> pki.document().digest("SHA256").build());
    assertThrows(
        IllegalArgumentException.class, () -> pki.document().pcr(32, new byte[48]).build());
    assertThrows(IllegalArgumentException.class, () -> pki.document().pcr(5, new byte[47]).build());
    assertThrows(
        IllegalArgumentException.class, () -> pki.document().pcrs(java.util.Map.of()).build());
    assertThrows(IllegalArgumentException.class, () -> pki.document().cabundle(List.of()).build());
    assertThrows(
        IllegalArgumentException.class, () -> pki.document().certificate(new byte[1025]).build());
    assertThrows(
        IllegalArgumentException.class, () -> pki.document().publicKey(new byte[0]).build());
    assertThrows(
        IllegalArgumentException.class, () -> pki.document().nonce(new byte[1025]).build());
    AttestationDocument d = pki.document().userData(new byte[0]).nonce(new byte[1024]).build();
    byte[] pcr = d.pcr(0);
    pcr[0] ^= 1;
    assertEquals(pki.document().userData(new byte[0]).nonce(new byte[1024]).build(), d);
  }
}
