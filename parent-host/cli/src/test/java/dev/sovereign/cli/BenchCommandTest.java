package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
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
      assertTrue(names(f).containsAll(List.of("name", "value", "unit", "ceiling", "ratio")), f.toString());
    }
    assertEquals(List.of("enclave.payloads.1-record", "did.fabric.resolve.cold.10", "did.fabric.resolve.cached.10"),
        figures);
  }

  @Test
  void ethrRpcWithoutARegistryIsAUsageError() {
    CliRun r = CliRun.of("bench", "--ethr-rpc", "http://127.0.0.1:1");
    assertEquals(2, r.exit());
  }

  @Test
  void figuresWithoutACeilingPrintNullCeilingAndRatio() throws Exception {
    JsonNode f = new ObjectMapper().readTree(BenchFigure.json(List.of(
        BenchFigure.without("http.submit.latency.p50", 12.3456, "ms", "no ceiling")))).get("results").get(0);
    assertTrue(f.get("ceiling").isNull() && f.get("ratio").isNull(), f.toString());
    assertEquals(12.346, f.get("value").asDouble());
  }

  private static List<String> names(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
