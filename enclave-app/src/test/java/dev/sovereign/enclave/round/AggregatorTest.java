package dev.sovereign.enclave.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.enclave.pipeline.ProducerRecord;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AggregatorTest {
  private static final String POLICY =
      """
      version: 1
      policyId: t
      enclave: {region: r1, acceptedMeasurements: [{pcr0: "%s"}]}
      zones: {EU: {countries: [DE, FR], processingRegions: [r1], trustAnchors: ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]}}
      datasets:
        plain: {zones: [EU], groupBy: [country], minGroupSize: 3,
                metrics: {v: {functions: [sum, count, mean, min, max, histogram], bounds: [0, 1000], histogram: [10, 100]}}}
        noisy: {zones: [EU], groupBy: [country], minGroupSize: 3, epsilon: 1.0,
                metrics: {v: {functions: [sum, count, mean], bounds: [0, 1000]}}}
      """
          .formatted("00".repeat(48));

  private static SovereigntyPolicy.Dataset dataset(String name) throws Exception {
    return PolicyLoader.parse(POLICY).dataset(name).orElseThrow();
  }

  private static ProducerRecord rec(String country, String value) {
    TreeMap<String, String> g = new TreeMap<>();
    g.put("country", country);
    return new ProducerRecord(g, "v", new BigDecimal(value));
  }

  @Test
  void theOutputIsTheSameWhateverOrderAndThreadsTheRecordsArriveOn() throws Exception {
    List<ProducerRecord> records = new ArrayList<>();
    Random r = new Random(7);
    for (int i = 0; i < 2000; i++) {
      records.add(
          rec(i % 3 == 0 ? "FR" : "DE", BigDecimal.valueOf(r.nextInt(100_000), 2).toPlainString()));
    }
    String expected = null;
    for (int run = 0; run < 5; run++) {
      Collections.shuffle(records, new Random(run));
      Aggregator a = new Aggregator(dataset("plain"));
      ExecutorService pool = Executors.newFixedThreadPool(4);
      for (ProducerRecord rec : records) {
        pool.execute(() -> a.add(List.of(rec)));
      }
      pool.shutdown();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
      String out = a.disclose(new SecureRandom()).cells().toString();
      if (expected == null) {
        expected = out;
      } else {
        assertEquals(expected, out);
      }
    }
  }

  @Test
  void sumsAreExactDecimalsAndMeansAreRoundedTo16Digits() throws Exception {
    Aggregator a = new Aggregator(dataset("plain"));
    a.add(
        List.of(
            rec("DE", "0.1"),
            rec("DE", "0.2"),
            rec("DE", "0.3"),
            rec("DE", "5"),
            rec("DE", "500")));
    var cell = a.disclose(new SecureRandom()).cells().get(0);
    assertEquals(
        "{\"metric\":\"v\",\"group\":{\"country\":\"DE\"},\"count\":5,\"sum\":505.6,\"mean\":101.12,"
            + "\"min\":0.1,\"max\":500,\"histogram\":{\"edges\":[10,100],\"counts\":[4,0,1]}}",
        cell.toString());
  }

  @Test
  void groupsWithFewerThanKRecordsAreSuppressedAndCounted() throws Exception {
    Aggregator a = new Aggregator(dataset("plain"));
    a.add(List.of(rec("DE", "1"), rec("DE", "2"), rec("DE", "3"), rec("FR", "4"), rec("FR", "5")));
    Aggregator.Disclosure d = a.disclose(new SecureRandom());
    assertEquals(1, d.cells().size());
    assertEquals("DE", d.cells().get(0).at("/group/country").asText());
    assertEquals(1, d.suppressed());
  }

  @Test
  void withAnEpsilonNoiseIsAddedAndTheBudgetIsRecorded() throws Exception {
    Aggregator a = new Aggregator(dataset("noisy"));
    List<ProducerRecord> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(rec("DE", "10"));
    }
    a.add(many);
    Aggregator.Disclosure d = a.disclose(new SecureRandom());
    assertEquals("laplace", d.differentialPrivacy().get("mechanism").asText());
    assertEquals(1.0, d.differentialPrivacy().get("epsilon").asDouble());
    assertEquals(
        0.5,
        d.differentialPrivacy().at("/epsilonPerQuery/v").asDouble(),
        "count and sum share the budget");
    BigDecimal sum = d.cells().get(0).get("sum").decimalValue();
    assertNotEquals(0, sum.compareTo(new BigDecimal("2000")), "noise was added to the sum");
    assertTrue(sum.subtract(new BigDecimal("2000")).abs().compareTo(new BigDecimal("100000")) < 0);
  }

  @Test
  void recordsThatWouldOpenMoreCellsThanAllowedAreRefusedWhole() throws Exception {
    Aggregator a = new Aggregator(dataset("plain"), 2);
    assertTrue(a.tryAdd(List.of(rec("DE", "1"), rec("DE", "2"))));
    assertEquals(false, a.tryAdd(List.of(rec("DE", "3"), rec("FR", "4"), rec("NL", "5"))));
    assertTrue(a.tryAdd(List.of(rec("FR", "6"), rec("DE", "7"))));
    assertEquals(false, a.tryAdd(List.of(rec("NL", "8"))));
    assertTrue(a.tryAdd(List.of(rec("DE", "9"))));
    Aggregator.Disclosure d = a.disclose(new SecureRandom());
    assertEquals(1, d.cells().size(), "DE has 4 records, FR 1 (suppressed at k = 3)");
    assertEquals(4, d.cells().get(0).get("count").asLong());
    assertEquals(1, d.suppressed());
  }

  @Test
  void histogramBucketsAreHalfOpenIntervalsBetweenEdges() {
    List<Double> edges = List.of(0.0, 100.0, 1000.0);
    assertEquals(0, Aggregator.bucket(edges, -1));
    assertEquals(1, Aggregator.bucket(edges, 0));
    assertEquals(1, Aggregator.bucket(edges, 99.99));
    assertEquals(2, Aggregator.bucket(edges, 100));
    assertEquals(3, Aggregator.bucket(edges, 1000));
  }
}
