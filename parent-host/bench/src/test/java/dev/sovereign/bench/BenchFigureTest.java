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

  @Test
  void aPipelineFigureNamesItsProviderAndCarriesTheNativeCeilingAndRatioBesideItsOwn()
      throws Exception {
    EnclaveBench.Result fallback =
        new EnclaveBench.Result(
            "enclave.payloads.1-record", 1200.0, "payloads/s", 2000.0, 0.6, "java", 4000.0, 0.3);
    EnclaveBench.Result nowhere =
        new EnclaveBench.Result(
            "enclave.payloads.10-records", 900.0, "payloads/s", 1800.0, 0.5, "java", null, null);
    JsonNode rs =
        new ObjectMapper()
            .readTree(BenchFigure.json(List.of(BenchFigure.of(fallback), BenchFigure.of(nowhere))))
            .get("results");
    JsonNode f = rs.get(0);
    assertEquals("java", f.get("provider").asText());
    assertEquals(2000.0, f.get("ceiling").asDouble());
    assertEquals(0.6, f.get("ratio").asDouble());
    assertEquals(4000.0, f.get("nativeCeiling").asDouble());
    assertEquals(0.3, f.get("nativeRatio").asDouble());
    // AWS-LC unavailable: the fields are there, null, never a made-up number
    JsonNode g = rs.get(1);
    assertTrue(g.has("nativeCeiling") && g.get("nativeCeiling").isNull(), g.toString());
    assertTrue(g.get("nativeRatio").isNull(), g.toString());
    assertTrue(BenchFigure.of(fallback).human().contains("native ratio 0.300"));
  }

  @Test
  void aFigureOtherThanThePipelineHasNoProviderFields() throws Exception {
    JsonNode f =
        new ObjectMapper()
            .readTree(
                BenchFigure.json(
                    List.of(BenchFigure.rate("did.resolve", 100, "resolutions/s", 200, "x"))))
            .get("results")
            .get(0);
    assertTrue(!f.has("provider") && !f.has("nativeCeiling"), f.toString());
  }
}
