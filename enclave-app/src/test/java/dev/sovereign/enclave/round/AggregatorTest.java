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
                privacy: {payloadsPerRound: 1000, groupsPerProducer: 10, recordsPerGroup: 1000, onExcess: reject},
                metrics: {v: {functions: [sum, count, mean, histogram], bounds: [0, 1000], histogram: [10, 100]}}}
        legacy: {zones: [EU], groupBy: [country], minGroupSize: 2,
                metrics: {v: {functions: [sum, count, mean, min, max], bounds: [0, 100000]}}}
        noisy: {zones: [EU], groupBy: [country], minGroupSize: 3, epsilon: 1.0,
                privacy: {payloadsPerRound: 1, groupsPerProducer: 1, recordsPerGroup: 1, onExcess: reject, budget: {epsilon: 3}},
                metrics: {v: {functions: [sum, count, mean], bounds: [0, 1000]}}}
        clamped: {zones: [EU], groupBy: [country], minGroupSize: 1,
                privacy: {payloadsPerRound: 2, groupsPerProducer: 1, recordsPerGroup: 2, onExcess: clamp},
                metrics: {v: {functions: [sum, count], bounds: [0, 1000]}}}
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
      for (int i = 0; i < records.size(); i++) {
        ProducerRecord rec = records.get(i);
        String producer = "p" + (i % 7);
        pool.execute(() -> assertTrue(a.tryAdd(producer, List.of(rec)).accepted()));
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
    a.tryAdd("p1", List.of(rec("DE", "0.1"), rec("DE", "0.2")));
    a.tryAdd("p2", List.of(rec("DE", "0.3"), rec("DE", "5")));
    a.tryAdd("p3", List.of(rec("DE", "500")));
    var cell = a.disclose(new SecureRandom()).cells().get(0);
    assertEquals(
        "{\"metric\":\"v\",\"group\":{\"country\":\"DE\"},\"count\":5,\"sum\":505.6,\"mean\":101.12,"
            + "\"histogram\":{\"edges\":[10,100],\"counts\":[4,0,1]}}",
        cell.toString());
  }

  @Test
  void groupsWithFewerThanKProducersAreSuppressedAndCounted() throws Exception {
    Aggregator a = new Aggregator(dataset("plain"));
    a.tryAdd("p1", List.of(rec("DE", "1"), rec("FR", "4")));
    a.tryAdd("p2", List.of(rec("DE", "2"), rec("FR", "5")));
    a.tryAdd("p3", List.of(rec("DE", "3")));
    Aggregator.Disclosure d = a.disclose(new SecureRandom());
    assertEquals(1, d.cells().size());
    assertEquals("DE", d.cells().get(0).at("/group/country").asText());
    assertEquals(1, d.suppressed());
  }

  @Test
  void withAnEpsilonDiscreteNoiseIsAddedAndTheParametersAreStated() throws Exception {
    Aggregator a = new Aggregator(dataset("noisy"));
    for (int i = 0; i < 200; i++) {
      assertTrue(a.tryAdd("p" + i, List.of(rec("DE", "10"))).accepted());
    }
    Aggregator.Disclosure d = a.disclose(new SecureRandom());
    assertEquals("discrete-laplace", d.differentialPrivacy().get("mechanism").asText());
    assertEquals("add-remove-one-producer", d.differentialPrivacy().get("neighbouring").asText());
    assertEquals(1.0, d.differentialPrivacy().get("epsilon").asDouble());
    assertEquals(
        0.5,
        d.differentialPrivacy().at("/epsilonPerQuery/v").asDouble(),
        "count and sum share the budget");
    BigDecimal sum = d.cells().get(0).get("sum").decimalValue();
    assertNotEquals(0, sum.compareTo(new BigDecimal("2000")), "noise was added to the sum");
    assertEquals(0, sum.scale(), "a noisy sum is an integer: the noise is discrete");
    assertTrue(sum.subtract(new BigDecimal("2000")).abs().compareTo(new BigDecimal("100000")) < 0);
  }

  @Test
  void recordsThatWouldOpenMoreCellsThanAllowedAreRefusedWhole() throws Exception {
    Aggregator a = new Aggregator(dataset("plain"), 2);
    assertTrue(a.tryAdd("p1", List.of(rec("DE", "1"), rec("DE", "2"))).accepted());
    assertEquals(
        Aggregator.Refusal.GROUP_LIMIT,
        a.tryAdd("p2", List.of(rec("DE", "3"), rec("FR", "4"), rec("NL", "5"))).refusal());
    assertTrue(a.tryAdd("p3", List.of(rec("FR", "6"), rec("DE", "7"))).accepted());
    assertEquals(Aggregator.Refusal.GROUP_LIMIT, a.tryAdd("p4", List.of(rec("NL", "8"))).refusal());
    assertTrue(a.tryAdd("p5", List.of(rec("DE", "9"))).accepted());
    Aggregator.Disclosure d = a.disclose(new SecureRandom());
    assertEquals(1, d.cells().size(), "DE has 3 producers, FR 1 (suppressed at k = 3)");
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

  // ---- issue 12: the producer is the privacy unit ----

  @Test
  void oneProducerCannotReachTheThresholdAloneBySendingTwoRecords() throws Exception {
    Aggregator a = new Aggregator(dataset("plain"));
    a.tryAdd("padder", List.of(rec("DE", "4242"), rec("DE", "1"), rec("DE", "2")));
    a.tryAdd("padder", List.of(rec("DE", "3")));
    Aggregator.Disclosure d = a.disclose(new SecureRandom());
    assertEquals(0, d.cells().size(), "4 records, 1 producer, k = 3: " + d.cells());
    assertEquals(1, d.suppressed());
  }

  @Test
  void exactMinAndMaxAreNeverPublishedEvenWhenAnOldPolicyAsksForThem() throws Exception {
    Aggregator a = new Aggregator(dataset("legacy"));
    a.tryAdd("victim", List.of(rec("DE", "4242")));
    a.tryAdd("attacker", List.of(rec("DE", "0")));
    var cell = a.disclose(new SecureRandom()).cells().get(0);
    assertTrue(!cell.has("min") && !cell.has("max"), cell.toString());
    assertEquals(
        "{\"v\":[\"min\",\"max\"]}",
        dataset("legacy").privacyStatement().get("withheld").toString());
  }

  @Test
  void aDominatingProducerCountsAsOneRecordPerGroupUnderTheDefaultBounds() throws Exception {
    Aggregator a = new Aggregator(dataset("legacy"));
    BigDecimal honest = BigDecimal.ZERO;
    for (int i = 0; i < 20; i++) {
      BigDecimal v = BigDecimal.valueOf(100 + 5 * i);
      honest = honest.add(v);
      assertTrue(a.tryAdd("honest-" + i, List.of(rec("DE", v.toPlainString()))).accepted());
    }
    List<ProducerRecord> flood = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      flood.add(rec("DE", "100000"));
    }
    for (int payload = 0; payload < 5; payload++) {
      a.tryAdd("dominator", flood);
    }
    var cell = a.disclose(new SecureRandom()).cells().get(0);
    assertEquals(21, cell.get("count").asLong(), "one record per producer per group: " + cell);
    BigDecimal expected =
        honest.add(new BigDecimal("100000")).divide(BigDecimal.valueOf(21), Aggregator.MEAN);
    assertEquals(0, expected.compareTo(cell.get("mean").decimalValue()), cell.toString());
    assertTrue(cell.get("mean").asDouble() < 5000, "was ~99,980 before bounding: " + cell);
    assertEquals(999 + 4 * 1000, a.leftOut(), "the surplus records are counted as left out");
  }

  @Test
  void declaredBoundsRejectOrClampAsThePolicySays() throws Exception {
    Aggregator strict = new Aggregator(dataset("noisy"));
    assertTrue(strict.tryAdd("p", List.of(rec("DE", "1"))).accepted());
    assertEquals(
        Aggregator.Refusal.PAYLOAD_LIMIT, strict.tryAdd("p", List.of(rec("DE", "1"))).refusal());
    assertEquals(
        Aggregator.Refusal.CONTRIBUTION_LIMIT,
        strict.tryAdd("q", List.of(rec("DE", "1"), rec("DE", "2"))).refusal());
    assertEquals(
        Aggregator.Refusal.CONTRIBUTION_LIMIT,
        strict.tryAdd("r", List.of(rec("DE", "1"), rec("FR", "2"))).refusal(),
        "two groups, one allowed");
    assertTrue(strict.tryAdd("q", List.of(rec("DE", "2"))).accepted(), "nothing of q counted");

    Aggregator clamped = new Aggregator(dataset("clamped"));
    Aggregator.Admission a =
        clamped.tryAdd("p", List.of(rec("DE", "5000"), rec("DE", "7"), rec("DE", "8")));
    assertTrue(a.accepted());
    assertEquals(1, a.leftOut());
    assertEquals(1, a.clamped());
    assertTrue(clamped.tryAdd("p", List.of(rec("DE", "9"))).accepted());
    assertEquals(
        Aggregator.Refusal.PAYLOAD_LIMIT, clamped.tryAdd("p", List.of(rec("DE", "9"))).refusal());
    var cell = clamped.disclose(new SecureRandom()).cells().get(0);
    assertEquals(
        "{\"metric\":\"v\",\"group\":{\"country\":\"DE\"},\"count\":2,\"sum\":1007}",
        cell.toString());
  }
}
