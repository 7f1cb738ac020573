package dev.sovereign.enclave.policy;

import java.util.List;

/** The policy file was rejected; each problem is {@code path: what is wrong}. */
public final class InvalidPolicyException extends Exception {
  private final List<String> problems;

  public InvalidPolicyException(List<String> problems) {
    super("invalid sovereignty policy:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
