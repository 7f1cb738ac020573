package dev.sovereign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchFigureTest {

  @Test
  void figuresWithoutACeilingPrintNullCeilingAndRatio() throws Exception {
    JsonNode f =
        new ObjectMapper()
            .readTree(
                BenchFigure.json(
                    List.of(
                        BenchFigure.without(
                            "http.submit.latency.p50", 12.3456, "ms", "no ceiling"))))
            .get("results")
            .get(0);
    assertTrue(f.get("ceiling").isNull() && f.get("ratio").isNull(), f.toString());
    assertEquals(12.346, f.get("value").asDouble());
  }
}
