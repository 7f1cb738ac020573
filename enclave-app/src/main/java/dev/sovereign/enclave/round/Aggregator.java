package dev.sovereign.enclave.round;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.pipeline.ProducerRecord;
import dev.sovereign.enclave.policy.AggregateFunction;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Thread-safe aggregation per (metric, group), with each producer's contribution bounded first (the
 * producer is the privacy unit: {@link SovereigntyPolicy.Privacy}). Sums are exact decimals, so the
 * result does not depend on the order records arrive in; output cells are sorted by metric then
 * group.
 */
public final class Aggregator {
  /** Precision of a released mean. */
  static final MathContext MEAN = MathContext.DECIMAL64;

  private record Key(String metric, SortedMap<String, String> group) {}

  private static final class Cell {
    long count;
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal min;
    BigDecimal max;
    long[] histogram;

    /** Producer DID -> records it contributed to this cell. */
    final Map<String, Long> producers = new HashMap<>(4);
  }

  /** One producer's contribution to this round so far. */
  private static final class Contribution {
    long payloads;
    final Map<Key, Long> records = new HashMap<>();
  }

  /** Why a payload was not added. */
  public enum Refusal {
    /** It would open more cells than {@code output.maxGroups}. */
    GROUP_LIMIT,
    /** The producer already had {@code payloadsPerRound} payloads accepted. */
    PAYLOAD_LIMIT,
    /** Beyond {@code groupsPerProducer} or {@code recordsPerGroup}, and the policy rejects. */
    CONTRIBUTION_LIMIT
  }

  /** The outcome of {@link #tryAdd}: a refusal, or the number of records left out and clamped. */
  public record Admission(Refusal refusal, int leftOut, int clamped) {
    public boolean accepted() {
      return refusal == null;
    }
  }

  private final SovereigntyPolicy.Dataset dataset;
  private final SovereigntyPolicy.Privacy privacy;
  private final Map<Key, Cell> cells = new ConcurrentHashMap<>();
  private final Map<String, Contribution> contributions = new ConcurrentHashMap<>();
  private final LongAdder leftOut = new LongAdder();
  private final LongAdder clamped = new LongAdder();
  private final int maxCells;
  private final Object newCells = new Object();

  public Aggregator(SovereigntyPolicy.Dataset dataset) {
    this(dataset, Integer.MAX_VALUE);
  }

  /**
   * An aggregator that holds at most {@code maxCells} (metric, group) cells (the policy's {@code
   * output.maxGroups}).
   */
  public Aggregator(SovereigntyPolicy.Dataset dataset, int maxCells) {
    this.dataset = dataset;
    this.privacy = dataset.privacy();
    this.maxCells = maxCells;
  }

  /**
   * Adds the records of one accepted payload from {@code producer} within the dataset's
   * contribution bounds: at most {@code payloadsPerRound} payloads, {@code groupsPerProducer} cells
   * and {@code recordsPerGroup} records per cell per producer, values within the metric's bounds.
   * Beyond them the payload is refused whole ({@code reject}) or the values are clamped and the
   * surplus records left out ({@code clamp}). A payload that would open more cells than allowed is
   * refused whole. Nothing of a refused payload is counted. Payloads of one producer are admitted
   * one at a time, so the bounds are exact under concurrency.
   */
  public Admission tryAdd(String producer, List<ProducerRecord> records) {
    Contribution c = contributions.computeIfAbsent(producer, p -> new Contribution());
    synchronized (c) {
      if (c.payloads >= privacy.payloadsPerRound()) {
        return new Admission(Refusal.PAYLOAD_LIMIT, 0, 0);
      }
      Map<Key, Long> added = new HashMap<>();
      List<ProducerRecord> admitted = new ArrayList<>(records.size());
      int left = 0;
      int clampedHere = 0;
      int cellsOfProducer = c.records.size();
      for (ProducerRecord r : records) {
        Key k = new Key(r.metric(), r.group());
        long before = c.records.getOrDefault(k, 0L);
        long now = added.getOrDefault(k, 0L);
        boolean newCell = before == 0 && now == 0;
        if ((newCell && cellsOfProducer >= privacy.groupsPerProducer())
            || before + now >= privacy.recordsPerGroup()) {
          if (!privacy.clamp()) {
            return new Admission(Refusal.CONTRIBUTION_LIMIT, 0, 0);
          }
          left++;
          continue;
        }
        if (newCell) {
          cellsOfProducer++;
        }
        added.put(k, now + 1);
        ProducerRecord kept = clamp(r);
        if (kept != r) {
          clampedHere++;
        }
        admitted.add(kept);
      }
      if (!openCells(added.keySet())) {
        return new Admission(Refusal.GROUP_LIMIT, 0, 0);
      }
      add(producer, admitted);
      c.payloads++;
      added.forEach((k, n) -> c.records.merge(k, n, Long::sum));
      leftOut.add(left);
      clamped.add(clampedHere);
      return new Admission(null, left, clampedHere);
    }
  }

  /** The record with its value clamped to the metric's bounds (the same record if within). */
  private ProducerRecord clamp(ProducerRecord r) {
    SovereigntyPolicy.Metric m = dataset.metrics().get(r.metric());
    BigDecimal lo = new BigDecimal(Double.toString(m.lower()));
    BigDecimal hi = new BigDecimal(Double.toString(m.upper()));
    if (r.value().compareTo(lo) < 0) {
      return new ProducerRecord(r.group(), r.metric(), lo);
    }
    if (r.value().compareTo(hi) > 0) {
      return new ProducerRecord(r.group(), r.metric(), hi);
    }
    return r;
  }

  /** Creates the missing cells unless that would exceed the cap; under one lock, so exact. */
  private boolean openCells(Set<Key> keys) {
    Set<Key> missing = new HashSet<>();
    for (Key k : keys) {
      if (!cells.containsKey(k)) {
        missing.add(k);
      }
    }
    if (missing.isEmpty()) {
      return true;
    }
    synchronized (newCells) {
      missing.removeIf(cells::containsKey);
      if ((long) cells.size() + missing.size() > maxCells) {
        return false;
      }
      for (Key k : missing) {
        cells.put(k, new Cell());
      }
    }
    return true;
  }

  private void add(String producer, List<ProducerRecord> records) {
    for (ProducerRecord r : records) {
      SovereigntyPolicy.Metric m = dataset.metrics().get(r.metric());
      Cell c = cells.computeIfAbsent(new Key(r.metric(), r.group()), k -> new Cell());
      synchronized (c) {
        c.count++;
        c.sum = c.sum.add(r.value());
        c.min = c.min == null || r.value().compareTo(c.min) < 0 ? r.value() : c.min;
        c.max = c.max == null || r.value().compareTo(c.max) > 0 ? r.value() : c.max;
        c.producers.merge(producer, 1L, Long::sum);
        if (m.functions().contains(AggregateFunction.HISTOGRAM)) {
          if (c.histogram == null) {
            c.histogram = new long[m.histogramEdges().size() + 1];
          }
          c.histogram[bucket(m.histogramEdges(), r.value().doubleValue())]++;
        }
      }
    }
  }

  /** Records left out by the contribution bounds so far (clamp mode). */
  public long leftOut() {
    return leftOut.sum();
  }

  /** Values clamped to their metric's bounds so far (clamp mode). */
  public long clamped() {
    return clamped.sum();
  }

  /** Accepted payloads per producer (for sealing). */
  public SortedMap<String, Long> payloadsByProducer() {
    SortedMap<String, Long> out = new TreeMap<>();
    contributions.forEach(
        (p, c) -> {
          synchronized (c) {
            out.put(p, c.payloads);
          }
        });
    return out;
  }

  /**
   * One cell's running state, for sealing: exact sum, min, max and histogram counts (null without a
   * histogram).
   */
  public record CellState(
      String metric,
      SortedMap<String, String> group,
      long count,
      BigDecimal sum,
      BigDecimal min,
      BigDecimal max,
      long[] histogram,
      SortedMap<String, Long> producers) {}

  /** A copy of every cell's state (for sealing). */
  public List<CellState> cellStates() {
    List<CellState> out = new ArrayList<>();
    for (Map.Entry<Key, Cell> e : cells.entrySet()) {
      Cell c = e.getValue();
      synchronized (c) {
        out.add(
            new CellState(
                e.getKey().metric(),
                e.getKey().group(),
                c.count,
                c.sum,
                c.min,
                c.max,
                c.histogram == null ? null : c.histogram.clone(),
                new TreeMap<>(c.producers)));
      }
    }
    return out;
  }

  /**
   * Puts back a cell from sealed state; the metric must be the dataset's and the histogram its
   * size.
   */
  public void restoreCell(CellState s) {
    SovereigntyPolicy.Metric m = dataset.metrics().get(s.metric());
    if (m == null) {
      throw new IllegalArgumentException("metric not in the dataset");
    }
    boolean hist = m.functions().contains(AggregateFunction.HISTOGRAM);
    if (hist != (s.histogram() != null)
        || (hist && s.histogram().length != m.histogramEdges().size() + 1)) {
      throw new IllegalArgumentException("histogram does not fit the metric");
    }
    Cell c = new Cell();
    c.count = s.count();
    c.sum = s.sum();
    c.min = s.min();
    c.max = s.max();
    c.histogram = s.histogram() == null ? null : s.histogram().clone();
    c.producers.putAll(s.producers());
    Key key = new Key(s.metric(), new TreeMap<>(s.group()));
    if (cells.putIfAbsent(key, c) != null) {
      throw new IllegalArgumentException("duplicate cell");
    }
    s.producers()
        .forEach(
            (p, n) ->
                contributions.computeIfAbsent(p, x -> new Contribution()).records.put(key, n));
  }

  /** Puts back the producers' payload counts and the bounding counters from sealed state. */
  public void restoreContributions(
      SortedMap<String, Long> payloads, long left, long clampedValues) {
    payloads.forEach(
        (p, n) -> contributions.computeIfAbsent(p, x -> new Contribution()).payloads = n);
    leftOut.add(left);
    clamped.add(clampedValues);
  }

  /**
   * Bucket {@code i} holds {@code edges[i-1] <= v < edges[i]}; bucket 0 is below the first edge and
   * the last bucket at or above the last edge.
   */
  static int bucket(List<Double> edges, double v) {
    int i = 0;
    while (i < edges.size() && v >= edges.get(i)) {
      i++;
    }
    return i;
  }

  /** What the result discloses. */
  public record Disclosure(ArrayNode cells, int suppressed, ObjectNode differentialPrivacy) {}

  /**
   * Applies the disclosure rules: a cell is released only when at least {@code minGroupSize}
   * distinct producers contributed to it (an exact rule: k-anonymity over producers); exact {@code
   * min} and {@code max} are never released. With an epsilon, discrete Laplace noise ({@link
   * DiscreteLaplace}) is added to every released count, sum (rounded to an integer first) and
   * histogram bucket. The noise scale is the L1 sensitivity of the whole release to one producer
   * (groupsPerProducer x recordsPerGroup x the largest bound magnitude, for sums) times the number
   * of noisy queries per cell, over epsilon: the round is epsilon-DP for the released values with
   * the producer as the unit.
   */
  public Disclosure disclose(SecureRandom random) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    List<Map.Entry<Key, Cell>> sorted = new ArrayList<>(cells.entrySet());
    sorted.sort(
        (a, b) -> {
          int c = a.getKey().metric().compareTo(b.getKey().metric());
          return c != 0
              ? c
              : groupString(a.getKey().group()).compareTo(groupString(b.getKey().group()));
        });
    ArrayNode out = f.arrayNode();
    int suppressed = 0;
    ObjectNode dp = null;
    DiscreteLaplace noise = dataset.epsilon().map(e -> new DiscreteLaplace(random)).orElse(null);
    BigDecimal eps = dataset.epsilon().map(e -> new BigDecimal(Double.toString(e))).orElse(null);
    if (noise != null) {
      dp = f.objectNode();
      dp.put("mechanism", "discrete-laplace");
      dp.put("epsilon", plain(eps));
      dp.put("delta", 0);
      dp.put("unit", SovereigntyPolicy.Privacy.UNIT);
      dp.put("neighbouring", "add-remove-one-producer");
      ObjectNode per = dp.putObject("epsilonPerQuery");
      for (SovereigntyPolicy.Metric m : dataset.metrics().values()) {
        per.put(
            m.name(),
            plain(
                eps.divide(
                    BigDecimal.valueOf(
                        (long) queries(dataset.published(m)) * privacy.groupsPerProducer()),
                    MathContext.DECIMAL64)));
      }
    }
    for (Map.Entry<Key, Cell> e : sorted) {
      SovereigntyPolicy.Metric m = dataset.metrics().get(e.getKey().metric());
      Set<AggregateFunction> fns = dataset.published(m);
      Cell c = e.getValue();
      synchronized (c) {
        if (c.producers.size() < dataset.minGroupSize()) {
          suppressed++;
          continue;
        }
        BigDecimal count = BigDecimal.valueOf(c.count);
        BigDecimal sum = c.sum;
        long[] hist = c.histogram == null ? null : c.histogram.clone();
        if (noise != null) {
          // per query: epsilon / (queries per cell x cells per producer)
          BigInteger perCell =
              BigInteger.valueOf((long) queries(fns) * privacy.groupsPerProducer());
          BigInteger records = BigInteger.valueOf(privacy.recordsPerGroup());
          BigInteger magnitude =
              new BigDecimal(Double.toString(Math.max(Math.abs(m.lower()), Math.abs(m.upper()))))
                  .setScale(0, RoundingMode.CEILING)
                  .toBigIntegerExact();
          count = count.add(BigDecimal.valueOf(sample(noise, records.multiply(perCell), eps)));
          // rounding the exact sum to an integer moves it by at most one more
          BigInteger sumSensitivity = records.multiply(magnitude).add(BigInteger.ONE);
          sum =
              sum.setScale(0, RoundingMode.HALF_EVEN)
                  .add(BigDecimal.valueOf(sample(noise, sumSensitivity.multiply(perCell), eps)));
          for (int i = 0; hist != null && i < hist.length; i++) {
            hist[i] = Math.max(0, hist[i] + sample(noise, records.multiply(perCell), eps));
          }
        }
        ObjectNode o = out.addObject();
        o.put("metric", e.getKey().metric());
        ObjectNode g = o.putObject("group");
        e.getKey().group().forEach(g::put);
        if (fns.contains(AggregateFunction.COUNT)) {
          o.put("count", plain(count));
        }
        if (fns.contains(AggregateFunction.SUM)) {
          o.put("sum", plain(sum));
        }
        if (fns.contains(AggregateFunction.MEAN)) {
          o.put("mean", plain(sum.divide(count.max(BigDecimal.ONE), MEAN)));
        }
        if (fns.contains(AggregateFunction.HISTOGRAM)) {
          ObjectNode h = o.putObject("histogram");
          ArrayNode edges = h.putArray("edges");
          m.histogramEdges().forEach(edge -> edges.add(plain(BigDecimal.valueOf(edge))));
          ArrayNode counts = h.putArray("counts");
          for (long v : hist) {
            counts.add(v);
          }
        }
      }
    }
    return new Disclosure(out, suppressed, dp);
  }

  /** Discrete Laplace noise with scale {@code sensitivity / eps}. */
  private static long sample(DiscreteLaplace noise, BigInteger sensitivity, BigDecimal eps) {
    // scale = sensitivity / (unscaled / 10^scale) = sensitivity * 10^scale / unscaled
    BigInteger num = sensitivity.multiply(BigInteger.TEN.pow(Math.max(0, eps.scale())));
    BigInteger den = eps.unscaledValue();
    if (eps.scale() < 0) {
      den = den.multiply(BigInteger.TEN.pow(-eps.scale()));
    }
    return noise.sample(num, den);
  }

  /**
   * Number of noisy queries released per cell of a metric (sequential composition splits epsilon).
   */
  static int queries(Set<AggregateFunction> fns) {
    int q = 0;
    if (fns.contains(AggregateFunction.COUNT) || fns.contains(AggregateFunction.MEAN)) {
      q++;
    }
    if (fns.contains(AggregateFunction.SUM) || fns.contains(AggregateFunction.MEAN)) {
      q++;
    }
    if (fns.contains(AggregateFunction.HISTOGRAM)) {
      q++;
    }
    return Math.max(1, q);
  }

  /** Canonical number form: no exponent, no trailing zeros. */
  static BigDecimal plain(BigDecimal v) {
    BigDecimal s = v.stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }

  private static String groupString(SortedMap<String, String> g) {
    StringBuilder sb = new StringBuilder();
    g.forEach((k, v) -> sb.append(k).append('\u0000').append(v).append('\u0000'));
    return sb.toString();
  }
}
