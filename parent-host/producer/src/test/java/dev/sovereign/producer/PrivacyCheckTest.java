package dev.sovereign.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The regulator's privacy step: the parameters a result states must add up and be the ones the
 * pinned policy declares; altered ones fail.
 */
class PrivacyCheckTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ANCHOR = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

  private static SovereigntyPolicy policy(int k) throws Exception {
    return PolicyLoader.parse(
        DevPolicy.builder("p")
            .pcr0("00".repeat(48))
            .zone("EU", ANCHOR)
            .minGroupSize(k)
            .functions("sum", "count")
            .epsilon(1.0)
            .privacy(1, 3, 1, false, 10.0)
            .yaml());
  }

  /** A subject as the enclave writes it after spending {@code spent} of 10. */
  private static ObjectNode subject(SovereigntyPolicy p, int spent) {
    ObjectNode s = JSON.createObjectNode();
    s.put("dataset", DevPolicy.DATASET);
    s.putArray("aggregates").addObject().put("metric", "points").put("sum", 12);
    ObjectNode privacy = p.dataset(DevPolicy.DATASET).orElseThrow().privacyStatement();
    ObjectNode b = privacy.putObject("budget");
    b.put("epsilonSpentThisRound", 1);
    b.put("epsilonSpent", spent);
    b.put("epsilonRemaining", 10 - spent);
    s.set("privacy", JSON.valueToTree(privacy)); // as parsed back from the credential
    return s;
  }

  @Test
  void theStatedParametersOfTheEnclaveMatchThePinnedPolicy() throws Exception {
    SovereigntyPolicy p = policy(5);
    ResultReport.Step step = PrivacyCheck.check(subject(p, 3), Optional.of(p.privacyStatements()));
    assertEquals(ResultReport.Outcome.PASSED, step.outcome(), step.detail());
    assertEquals(
        "unit producer, k 5 distinct producers, bounds 1 payloads/round, 3 groups, 1 records/group"
            + " (reject), epsilon 1 per round, delta 0, spent 3 of 10 (7 left) (as the pinned"
            + " policy declares)",
        step.detail());
  }

  @Test
  void parametersOtherThanThePolicysFail() throws Exception {
    ResultReport.Step step =
        PrivacyCheck.check(subject(policy(2), 3), Optional.of(policy(5).privacyStatements()));
    assertEquals(ResultReport.Outcome.FAILED, step.outcome());
    assertEquals("privacy-parameters-mismatch", step.code());
  }

  @Test
  void budgetFiguresThatDoNotAddUpFail() throws Exception {
    SovereigntyPolicy p = policy(5);
    ObjectNode s = subject(p, 3);
    ((ObjectNode) s.at("/privacy/budget")).put("epsilonRemaining", 9);
    assertEquals(
        "privacy-budget-inconsistent",
        PrivacyCheck.check(s, Optional.of(p.privacyStatements())).code());
    ObjectNode over = subject(p, 11);
    assertEquals("privacy-budget-inconsistent", PrivacyCheck.check(over, Optional.empty()).code());
  }

  @Test
  void aPublishedMinOrMaxFails() throws Exception {
    SovereigntyPolicy p = policy(5);
    ObjectNode s = subject(p, 3);
    ((ObjectNode) s.get("aggregates").get(0)).put("max", 4242);
    assertEquals(
        "order-statistic-published",
        PrivacyCheck.check(s, Optional.of(p.privacyStatements())).code());
  }

  @Test
  void aResultWithoutAStatementIsReportedAsNotChecked() {
    ObjectNode s = JSON.createObjectNode().put("dataset", DevPolicy.DATASET);
    ResultReport.Step step = PrivacyCheck.check(s, Optional.empty());
    assertEquals(ResultReport.Outcome.SKIPPED, step.outcome());
    assertEquals("privacy-not-stated", step.code());
  }
}
