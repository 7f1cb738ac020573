package dev.sovereign.enclave.round;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The epsilon each dataset has spent over all its rounds, kept in the sealed state (so a restore
 * brings it back and cannot reset it: the sealed state's rollback protection covers it). A round
 * with noise spends its dataset's epsilon when it closes; a close that would go beyond the
 * dataset's budget is refused. Exact decimals, so repeated spends do not drift.
 */
public final class PrivacyBudget {
  /** The state after a spend: epsilon spent in total (this round included) and the total budget. */
  public record Spend(String dataset, BigDecimal epsilon, BigDecimal spent, BigDecimal total) {
    public BigDecimal remaining() {
      return total.subtract(spent);
    }
  }

  private final SortedMap<String, BigDecimal> spent = new TreeMap<>();

  /**
   * Spends {@code epsilon} of {@code dataset}'s budget {@code total}, or nothing if that would go
   * beyond it.
   */
  public synchronized Optional<Spend> trySpend(
      String dataset, BigDecimal epsilon, BigDecimal total) {
    BigDecimal after = spent.getOrDefault(dataset, BigDecimal.ZERO).add(epsilon);
    if (after.compareTo(total) > 0) {
      return Optional.empty();
    }
    spent.put(dataset, after);
    return Optional.of(new Spend(dataset, epsilon, after, total));
  }

  /** Gives back a spend whose round did not close after all. */
  public synchronized void refund(Spend s) {
    spent.computeIfPresent(s.dataset(), (d, v) -> v.subtract(s.epsilon()));
  }

  /** Epsilon spent so far by {@code dataset}. */
  public synchronized BigDecimal spent(String dataset) {
    return spent.getOrDefault(dataset, BigDecimal.ZERO);
  }

  /** A copy of every dataset's spend, for sealing. */
  public synchronized SortedMap<String, BigDecimal> snapshot() {
    return new TreeMap<>(spent);
  }

  /** Puts back the spends from sealed state. */
  public synchronized void restore(Map<String, BigDecimal> sealed) {
    sealed.forEach(
        (d, v) -> {
          if (v.signum() < 0) {
            throw new IllegalArgumentException("negative spend");
          }
          spent.merge(d, v, BigDecimal::max);
        });
  }
}
