package dev.sovereign.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.attestation.AttestationVerifier.Check;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The verifier's published check list ({@link AttestationVerifier.Check}) against what it does:
 * every code belongs to one check, and a document failing several checks is rejected by the
 * earliest listed.
 */
class VerifierChecksTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @Test
  void everyRejectionCodeBelongsToExactlyOneCheck() {
    Set<AttestationRejection> seen = EnumSet.noneOf(AttestationRejection.class);
    for (Check c : Check.values()) {
      for (AttestationRejection r : c.codes()) {
        assertTrue(seen.add(r), r + " is listed twice");
      }
    }
    assertEquals(EnumSet.allOf(AttestationRejection.class), seen);
  }

  @Test
  void aDocumentFailingSeveralChecksIsRejectedByTheEarliestListedOne() {
    TestNitroPki pki = TestNitroPki.create(NOW);
    // too old, debug-mode PCRs, PCR0 outside the allow-list and the wrong nonce, all at once
    byte[] cose =
        pki.sign(
            pki.document()
                .timestampMillis(NOW.minusSeconds(600).toEpochMilli())
                .pcrs(Map.of(0, new byte[48], 1, new byte[48], 2, new byte[48]))
                .nonce(new byte[] {1})
                .build());
    AttestationPolicy.Builder all =
        pki.policy()
            .maxAge(Duration.ofMinutes(5))
            .expectedNonce(new byte[] {2})
            .allowPcr(0, TestNitroPki.pcrValue(0));
    List<Check> expected = List.of(Check.MAX_AGE, Check.DEBUG, Check.PCRS_ALLOWED, Check.NONCE);
    assertEquals(expected, expected.stream().sorted().toList(), "listed in this order");
    assertEquals(Check.MAX_AGE, failing(all.build(), cose));
    assertEquals(Check.DEBUG, failing(all.maxAge(null).build(), cose));
    assertEquals(Check.PCRS_ALLOWED, failing(all.allowDebug(true).build(), cose));
    AttestationPolicy nonceOnly =
        pki.policy().allowDebug(true).expectedNonce(new byte[] {2}).build();
    assertEquals(Check.NONCE, failing(nonceOnly, cose));
    assertFalse(Check.PCRS_ALLOWED.requestedBy(nonceOnly) || Check.MAX_AGE.requestedBy(nonceOnly));
    assertTrue(Check.NONCE.requestedBy(nonceOnly) && Check.SIGNATURE.requestedBy(nonceOnly));
  }

  private static Check failing(AttestationPolicy policy, byte[] cose) {
    AttestationRejection r =
        assertThrows(
                AttestationRejectedException.class,
                () -> AttestationVerifier.create(policy).verify(cose))
            .reason();
    for (Check c : Check.values()) {
      if (c.codes().contains(r)) {
        return c;
      }
    }
    throw new AssertionError(r + " belongs to no check");
  }
}
