package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.testing.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Grafana dashboard, the Prometheus configuration and the compose services that start them,
 * parsed (no Docker here), and every metric a dashboard query names checked against what this host
 * really exports at {@code /q/metrics} and what docs/api.md documents.
 */
@QuarkusTest
@TestProfile(StatusResourceTest.NoEnclave.class)
class MonitoringConfigTest {
  private static final Pattern METRIC =
      Pattern.compile("\\b(sovereign_host_[a-z_]+|http_server_requests_seconds_[a-z]+)\\b");

  @jakarta.inject.Inject HostService host;

  private static Path docker() {
    return Fixtures.projectRoot().resolve("docker");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(Path p) throws Exception {
    return (Map<String, Object>)
        new Load(LoadSettings.builder().build()).loadFromString(Files.readString(p));
  }

  private static Set<String> dashboardMetrics() throws Exception {
    JsonNode d =
        new ObjectMapper()
            .readTree(
                docker().resolve("monitoring/grafana/dashboards/sovereign-host.json").toFile());
    assertEquals("sovereign-host", d.get("uid").asText());
    Set<String> names = new TreeSet<>();
    Set<Integer> ids = new TreeSet<>();
    for (JsonNode p : d.get("panels")) {
      assertTrue(ids.add(p.get("id").asInt()), "panel ids are unique");
      assertTrue(p.path("targets").size() > 0, p.path("title").asText());
      for (JsonNode t : p.get("targets")) {
        assertEquals("${datasource}", t.at("/datasource/uid").asText());
        Matcher m = METRIC.matcher(t.get("expr").asText());
        boolean any = false;
        while (m.find()) {
          names.add(m.group(1));
          any = true;
        }
        assertTrue(any, "a query naming no host metric: " + t.get("expr"));
      }
    }
    return names;
  }

  /** A metric's family name as Prometheus lists it in {@code # TYPE} lines. */
  private static String family(String series) {
    for (String suffix : List.of("_bucket", "_count", "_sum", "_total")) {
      if (series.endsWith(suffix) && !series.equals("http_server_requests_seconds_count")) {
        return series.substring(0, series.length() - suffix.length());
      }
    }
    return series.equals("http_server_requests_seconds_count")
        ? "http_server_requests_seconds"
        : series;
  }

  @Test
  void everyMetricTheDashboardQueriesIsExportedByTheHostAndDocumented() throws Exception {
    // make every counter exist once, as the events that drive them would
    HostActivity a = host.activity();
    a.observe("submission", Map.of("outcome", "accepted"));
    a.observe("submission", Map.of("outcome", "rejected", "reason", "replay"));
    a.observe("backup-sealed", Map.of("trigger", "admin"));
    a.observe("seal-refused", Map.of("trigger", "admin", "code", "sealing-unavailable"));
    a.observe("restored", Map.of("trigger", "admin"));
    a.observe(
        "evidence-relayed", Map.of("deferred", 1, "failures", Map.of("ledger-unavailable", 1)));
    a.refusedAtEdge("zone-not-served");
    try {
      host.health(); // no enclave here: a link-failed round trip, recorded
    } catch (Problem expected) {
      // enclave-unavailable
    }
    given().get("/v1/status").then().statusCode(200);
    String exported = given().get("/q/metrics").then().statusCode(200).extract().asString();
    Set<String> families = new TreeSet<>();
    Matcher t = Pattern.compile("(?m)^# TYPE (\\S+) ").matcher(exported);
    while (t.find()) {
      families.add(t.group(1));
    }
    String api = Files.readString(Fixtures.projectRoot().resolve("docs/api.md"));
    for (String m : dashboardMetrics()) {
      String f = family(m);
      assertTrue(
          families.contains(f) || families.contains(f + "_total") || families.contains(f + "_max"),
          m + " is not exported (families: " + families + ")");
      assertTrue(api.contains(f), m + " is not documented in docs/api.md");
      assertFalse(f.contains("round"), "a metric named after a round");
    }
    assertTrue(exported.contains("sovereign_host_enclave_request_seconds_bucket"), "a histogram");
  }

  @Test
  @SuppressWarnings("unchecked")
  void prometheusScrapesTheHostsMetricsPathAndComposeStartsPrometheusAndGrafanaWithTheDashboard()
      throws Exception {
    Map<String, Object> prom = yaml(docker().resolve("monitoring/prometheus.yml"));
    List<Map<String, Object>> jobs = (List<Map<String, Object>>) prom.get("scrape_configs");
    Map<String, Object> job = jobs.get(0);
    assertEquals("/q/metrics", job.get("metrics_path"));
    List<Map<String, Object>> statics = (List<Map<String, Object>>) job.get("static_configs");
    assertEquals(List.of("host:8080"), statics.get(0).get("targets"));

    Map<String, Object> compose = yaml(docker().resolve("compose.yaml"));
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    assertTrue(services.containsKey("host"));
    for (String s : List.of("prometheus", "grafana")) {
      Map<String, Object> svc = (Map<String, Object>) services.get(s);
      assertEquals(List.of("monitoring"), svc.get("profiles"), s);
      for (Object v : (List<Object>) svc.get("volumes")) {
        String src = v.toString().split(":")[0];
        if (src.startsWith("./")) {
          assertTrue(Files.exists(docker().resolve(src)), s + " mounts a missing " + src);
        }
      }
    }
    Map<String, Object> ds =
        yaml(docker().resolve("monitoring/grafana/provisioning/datasources/prometheus.yaml"));
    Map<String, Object> first = ((List<Map<String, Object>>) ds.get("datasources")).get(0);
    assertEquals("prometheus", first.get("type"));
    assertEquals("http://prometheus:9090", first.get("url"));
    Map<String, Object> dash =
        yaml(docker().resolve("monitoring/grafana/provisioning/dashboards/sovereign.yaml"));
    Map<String, Object> provider = ((List<Map<String, Object>>) dash.get("providers")).get(0);
    assertEquals(
        "/var/lib/grafana/dashboards", ((Map<String, Object>) provider.get("options")).get("path"));
  }
}
