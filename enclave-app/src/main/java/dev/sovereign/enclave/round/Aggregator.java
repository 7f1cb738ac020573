package dev.sovereign.enclave.round;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.pipeline.ProducerRecord;
import dev.sovereign.enclave.policy.AggregateFunction;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Thread-safe aggregation per (metric, group). Sums are exact decimals, so the result does not
 * depend on the order records arrive in; output cells are sorted by metric then group.
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
  }

  private final SovereigntyPolicy.Dataset dataset;
  private final Map<Key, Cell> cells = new ConcurrentHashMap<>();
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
    this.maxCells = maxCells;
  }

  /**
   * Adds the records of one accepted payload unless they would open more cells than allowed; then
   * nothing is added and the answer is false. New cells are created under one lock, so the cap is
   * exact.
   */
  public boolean tryAdd(List<ProducerRecord> records) {
    java.util.Set<Key> missing = new java.util.HashSet<>();
    for (ProducerRecord r : records) {
      Key k = new Key(r.metric(), r.group());
      if (!cells.containsKey(k)) {
        missing.add(k);
      }
    }
    if (!missing.isEmpty()) {
      synchronized (newCells) {
        missing.removeIf(cells::containsKey);
        if ((long) cells.size() + missing.size() > maxCells) {
          return false;
        }
        for (Key k : missing) {
          cells.put(k, new Cell());
        }
      }
    }
    add(records);
    return true;
  }

  /** Adds the records of one accepted payload. */
  public void add(List<ProducerRecord> records) {
    for (ProducerRecord r : records) {
      SovereigntyPolicy.Metric m = dataset.metrics().get(r.metric());
      Cell c = cells.computeIfAbsent(new Key(r.metric(), r.group()), k -> new Cell());
      synchronized (c) {
        c.count++;
        c.sum = c.sum.add(r.value());
        c.min = c.min == null || r.value().compareTo(c.min) < 0 ? r.value() : c.min;
        c.max = c.max == null || r.value().compareTo(c.max) > 0 ? r.value() : c.max;
        if (m.functions().contains(AggregateFunction.HISTOGRAM)) {
          if (c.histogram == null) {
            c.histogram = new long[m.histogramEdges().size() + 1];
          }
          c.histogram[bucket(m.histogramEdges(), r.value().doubleValue())]++;
        }
      }
    }
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
      long[] histogram) {}

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
                c.histogram == null ? null : c.histogram.clone()));
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
    if (cells.putIfAbsent(new Key(s.metric(), new java.util.TreeMap<>(s.group())), c) != null) {
      throw new IllegalArgumentException("duplicate cell");
    }
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
   * Applies the disclosure rules: cells with fewer than {@code k} records are suppressed; with an
   * epsilon, Laplace noise is added to every released count, sum and histogram bucket (the
   * threshold then applies to the noisy count).
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
    Laplace laplace = dataset.epsilon().map(e -> new Laplace(random)).orElse(null);
    if (laplace != null) {
      dp = f.objectNode();
      dp.put("mechanism", "laplace");
      dp.put("epsilon", plain(BigDecimal.valueOf(dataset.epsilon().get())));
      dp.put("neighbouring", "add-remove-one-record");
      ObjectNode per = dp.putObject("epsilonPerQuery");
      for (SovereigntyPolicy.Metric m : dataset.metrics().values()) {
        per.put(
            m.name(), plain(BigDecimal.valueOf(dataset.epsilon().get() / queries(m.functions()))));
      }
    }
    for (Map.Entry<Key, Cell> e : sorted) {
      SovereigntyPolicy.Metric m = dataset.metrics().get(e.getKey().metric());
      Set<AggregateFunction> fns = m.functions();
      Cell c = e.getValue();
      synchronized (c) {
        BigDecimal count = BigDecimal.valueOf(c.count);
        BigDecimal sum = c.sum;
        long[] hist = c.histogram == null ? null : c.histogram.clone();
        if (laplace != null) {
          double eps = dataset.epsilon().get() / queries(fns);
          double sensitivity = Math.max(Math.abs(m.lower()), Math.abs(m.upper()));
          count = laplace.noisy(count, 1 / eps);
          sum = laplace.noisy(sum, sensitivity / eps);
          for (int i = 0; hist != null && i < hist.length; i++) {
            hist[i] =
                Math.max(
                    0,
                    laplace
                        .noisy(BigDecimal.valueOf(hist[i]), 1 / eps)
                        .setScale(0, RoundingMode.HALF_EVEN)
                        .longValueExact());
          }
        }
        if (count.compareTo(BigDecimal.valueOf(dataset.minGroupSize())) < 0) {
          suppressed++;
          continue;
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
          o.put("mean", plain(sum.divide(count, MEAN)));
        }
        if (fns.contains(AggregateFunction.MIN)) {
          o.put("min", plain(c.min));
        }
        if (fns.contains(AggregateFunction.MAX)) {
          o.put("max", plain(c.max));
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

  /**
   * Number of noisy queries released per cell of a metric (sequential composition splits epsilon).
   */
  static int queries(Set<AggregateFunction> fns) {
    int q = 1; // the count, always measured for the threshold
    if (fns.contains(AggregateFunction.SUM) || fns.contains(AggregateFunction.MEAN)) {
      q++;
    }
    if (fns.contains(AggregateFunction.HISTOGRAM)) {
      q++;
    }
    return q;
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

  /** Laplace noise from a CSPRNG. */
  private static final class Laplace {
    private final SecureRandom random;

    Laplace(SecureRandom random) {
      this.random = random;
    }

    BigDecimal noisy(BigDecimal v, double scale) {
      double u = random.nextDouble() - 0.5;
      double noise = -scale * Math.signum(u) * Math.log(1 - 2 * Math.abs(u));
      return v.add(new BigDecimal(noise, MathContext.DECIMAL64));
    }
  }
}
