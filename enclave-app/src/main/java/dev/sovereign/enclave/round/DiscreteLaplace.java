package dev.sovereign.enclave.round;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Exact sampling of the discrete Laplace distribution on the integers, {@code P[Z = z] ∝ exp(-|z| /
 * scale)}, with {@code scale = num / den} rational, from a cryptographic RNG and integer arithmetic
 * only (Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS
 * 2020, algorithms 1 and 2). No floating point touches the noise, so the release does not carry the
 * low-order-bit artefacts of textbook floating-point Laplace (Mironov, CCS 2012). Adding it to an
 * integer query of L1 sensitivity {@code Δ} with {@code scale = Δ / ε} is ε-DP.
 */
public final class DiscreteLaplace {
  private final SecureRandom random;

  public DiscreteLaplace(SecureRandom random) {
    this.random = random;
  }

  /** One sample with scale {@code num / den} (both positive). */
  public long sample(BigInteger num, BigInteger den) {
    if (num.signum() <= 0 || den.signum() <= 0) {
      throw new IllegalArgumentException("scale must be positive");
    }
    // CKS algorithm 2 with t = num, s = den: DLap(t / s)
    BigInteger t = num;
    BigInteger s = den;
    while (true) {
      BigInteger u = uniform(t);
      if (!bernoulliExp(u, t)) {
        continue;
      }
      long v = 0;
      while (bernoulliExp(BigInteger.ONE, BigInteger.ONE)) {
        v++;
      }
      BigInteger x = u.add(t.multiply(BigInteger.valueOf(v)));
      long y = x.divide(s).longValueExact();
      boolean negative = random.nextBoolean();
      if (negative && y == 0) {
        continue;
      }
      return negative ? -y : y;
    }
  }

  /** Bernoulli(exp(-n/d)) for n >= 0, d > 0 (CKS algorithm 1). */
  boolean bernoulliExp(BigInteger n, BigInteger d) {
    while (n.compareTo(d) > 0) {
      if (!bernoulliExpAtMostOne(BigInteger.ONE, BigInteger.ONE)) {
        return false;
      }
      n = n.subtract(d);
    }
    return bernoulliExpAtMostOne(n, d);
  }

  /** Bernoulli(exp(-n/d)) for 0 <= n/d <= 1. */
  private boolean bernoulliExpAtMostOne(BigInteger n, BigInteger d) {
    long k = 1;
    while (true) {
      // A ~ Bernoulli(n / (d k))
      BigInteger dk = d.multiply(BigInteger.valueOf(k));
      if (uniform(dk).compareTo(n) >= 0) {
        return k % 2 == 1;
      }
      k++;
    }
  }

  /** Uniform on {0, ..., bound - 1}, by rejection (no modulo bias). */
  private BigInteger uniform(BigInteger bound) {
    int bits = bound.bitLength();
    BigInteger r;
    do {
      r = new BigInteger(bits, random);
    } while (r.compareTo(bound) >= 0);
    return r;
  }
}
