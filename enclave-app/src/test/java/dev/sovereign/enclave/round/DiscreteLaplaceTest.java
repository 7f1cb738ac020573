package dev.sovereign.enclave.round;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The discrete Laplace sampler against its specification, {@code P[Z = z] = (1 - p) / (1 + p) *
 * p^|z|} with {@code p = exp(-1/scale)}: a chi-square goodness-of-fit test on a seeded generator
 * (deterministic, so it cannot flake) with a fixed sample count.
 */
class DiscreteLaplaceTest {
  private static final int SAMPLES = 100_000;

  /** Chi-square critical value for 20 degrees of freedom at significance 0.001. */
  private static final double CRITICAL_20_DF = 45.315;

  private static SecureRandom seeded(long seed) throws Exception {
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(BigInteger.valueOf(seed).toByteArray());
    return r;
  }

  /** Chi-square of {@code SAMPLES} draws over bins -10..10 with both tails folded into the ends. */
  private static double chiSquare(DiscreteLaplace d, long num, long den, double scale) {
    Map<Integer, Integer> seen = new HashMap<>();
    for (int i = 0; i < SAMPLES; i++) {
      long z = d.sample(BigInteger.valueOf(num), BigInteger.valueOf(den));
      int bin = (int) Math.max(-10, Math.min(10, z));
      seen.merge(bin, 1, Integer::sum);
    }
    double p = Math.exp(-1 / scale);
    double chi = 0;
    for (int bin = -10; bin <= 10; bin++) {
      double prob;
      if (Math.abs(bin) == 10) {
        prob = p / (1 + p) * Math.pow(p, 9); // P[Z >= 10] = p^10 / (1 + p)
      } else {
        prob = (1 - p) / (1 + p) * Math.pow(p, Math.abs(bin));
      }
      double expected = prob * SAMPLES;
      double o = seen.getOrDefault(bin, 0);
      chi += (o - expected) * (o - expected) / expected;
    }
    return chi;
  }

  @Test
  void samplesWithScaleTwoFollowTheDiscreteLaplacePmf() throws Exception {
    double chi = chiSquare(new DiscreteLaplace(seeded(1)), 2, 1, 2.0);
    assertTrue(chi < CRITICAL_20_DF, "chi-square " + chi);
  }

  @Test
  void samplesWithARationalScaleFollowThePmfToo() throws Exception {
    double chi = chiSquare(new DiscreteLaplace(seeded(2)), 7, 3, 7.0 / 3);
    assertTrue(chi < CRITICAL_20_DF, "chi-square " + chi);
  }

  @Test
  void aSamplerWithTheWrongScaleIsCaughtByTheSameTest() throws Exception {
    // the test has power: scale 2.5 drawn, scale 2 expected
    double chi = chiSquare(new DiscreteLaplace(seeded(3)), 5, 2, 2.0);
    assertTrue(chi > CRITICAL_20_DF, "chi-square " + chi);
  }

  @Test
  void bernoulliExpMatchesItsProbability() throws Exception {
    DiscreteLaplace d = new DiscreteLaplace(seeded(4));
    int hits = 0;
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      if (d.bernoulliExp(BigInteger.valueOf(3), BigInteger.valueOf(2))) {
        hits++;
      }
    }
    double expected = Math.exp(-1.5) * n;
    // 5 standard deviations of a binomial
    assertTrue(Math.abs(hits - expected) < 5 * Math.sqrt(expected), hits + " vs " + expected);
  }
}
