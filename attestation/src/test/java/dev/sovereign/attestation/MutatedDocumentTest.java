package dev.sovereign.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A short, seeded random-mutation run over parse + verify in the default suite (the Jazzer target
 * {@link AttestationFuzzTest} covers the long run): multi-byte flips, truncations, insertions,
 * deletions and splices of the real AWS document and of a test-PKI document. Each result must be a
 * typed rejection, or the very same verified document (inserting a leading tag 18, say). 2,000
 * mutants by default; 200,000 with {@code -Dsovereign.long=true}.
 */
class MutatedDocumentTest {
  @Test
  @DisplayName(
      "random mutants of real and synthetic documents are typed rejections or the same document")
  void random_mutants_are_typed_rejections_or_the_same_document() throws Exception {
    TestNitroPki pki = TestNitroPki.create(Instant.parse("2026-03-01T12:00:00Z"));
    byte[] aws = AwsFixture.document();
    byte[] synthetic = pki.sign(pki.document().nonce(new byte[] {1, 2, 3}).build());
    AttestationVerifier awsVerifier =
        AttestationVerifier.create(
            AttestationPolicy.builder()
                .pinnedRoot(TrustAnchors.awsNitroRoot())
                .allowDebug(true)
                .verifyAtDocumentTimestamp()
                .build());
    AttestationVerifier pkiVerifier =
        AttestationVerifier.create(pki.policy().expectedNonce(new byte[] {1, 2, 3}).build());
    AttestationDocument awsDoc = awsVerifier.verify(aws).document();
    AttestationDocument syntheticDoc = pkiVerifier.verify(synthetic).document();

    int iterations = Boolean.getBoolean("sovereign.long") ? 200_000 : 2_000;
    Random random = new Random(20260301L);
    Map<AttestationRejection, Integer> seen = new EnumMap<>(AttestationRejection.class);
    int sameDocument = 0;
    for (int n = 0; n < iterations; n++) {
      boolean useAws = random.nextBoolean();
      byte[] mutant = mutate(useAws ? aws : synthetic, useAws ? synthetic : aws, random);
      try {
        VerifiedAttestation v = (useAws ? awsVerifier : pkiVerifier).verify(mutant);
        assertEquals(
            useAws ? awsDoc : syntheticDoc, v.document(), "a mutant verified as another document");
        sameDocument++;
      } catch (AttestationRejectedException e) {
        seen.merge(e.reason(), 1, Integer::sum);
      }
    }
    System.out.println(
        "mutants: " + iterations + ", same document: " + sameDocument + ", rejections: " + seen);
    assertTrue(seen.size() >= 4, "mutations reach several checks: " + seen);
  }

  static byte[] mutate(byte[] doc, byte[] other, Random r) {
    byte[] out = doc.clone();
    switch (r.nextInt(6)) {
      case 0:
        { // flip 1-8 random bytes
          int k = 1 + r.nextInt(8);
          for (int i = 0; i < k; i++) {
            out[r.nextInt(out.length)] ^= (byte) (1 + r.nextInt(255));
          }
          return out;
        }
      case 1: // truncate
        return Arrays.copyOf(out, r.nextInt(out.length));
      case 2:
        { // insert random bytes
          int at = r.nextInt(out.length + 1);
          byte[] ins = new byte[1 + r.nextInt(4)];
          r.nextBytes(ins);
          return splice(out, at, at, ins);
        }
      case 3:
        { // delete a run
          int at = r.nextInt(out.length);
          int len = 1 + r.nextInt(Math.min(16, out.length - at));
          return splice(out, at, at + len, new byte[0]);
        }
      case 4:
        { // splice a run of the other document in
          int at = r.nextInt(out.length);
          int from = r.nextInt(other.length);
          int len = 1 + r.nextInt(Math.min(64, other.length - from));
          return splice(
              out, at, Math.min(out.length, at + len), Arrays.copyOfRange(other, from, from + len));
        }
      default:
        { // set a byte to a CBOR-interesting value
          int[] values = {
            0x00, 0x18, 0x19, 0x1a, 0x1b, 0x40, 0x58, 0x5f, 0x60, 0x80, 0x9f, 0xa0, 0xbf, 0xc2,
            0xd2, 0xf6, 0xf7, 0xff
          };
          out[r.nextInt(out.length)] = (byte) values[r.nextInt(values.length)];
          return out;
        }
    }
  }

  static byte[] splice(byte[] a, int from, int to, byte[] ins) {
    byte[] out = new byte[a.length - (to - from) + ins.length];
    System.arraycopy(a, 0, out, 0, from);
    System.arraycopy(ins, 0, out, from, ins.length);
    System.arraycopy(a, to, out, from + ins.length, a.length - to);
    return out;
  }
}
