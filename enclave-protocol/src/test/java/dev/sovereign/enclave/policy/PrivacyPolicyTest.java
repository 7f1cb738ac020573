package dev.sovereign.enclave.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A dataset's {@code privacy} section: what it declares, what it refuses, and the defaults. */
class PrivacyPolicyTest {
  private static final String DECLARED =
      PolicyLoaderTest.VALID
          .replace("epsilon: 0.5\n", "epsilon: 0.5\n    privacy:\n%s")
          .formatted(
              """
                    payloadsPerRound: 2
                    groupsPerProducer: 3
                    recordsPerGroup: 4
                    onExcess: clamp
                    budget: {epsilon: 5}
              """);

  @Test
  void aDeclaredSectionLoadsAndIsInTheHash() throws Exception {
    SovereigntyPolicy p = PolicyLoader.parse(DECLARED);
    SovereigntyPolicy.Privacy privacy = p.dataset("loyalty-points").orElseThrow().privacy();
    assertEquals(new SovereigntyPolicy.Privacy(true, 2, 3, 4, true, Optional.of(5.0)), privacy);
    assertNotEquals(PolicyLoader.parse(PolicyLoaderTest.VALID).sha256Hex(), p.sha256Hex());
    assertTrue(new String(p.canonicalJson()).contains("\"privacy\":{\"budget\":{\"epsilon\":5}"));
    assertEquals(p.sha256Hex(), PolicyLoader.parse(p.toYaml()).sha256Hex());
  }

  @Test
  void aPolicyWithoutTheSectionGetsConservativeDefaultsAndKeepsItsHash() throws Exception {
    SovereigntyPolicy p = PolicyLoader.parse(PolicyLoaderTest.VALID);
    SovereigntyPolicy.Privacy d = p.dataset("loyalty-points").orElseThrow().privacy();
    assertFalse(d.declared());
    assertEquals(1, d.recordsPerGroup());
    assertEquals(10, d.groupsPerProducer());
    assertEquals(10, d.payloadsPerRound());
    assertEquals(Optional.of(5.0), d.budgetEpsilon(), "ten rounds of epsilon 0.5");
    assertFalse(new String(p.canonicalJson()).contains("privacy"));
  }

  @Test
  void aDeclaringPolicyThatAsksForExactMinOrMaxIsRefusedWithAClearError() {
    String bad =
        DECLARED
            .replace("    epsilon: 0.5\n", "")
            .replace("      budget: {epsilon: 5}\n", "")
            .replace("functions: [sum, count, mean, histogram]", "functions: [sum, max]")
            .replace("histogram: [0, 100, 1000]", "");
    InvalidPolicyException e =
        assertThrows(InvalidPolicyException.class, () -> PolicyLoader.parse(bad));
    assertEquals(
        List.of(
            "datasets.loyalty-points.metrics.points.functions: min and max are never published: an exact order statistic is one producer's value"),
        e.problems());
  }

  @Test
  void noiseWithoutABudgetAnOtherUnitOrAnUnknownModeAreRefused() {
    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class,
            () ->
                PolicyLoader.parse(
                    DECLARED
                        .replace("    budget: {epsilon: 5}\n", "    unit: record\n")
                        .replace("onExcess: clamp", "onExcess: ignore")));
    assertEquals(
        List.of(
            "datasets.loyalty-points.privacy.unit: the privacy unit is the producer ('producer')",
            "datasets.loyalty-points.privacy.onExcess: must be clamp or reject",
            "datasets.loyalty-points.privacy.budget: required when the dataset has an epsilon"),
        e.problems());
  }
}
