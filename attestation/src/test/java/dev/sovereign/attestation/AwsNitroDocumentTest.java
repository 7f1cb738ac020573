package dev.sovereign.attestation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * The real AWS document ({@code fixtures/nitro/}, from evervault/attestation-doc-validation, MIT):
 * what a correct verifier does with it, as its README states.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AwsNitroDocumentTest {
  static final Instant DOCUMENT_TIME = Instant.parse("2023-09-07T15:56:01.556Z");

  static AttestationPolicy.Builder awsPolicy() {
    return AttestationPolicy.builder().pinnedRoot(TrustAnchors.awsNitroRoot());
  }

  static AttestationRejection rejection(AttestationPolicy policy, byte[] doc) {
    return assertThrows(
            AttestationRejectedException.class,
            () -> AttestationVerifier.create(policy).verify(doc))
        .reason();
  }

  @Test
  void the_bundled_aws_root_is_the_published_one() throws Exception {
    byte[] der = TrustAnchors.awsNitroRoot().getEncoded();
    byte[] pem =
        java.nio.file.Files.readAllBytes(
            dev.sovereign.testing.Fixtures.vector("nitro/aws-nitro-root.pem"));
    assertArrayEquals(
        TrustAnchors.readPem(new String(pem, java.nio.charset.StandardCharsets.US_ASCII))
            .get(0)
            .getEncoded(),
        der);
    assertEquals(
        TrustAnchors.AWS_NITRO_ROOT_SHA256,
        HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der)));
  }

  @Test
  void the_fixture_is_the_published_document_and_decodes_to_its_published_fields()
      throws Exception {
    byte[] doc = AwsFixture.document();
    assertEquals(4747, doc.length);
    assertEquals(
        "5a8b31f0803d0bc79d96a049b20f98283081415bf1ae7d57b7b8ddbc90cdada0",
        HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(doc)));
    AttestationDocument d = AttestationDocuments.parse(doc).unverifiedDocument();
    assertEquals(1694102161556L, d.timestampMillis());
    assertEquals("i-0644948d93f19c17b-enc018a705a4fc6e067", d.moduleId());
    assertEquals(16, d.pcrs().size());
    assertArrayEquals(new byte[48], d.pcr(0));
    assertNull(d.publicKey());
    assertEquals(256, d.nonce().length);
    assertEquals(4, d.cabundle().size());
  }

  @Test
  void verifies_with_the_aws_root_at_its_own_timestamp_when_debug_is_allowed() throws Exception {
    AttestationPolicy policy = awsPolicy().allowDebug(true).verifyAtDocumentTimestamp().build();
    VerifiedAttestation v = AttestationVerifier.create(policy).verify(AwsFixture.document());
    assertEquals(DOCUMENT_TIME, v.verifiedAt());
    assertTrue(v.debugMode());
    assertEquals(91, v.userData().length);
  }

  @Test
  void verifies_at_a_fixed_instant_inside_the_leaf_validity_with_its_own_nonce_and_pcrs()
      throws Exception {
    AttestationDocument d = AttestationDocuments.parse(AwsFixture.document()).unverifiedDocument();
    AttestationPolicy policy =
        awsPolicy()
            .allowDebug(true)
            .verifyAt(DOCUMENT_TIME.plusSeconds(60))
            .expectedNonce(d.nonce())
            .maxAge(java.time.Duration.ofMinutes(5))
            .allowPcr(0, new byte[48])
            .allowPcr(3, d.pcr(3))
            .allowPcr(4, d.pcr(4))
            .build();
    assertEquals(
        DOCUMENT_TIME,
        AttestationVerifier.create(policy).verify(AwsFixture.document()).timestamp());
  }

  @Test
  void is_rejected_now_because_its_certificates_have_expired() {
    assertEquals(
        AttestationRejection.EXPIRED,
        rejection(awsPolicy().allowDebug(true).build(), AwsFixture.document()));
  }

  @Test
  void is_rejected_after_the_leaf_expired_even_within_the_intermediates_validity() {
    AttestationPolicy policy =
        awsPolicy().allowDebug(true).verifyAt(Instant.parse("2023-09-07T18:55:12Z")).build();
    assertEquals(AttestationRejection.EXPIRED, rejection(policy, AwsFixture.document()));
  }

  @Test
  void is_rejected_without_debug_allowance_because_pcr0_is_all_zeros() {
    assertEquals(
        AttestationRejection.DEBUG_MODE,
        rejection(awsPolicy().verifyAtDocumentTimestamp().build(), AwsFixture.document()));
  }

  @Test
  void is_rejected_against_another_root() {
    TestNitroPki other = TestNitroPki.create(DOCUMENT_TIME);
    AttestationPolicy policy =
        AttestationPolicy.builder()
            .pinnedRoot(other.root().certificate())
            .allowDebug(true)
            .verifyAtDocumentTimestamp()
            .build();
    assertEquals(AttestationRejection.UNTRUSTED_ROOT, rejection(policy, AwsFixture.document()));
  }

  @Test
  void is_rejected_with_another_nonce_expected() {
    AttestationPolicy policy =
        awsPolicy()
            .allowDebug(true)
            .verifyAtDocumentTimestamp()
            .expectedNonce(new byte[256])
            .build();
    assertEquals(AttestationRejection.NONCE_MISMATCH, rejection(policy, AwsFixture.document()));
  }

  @Test
  void is_rejected_when_pcr3_is_not_in_the_allow_list() {
    AttestationPolicy policy =
        awsPolicy().allowDebug(true).verifyAtDocumentTimestamp().allowPcr(3, new byte[48]).build();
    assertEquals(AttestationRejection.PCR_MISMATCH, rejection(policy, AwsFixture.document()));
  }

  @Test
  void is_rejected_when_pcr16_is_required_but_absent() {
    AttestationPolicy policy =
        awsPolicy()
            .allowDebug(true)
            .verifyAtDocumentTimestamp()
            .requiredPcrs(java.util.Set.of(0, 1, 2, 16))
            .build();
    assertEquals(AttestationRejection.PCR_MISSING, rejection(policy, AwsFixture.document()));
  }

  @Test
  void round_trips_byte_for_byte() throws Exception {
    byte[] doc = AwsFixture.document();
    ParsedAttestation parsed = AttestationDocuments.parse(doc);
    assertArrayEquals(doc, parsed.encode());
    assertArrayEquals(
        parsed.payload(), AttestationDocuments.encodePayload(parsed.unverifiedDocument()));
    AttestationDocument rebuilt = parsed.unverifiedDocument().toBuilder().build();
    assertEquals(parsed.unverifiedDocument(), rebuilt);
    assertArrayEquals(parsed.payload(), AttestationDocuments.encodePayload(rebuilt));
    assertFalse(parsed.tagged());
  }

  @Test
  void is_accepted_with_the_cose_sign1_tag_18_and_re_encodes_untagged() throws Exception {
    byte[] doc = AwsFixture.document();
    byte[] tagged = new byte[doc.length + 1];
    tagged[0] = (byte) 0xD2;
    System.arraycopy(doc, 0, tagged, 1, doc.length);
    ParsedAttestation parsed = AttestationDocuments.parse(tagged);
    assertTrue(parsed.tagged());
    assertArrayEquals(doc, parsed.encode());
    AttestationPolicy policy = awsPolicy().allowDebug(true).verifyAtDocumentTimestamp().build();
    AttestationVerifier.create(policy).verify(tagged);
  }
}
