package dev.sovereign.attestation;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Instant;

/**
 * Jazzer fuzz target over parse + verify: whatever the bytes, the only thing that may escape is an
 * {@link AttestationRejectedException} (a crash is any other throwable). Each input is tried as a
 * document on its own, and as a list of byte edits applied to the real AWS document (so the fuzzer
 * starts next to a valid document without a seed corpus); an edited document that still verifies
 * must carry exactly the original content (edits that cancel out, a leading tag 18).
 *
 * <p>Default suite: Jazzer's regression mode (the inputs in {@code AttestationFuzzTestInputs/} plus
 * an empty one), well under a second. Long run: {@code ./mvnw -pl attestation test
 * -Dsovereign.long=true -Dtest=AttestationFuzzTest} sets {@code JAZZER_FUZZ=1} (see the module pom)
 * and fuzzes for {@code maxDuration}.
 */
class AttestationFuzzTest {
  private static final byte[] AWS = AwsFixture.document();
  private static final AttestationDocument AWS_DOCUMENT = document(AWS);
  private static final AttestationVerifier AWS_VERIFIER =
      AttestationVerifier.create(
          AttestationPolicy.builder()
              .pinnedRoot(TrustAnchors.awsNitroRoot())
              .allowDebug(true)
              .verifyAtDocumentTimestamp()
              .build());
  private static final TestNitroPki PKI =
      TestNitroPki.create(Instant.parse("2026-03-01T12:00:00Z"));
  private static final AttestationVerifier PKI_VERIFIER =
      AttestationVerifier.create(
          PKI.policy()
              .expectedNonce(new byte[] {1, 2, 3})
              .maxAge(java.time.Duration.ofMinutes(5))
              .build());

  @FuzzTest(maxDuration = "10m")
  void parse_and_verify_only_ever_reject_with_a_reason_code(byte[] input) {
    tryVerify(AWS_VERIFIER, input);
    tryVerify(PKI_VERIFIER, input);
    VerifiedAttestation edited = tryVerify(AWS_VERIFIER, edit(AWS, input));
    if (edited != null && !edited.document().equals(AWS_DOCUMENT)) {
      throw new AssertionError("an edited AWS document verified with different content");
    }
  }

  /** Applies edits (offset hi, offset lo, xor) taken three bytes at a time from {@code edits}. */
  static byte[] edit(byte[] doc, byte[] edits) {
    byte[] out = doc.clone();
    for (int i = 0; i + 2 < edits.length; i += 3) {
      int offset = (((edits[i] & 0xFF) << 8) | (edits[i + 1] & 0xFF)) % out.length;
      out[offset] ^= edits[i + 2];
    }
    return out;
  }

  static VerifiedAttestation tryVerify(AttestationVerifier verifier, byte[] input) {
    try {
      return verifier.verify(input);
    } catch (AttestationRejectedException expected) {
      return null; // the one allowed outcome besides acceptance
    }
  }

  private static AttestationDocument document(byte[] cose) {
    try {
      return AttestationDocuments.parse(cose).unverifiedDocument();
    } catch (AttestationRejectedException e) {
      throw new IllegalStateException(e);
    }
  }
}
