package dev.sovereign.enclave.policy;

/** The aggregate functions a policy may allow per metric. */
public enum AggregateFunction {
  SUM,
  COUNT,
  MEAN,
  MIN,
  MAX,
  HISTOGRAM;

  public String wire() {
    return name().toLowerCase();
  }
}
