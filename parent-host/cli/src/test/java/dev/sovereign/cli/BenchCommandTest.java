package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

  @Test
  void benchJsonWithTheSmallestSizesPrintsEveryFigureInTheDocumentedShape() throws Exception {
    CliRun r = CliRun.of("bench", "--json", "--seconds", "1", "--records", "1", "--dids", "10");
    assertEquals(0, r.exit(), r.err());
    JsonNode root = new ObjectMapper().readTree(r.out());
    assertEquals(List.of("results"), names(root));
    List<String> figures = new ArrayList<>();
    for (JsonNode f : root.get("results")) {
      figures.add(f.get("name").asText());
      assertTrue(f.get("value").isNumber() && f.get("value").asDouble() > 0, f.toString());
      assertTrue(f.get("unit").isTextual(), f.toString());
      assertTrue(f.get("ceiling").isNumber() && f.get("ceiling").asDouble() > 0, f.toString());
      assertTrue(f.get("ratio").isNumber() && f.get("ratio").asDouble() > 0, f.toString());
      assertTrue(
          names(f).containsAll(List.of("name", "value", "unit", "ceiling", "ratio")), f.toString());
    }
    assertEquals(
        List.of(
            "enclave.payloads.1-record",
            "did.fabric.resolve.cold.10",
            "did.fabric.resolve.cached.10",
            "did.fabric.embedded.write.1-client",
            "did.fabric.embedded.write.64-clients",
            "did.fabric.embedded.write.256-clients"),
        figures);
  }

  /**
   * A tiny run end to end through the packaged host and its dev enclave: the bench itself fails
   * (exit 2) unless every payload gets the verdict accepted, so exit 0 says all 40 were accepted.
   * Checks the shape and that every figure is positive and finite, never a speed.
   */
  @Test
  void anHttpBenchOfFortyPayloadsAcceptsEveryOneAndReportsPositiveFiniteFigures() throws Exception {
    Path jar = artifact("sovereign.demo.enclaveJar", "enclave-app/target/sovereign-enclave.jar");
    Path app =
        artifact("sovereign.demo.hostApp", "parent-host/host/target/quarkus-app/quarkus-run.jar");
    Assumptions.assumeTrue(
        Files.isRegularFile(jar) && Files.isRegularFile(app),
        "the enclave jar and the packaged host are built before this module's tests (reactor order)");
    CliRun r =
        CliRun.of(
            "bench",
            "--json",
            "--seconds",
            "1",
            "--records",
            "1",
            "--dids",
            "2",
            "--http",
            "--http-records",
            "1",
            "--http-payloads",
            "40",
            "--http-warmup",
            "10",
            "--producers",
            "2",
            "--host-app",
            app.toString(),
            "--enclave-jar",
            jar.toString());
    assertEquals(0, r.exit(), "the HTTP bench failed (see stderr): " + r.err());
    Map<String, JsonNode> figures = new LinkedHashMap<>();
    for (JsonNode f : new ObjectMapper().readTree(r.out()).get("results")) {
      figures.put(f.get("name").asText(), f);
    }
    double inProcess = figures.get("enclave.payloads.1-record").get("value").asDouble();
    JsonNode direct = figures.get("http.payloads.1-record.enclave-direct");
    assertTrue(direct != null, "enclave-direct missing from " + figures.keySet());
    assertPositiveFinite(direct.get("value"), direct);
    assertEquals(
        inProcess,
        direct.get("ceiling").asDouble(),
        0.0,
        "the enclave fed straight is reported against the in-process did:key rate: " + direct);
    assertTrue(direct.get("note").asText().contains("did:key"), direct.toString());
    double ceiling = direct.get("value").asDouble();
    List<String> rates =
        List.of(
            "http.payloads.1-record.wall",
            "http.payloads.1-record.cpu",
            "http.payloads.1-record.enclave-process",
            "http.payloads.1-record.host-process");
    for (String name : rates) {
      JsonNode f = figures.get(name);
      assertTrue(f != null, name + " missing from " + figures.keySet());
      assertEquals("payloads/s", f.get("unit").asText(), f.toString());
      assertPositiveFinite(f.get("value"), f);
      if (name.endsWith(".wall")) {
        assertPositiveFinite(f.get("ceiling"), f); // the same, by wall clock
      } else {
        assertEquals(
            ceiling,
            f.get("ceiling").asDouble(),
            0.0,
            "the ceiling is this run's enclave process fed the same payloads straight: " + f);
      }
      assertPositiveFinite(f.get("ratio"), f);
      assertTrue(
          f.get("note")
              .asText()
              .startsWith(
                  "ceiling: the same enclave process alone, same run, same kind of payloads"),
          f.toString());
      assertTrue(
          name.endsWith(".wall") || f.get("note").asText().contains("CPU per payload: host "),
          f.toString());
    }
    JsonNode hostCpu = figures.get("http.payloads.1-record.host-cpu-per-payload");
    assertTrue(hostCpu != null, "host-cpu-per-payload missing from " + figures.keySet());
    assertEquals("ms", hostCpu.get("unit").asText(), hostCpu.toString());
    assertPositiveFinite(hostCpu.get("value"), hostCpu);
    assertPositiveFinite(hostCpu.get("ceiling"), hostCpu);
    assertPositiveFinite(hostCpu.get("ratio"), hostCpu);
    for (String q : List.of("p50", "p95", "p99")) {
      JsonNode f = figures.get("http.submit.latency." + q);
      assertTrue(f != null, q + " missing from " + figures.keySet());
      assertEquals("ms", f.get("unit").asText());
      assertPositiveFinite(f.get("value"), f);
      assertTrue(f.get("ceiling").isNull() && f.get("ratio").isNull(), f.toString());
    }
    assertTrue(
        figures.get("http.submit.latency.p50").get("value").asDouble()
            <= figures.get("http.submit.latency.p99").get("value").asDouble(),
        "percentiles in order");
  }

  private static void assertPositiveFinite(JsonNode v, JsonNode figure) {
    assertTrue(
        v != null && v.isNumber() && Double.isFinite(v.asDouble()) && v.asDouble() > 0,
        figure.toString());
  }

  private static Path artifact(String property, String relative) {
    String p = System.getProperty(property);
    return p != null && !p.isBlank() ? Path.of(p) : Fixtures.projectRoot().resolve(relative);
  }

  @Test
  void anHttpWarmupBelowOneIsAUsageError() {
    assertEquals(2, CliRun.of("bench", "--http", "--http-warmup", "0").exit());
  }

  @Test
  void ethrRpcWithoutARegistryIsAUsageError() {
    CliRun r = CliRun.of("bench", "--ethr-rpc", "http://127.0.0.1:1");
    assertEquals(2, r.exit());
  }

  private static List<String> names(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void pinCoresWithoutHttpIsAUsageError() {
    // without the check this would run the one-DID bench and exit 0
    assertEquals(2, CliRun.of("bench", "--pin-cores", "--skip-enclave", "--dids", "1").exit());
  }
}
