package dev.sovereign.producer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The regulator's report on one result credential: every step with its outcome, reason code and a
 * one-line detail. The verdict is {@code VALID} only when no step failed; skipped steps say what
 * was not checked and why.
 */
public record ResultReport(List<Step> steps, Optional<ObjectNode> verifiedSubject) {

  /** How one step ended. */
  public enum Outcome {
    PASSED,
    FAILED,
    SKIPPED
  }

  /** One step: a stable name, its outcome, a reason code (failures and skips) and a detail. */
  public record Step(String name, Outcome outcome, String code, String detail) {}

  public ResultReport {
    steps = List.copyOf(steps);
  }

  /** {@code VALID} or {@code REJECTED}. */
  public String verdict() {
    return firstFailure().isPresent() ? "REJECTED" : "VALID";
  }

  public boolean valid() {
    return firstFailure().isEmpty();
  }

  public Optional<Step> firstFailure() {
    return steps.stream().filter(s -> s.outcome() == Outcome.FAILED).findFirst();
  }

  /**
   * The report as JSON: {@code {verdict, reasonCode, steps:[{step, outcome, reasonCode, detail}]}}.
   */
  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode o = mapper.createObjectNode();
    o.put("verdict", verdict());
    firstFailure()
        .ifPresentOrElse(f -> o.put("reasonCode", f.code()), () -> o.putNull("reasonCode"));
    ArrayNode a = o.putArray("steps");
    for (Step s : steps) {
      ObjectNode n = a.addObject();
      n.put("step", s.name());
      n.put("outcome", s.outcome().name());
      if (s.code() != null) {
        n.put("reasonCode", s.code());
      }
      n.put("detail", s.detail());
    }
    verifiedSubject.ifPresent(
        v -> {
          ObjectNode summary = o.putObject("result");
          for (String f :
              new String[] {
                "round", "dataset", "policySha256", "enclaveDid", "enclaveRegion", "sealSequence"
              }) {
            if (v.has(f)) {
              summary.set(f, v.get(f));
            }
          }
          if (v.has("inputs")) {
            summary.set("inputs", v.get("inputs"));
          }
          if (v.has("merkle")) {
            summary.set("merkle", v.get("merkle"));
          }
          if (v.has("aggregates")) {
            summary.set("aggregates", v.get("aggregates"));
          }
        });
    return o;
  }

  /** Collects steps; a failure ends the checks that depend on it. */
  static final class Builder {
    private final List<Step> steps = new ArrayList<>();

    void pass(String name, String detail) {
      steps.add(new Step(name, Outcome.PASSED, null, detail));
    }

    void skip(String name, String code, String detail) {
      steps.add(new Step(name, Outcome.SKIPPED, code, detail));
    }

    RejectedException fail(String name, String code, String detail) {
      steps.add(new Step(name, Outcome.FAILED, code, detail));
      return new RejectedException(code, detail);
    }

    ResultReport build(Optional<ObjectNode> subject) {
      return new ResultReport(steps, subject);
    }
  }
}
