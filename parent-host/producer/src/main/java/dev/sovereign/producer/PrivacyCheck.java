package dev.sovereign.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The regulator's {@code privacy-parameters} step, after the result verified: reports what the
 * result states about privacy (unit, threshold, contribution bounds, epsilon and delta, the budget
 * spent and left), checks that the budget figures add up and that no exact order statistic was
 * published, and, given the policy text whose hash the result was pinned to, that the stated
 * parameters are exactly the ones that policy declares for the dataset.
 *
 * <p>The policy comes in as what it declares: the privacy statement of each of its datasets ({@code
 * SovereigntyPolicy.privacyStatements()}), so this library needs no policy parser. {@code sovereign
 * verify --policy} and the demo's regulator step both run it after {@link ResultVerifier}.
 */
public final class PrivacyCheck {
  public static final String STEP = "privacy-parameters";

  private PrivacyCheck() {}

  /** {@code report} with the privacy step appended (only when the result itself verified). */
  public static ResultReport append(
      ResultReport report, Optional<Map<String, ObjectNode>> declared) {
    if (!report.valid() || report.verifiedSubject().isEmpty()) {
      return report;
    }
    List<ResultReport.Step> steps = new ArrayList<>(report.steps());
    steps.add(check(report.verifiedSubject().get(), declared));
    return new ResultReport(steps, report.verifiedSubject());
  }

  /**
   * The step for one verified result subject; {@code declared}, when a policy was pinned, maps each
   * of its datasets to the privacy statement it declares.
   */
  public static ResultReport.Step check(
      ObjectNode subject, Optional<Map<String, ObjectNode>> declared) {
    JsonNode privacy = subject.get("privacy");
    if (privacy == null || !privacy.isObject()) {
      return new ResultReport.Step(
          STEP,
          ResultReport.Outcome.SKIPPED,
          "privacy-not-stated",
          "the result states no privacy parameters (issued before they were recorded)");
    }
    for (JsonNode cell : subject.path("aggregates")) {
      if (cell.has("min") || cell.has("max")) {
        return failed("order-statistic-published", "a cell publishes an exact min or max");
      }
    }
    String summary = summary(privacy);
    JsonNode budget = privacy.get("budget");
    if (privacy.has("epsilonPerRound")) {
      if (budget == null) {
        return failed("privacy-budget-inconsistent", "noise without a budget statement");
      }
      BigDecimal total = privacy.get("budgetEpsilon").decimalValue();
      BigDecimal spent = budget.path("epsilonSpent").decimalValue();
      BigDecimal left = budget.path("epsilonRemaining").decimalValue();
      BigDecimal round = budget.path("epsilonSpentThisRound").decimalValue();
      if (spent.compareTo(total) > 0
          || total.subtract(spent).compareTo(left) != 0
          || round.compareTo(privacy.get("epsilonPerRound").decimalValue()) != 0
          || spent.compareTo(round) < 0) {
        return failed(
            "privacy-budget-inconsistent", "the budget figures do not add up: " + summary);
      }
    } else if (budget != null) {
      return failed("privacy-budget-inconsistent", "a budget spent without noise: " + summary);
    }
    if (declared.isEmpty()) {
      return new ResultReport.Step(
          STEP,
          ResultReport.Outcome.PASSED,
          null,
          summary + " (consistent; give --policy to compare with the policy text)");
    }
    String dataset = subject.path("dataset").asText();
    ObjectNode expected = declared.get().get(dataset);
    if (expected == null) {
      return failed("privacy-parameters-mismatch", "the policy has no dataset " + dataset);
    }
    ObjectNode stated = ((ObjectNode) privacy).deepCopy();
    stated.remove("budget");
    if (!expected.equals(NUMERIC, stated)) {
      return failed(
          "privacy-parameters-mismatch",
          "the result states " + stated + ", the policy declares " + expected);
    }
    return new ResultReport.Step(
        STEP, ResultReport.Outcome.PASSED, null, summary + " (as the pinned policy declares)");
  }

  /** Equal numbers compare equal whatever their JSON form (1, 1.0). */
  private static final Comparator<JsonNode> NUMERIC =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
      };

  /** A number as plain decimal text (10, 0.5), whatever its JSON node type. */
  private static String num(JsonNode n) {
    return n.isNumber() ? n.decimalValue().stripTrailingZeros().toPlainString() : n.asText();
  }

  private static String summary(JsonNode p) {
    JsonNode b = p.path("contributionBounds");
    StringBuilder sb =
        new StringBuilder()
            .append("unit ")
            .append(p.path("unit").asText())
            .append(", k ")
            .append(num(p.path("minGroupSize")))
            .append(" distinct producers, bounds ")
            .append(num(b.path("payloadsPerRound")))
            .append(" payloads/round, ")
            .append(num(b.path("groupsPerProducer")))
            .append(" groups, ")
            .append(num(b.path("recordsPerGroup")))
            .append(" records/group (")
            .append(b.path("onExcess").asText())
            .append(b.path("declared").asBoolean() ? "" : ", defaults")
            .append(")");
    if (p.has("epsilonPerRound")) {
      sb.append(", epsilon ")
          .append(num(p.path("epsilonPerRound")))
          .append(" per round, delta ")
          .append(num(p.path("delta")))
          .append(", spent ")
          .append(num(p.at("/budget/epsilonSpent")))
          .append(" of ")
          .append(num(p.path("budgetEpsilon")))
          .append(" (")
          .append(num(p.at("/budget/epsilonRemaining")))
          .append(" left)");
    } else {
      sb.append(", no noise (exact release)");
    }
    if (p.has("withheld")) {
      sb.append(", withheld ").append(p.get("withheld"));
    }
    return sb.toString();
  }

  private static ResultReport.Step failed(String code, String detail) {
    return new ResultReport.Step(STEP, ResultReport.Outcome.FAILED, code, detail);
  }
}
