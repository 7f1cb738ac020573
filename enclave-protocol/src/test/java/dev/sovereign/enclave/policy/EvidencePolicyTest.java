package dev.sovereign.enclave.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code evidence.askHost}: off by default, and a policy without it keeps the hash it had before
 * the key existed.
 */
class EvidencePolicyTest {
  /**
   * The hash of {@link PolicyLoaderTest#VALID} computed by the loader before {@code evidence} was
   * introduced.
   */
  private static final String VALID_SHA256 =
      "25e4f177da54d7b619f386e48dcc30f894e867522141a14cb2f9c135c59728dc";

  @Test
  void askingTheHostIsOffUnlessThePolicyOptsIn() throws Exception {
    assertFalse(PolicyLoader.parse(PolicyLoaderTest.VALID).evidence().askHost());
    assertTrue(
        PolicyLoader.parse(PolicyLoaderTest.VALID + "evidence:\n  askHost: true\n")
            .evidence()
            .askHost());
  }

  @Test
  void aPolicyWithoutTheKeyAndOneSayingFalseKeepTheEarlierHash() throws Exception {
    SovereigntyPolicy absent = PolicyLoader.parse(PolicyLoaderTest.VALID);
    SovereigntyPolicy explicitFalse =
        PolicyLoader.parse(PolicyLoaderTest.VALID + "evidence:\n  askHost: false\n");
    assertFalse(new String(absent.canonicalJson(), StandardCharsets.UTF_8).contains("evidence"));
    assertEquals(VALID_SHA256, absent.sha256Hex());
    assertEquals(absent.sha256Hex(), explicitFalse.sha256Hex());
  }

  @Test
  void optingInChangesTheHashSoAttestationsSayWhichRuleApplies() throws Exception {
    SovereigntyPolicy on =
        PolicyLoader.parse(PolicyLoaderTest.VALID + "evidence:\n  askHost: true\n");
    assertNotEquals(PolicyLoader.parse(PolicyLoaderTest.VALID).sha256Hex(), on.sha256Hex());
    assertTrue(
        new String(on.canonicalJson(), StandardCharsets.UTF_8)
            .contains("\"evidence\":{\"askHost\":true}"));
  }

  @Test
  void unknownKeysAndNonBooleansAreProblems() {
    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class,
            () ->
                PolicyLoader.parse(
                    PolicyLoaderTest.VALID
                        + "evidence:\n  askHost: yes-please\n  fetch: always\n"));
    assertTrue(e.getMessage().contains("evidence.askHost: must be true or false"), e.getMessage());
    assertTrue(e.getMessage().contains("evidence.fetch: unknown key"), e.getMessage());
  }

  @Test
  void theStatusSettingsAreReadAndChangeTheHashOnlyWhenTheyDifferFromTheirDefaults()
      throws Exception {
    SovereigntyPolicy absent = PolicyLoader.parse(PolicyLoaderTest.VALID);
    assertFalse(absent.evidence().requireCredentialStatus());
    assertEquals(java.time.Duration.ofDays(1), absent.evidence().statusListMaxAge());
    SovereigntyPolicy defaults =
        PolicyLoader.parse(
            PolicyLoaderTest.VALID
                + "evidence:\n  requireCredentialStatus: false\n  statusListMaxAge: P1D\n");
    assertEquals(VALID_SHA256, defaults.sha256Hex());
    SovereigntyPolicy strict =
        PolicyLoader.parse(
            PolicyLoaderTest.VALID
                + "evidence:\n  requireCredentialStatus: true\n  statusListMaxAge: PT6H\n");
    assertTrue(strict.evidence().requireCredentialStatus());
    assertEquals(java.time.Duration.ofHours(6), strict.evidence().statusListMaxAge());
    assertTrue(
        new String(strict.canonicalJson(), StandardCharsets.UTF_8)
            .contains(
                "\"evidence\":{\"requireCredentialStatus\":true,\"statusListMaxAge\":\"PT6H\"}"));
  }

  @Test
  void aMaximumAgeThatIsNotAPositiveDurationIsAProblem() {
    for (String bad : new String[] {"PT0S", "-P1D", "yesterday"}) {
      InvalidPolicyException e =
          assertThrows(
              InvalidPolicyException.class,
              () ->
                  PolicyLoader.parse(
                      PolicyLoaderTest.VALID + "evidence:\n  statusListMaxAge: " + bad + "\n"));
      assertTrue(e.getMessage().contains("evidence.statusListMaxAge"), e.getMessage());
    }
  }
}
