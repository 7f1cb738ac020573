package dev.sovereign.vc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a regulator reads: every step of a verification (signature, key authorization, validity
 * window, status, each chain link, scope) with its outcome and, on failure, its reason code.
 * Serializes to JSON as {@code {"verdict":"VALID|REJECTED","reasonCode":...,"steps":[...]}}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VerificationReport(Verdict verdict, ReasonCode reasonCode, List<Step> steps) {

  /** The overall outcome. */
  public enum Verdict {
    VALID,
    REJECTED
  }

  /** A step's outcome; {@code SKIPPED} says why in {@code detail} (e.g. no credentialStatus). */
  public enum Outcome {
    PASSED,
    FAILED,
    SKIPPED
  }

  /**
   * One step: {@code subject} is the credential it is about (its id or issuer), {@code step} its
   * name. The human-readable detail is formatted only when read (verification stays cheap on the
   * hot path).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"subject", "step", "outcome", "reasonCode", "detail"})
  public static final class Step {
    private final String subject;
    private final String step;
    private final Outcome outcome;
    private final ReasonCode reasonCode;
    private volatile Supplier<String> lazy;
    private volatile String detail;

    public Step(
        String subject, String step, Outcome outcome, ReasonCode reasonCode, String detail) {
      this(subject, step, outcome, reasonCode, (Supplier<String>) null);
      this.detail = detail;
    }

    Step(
        String subject,
        String step,
        Outcome outcome,
        ReasonCode reasonCode,
        Supplier<String> detail) {
      this.subject = subject;
      this.step = step;
      this.outcome = outcome;
      this.reasonCode = reasonCode;
      this.lazy = detail;
    }

    @JsonProperty
    public String subject() {
      return subject;
    }

    @JsonProperty
    public String step() {
      return step;
    }

    @JsonProperty
    public Outcome outcome() {
      return outcome;
    }

    @JsonProperty
    public ReasonCode reasonCode() {
      return reasonCode;
    }

    @JsonProperty
    public String detail() {
      Supplier<String> l = lazy;
      if (l != null) {
        detail = l.get();
        lazy = null;
      }
      return detail;
    }

    @Override
    public String toString() {
      return outcome + " " + step + (reasonCode == null ? "" : " " + reasonCode) + ": " + detail();
    }
  }

  public VerificationReport {
    steps = List.copyOf(steps);
  }

  /** The first failed step, if any. */
  public Optional<Step> firstFailure() {
    return steps.stream().filter(s -> s.outcome() == Outcome.FAILED).findFirst();
  }

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /** Pretty JSON. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Accumulates steps; package-private, used by the verifiers. */
  static final class Builder {
    private final List<Step> steps = new ArrayList<>();

    Builder pass(String subject, String step, String detail) {
      steps.add(new Step(subject, step, Outcome.PASSED, null, detail));
      return this;
    }

    /** A passed step whose detail is formatted only if someone reads it. */
    Builder pass(String subject, String step, Supplier<String> detail) {
      steps.add(new Step(subject, step, Outcome.PASSED, null, detail));
      return this;
    }

    Builder skip(String subject, String step, String detail) {
      steps.add(new Step(subject, step, Outcome.SKIPPED, null, detail));
      return this;
    }

    Builder addAll(List<Step> more) {
      steps.addAll(more);
      return this;
    }

    /** Records the failure and returns the exception to throw. */
    CredentialRejectedException fail(String subject, String step, ReasonCode code, String detail) {
      steps.add(new Step(subject, step, Outcome.FAILED, code, detail));
      return new CredentialRejectedException(
          code, detail, new VerificationReport(Verdict.REJECTED, code, steps));
    }

    /** Re-raises a nested rejection (e.g. of a status list or chain link) under this report. */
    CredentialRejectedException failWith(
        CredentialRejectedException nested, ReasonCode code, String subject, String step) {
      if (nested.report() != null) {
        steps.addAll(nested.report().steps());
      }
      return fail(subject, step, code, nested.code() + ": " + nested.getMessage());
    }

    List<Step> steps() {
      return Collections.unmodifiableList(steps);
    }

    VerificationReport valid() {
      return new VerificationReport(Verdict.VALID, null, steps);
    }
  }
}
