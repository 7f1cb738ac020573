package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.producer.HostClient;
import dev.sovereign.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ./sovereign host --dev} for real (the packaged host as a child process, its enclave jar as
 * a grandchild), then the operator console in a real headless chromium against it, then the
 * regulator's HTML report of the round the console closed. Screenshots go to {@code
 * target/screenshots}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevHostConsoleTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path tmp;
  private Path dir;
  private HostDevCommand command;
  private Thread running;
  private JsonNode started;
  private URI base;
  private String token;

  private static Path artifact(String property, String relative) {
    String p = System.getProperty(property);
    return p != null && !p.isBlank() ? Path.of(p) : Fixtures.projectRoot().resolve(relative);
  }

  @BeforeAll
  void startTheDevelopmentHost() throws Exception {
    Path jar = artifact("sovereign.demo.enclaveJar", "enclave-app/target/sovereign-enclave.jar");
    Path app =
        artifact("sovereign.demo.hostApp", "parent-host/host/target/quarkus-app/quarkus-run.jar");
    Assumptions.assumeTrue(
        Files.isRegularFile(jar) && Files.isRegularFile(app),
        "the enclave jar and the packaged host are built before this module's tests (reactor order)");
    tmp = Files.createTempDirectory("sovereign-dev-test");
    dir = tmp.resolve("dev");
    DevHostRun run = DevHostRun.start(dir, jar, app);
    command = run.command();
    running = run.running();
    started = run.started();
    base = URI.create(started.get("url").asText());
    token = Files.readString(Path.of(started.get("adminTokenFile").asText())).strip();
  }

  @AfterAll
  void stop() throws Exception {
    if (command != null) {
      command.stop();
      running.join(30_000);
    }
    if (tmp != null) {
      try (java.util.stream.Stream<Path> s = Files.walk(tmp)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private List<String> submitArgs(String producer, String zone) {
    List<String> a = new ArrayList<>();
    started.get("submit").forEach(n -> a.add(n.asText()));
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      String s = a.get(i).replace("eu-bakery", producer);
      out.add(s);
      if (a.get(i).equals("--zone")) {
        out.add(zone);
        i++;
      }
    }
    out.add("--json");
    return out;
  }

  private JsonNode counts() throws Exception {
    return HostClient.of(base).round(HostDevCommand.ROUND).json().path("counts");
  }

  private void awaitCount(String key, long n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && counts().path(key).asLong() < n) {
      Thread.sleep(200);
    }
    assertEquals(n, counts().path(key).asLong(), counts().toString());
  }

  @Test
  @Order(1)
  void thePrintedSubmitCommandWorksAsItStandsAndNoSecretIsOnACommandLine() throws Exception {
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(Path.of(started.get("adminTokenFile").asText()))));
    List<String> args = new ArrayList<>();
    started.get("submit").forEach(n -> args.add(n.asText()));
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, r.exit(), r.err());
    awaitCount("accepted", 1);
    for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
      Optional<String> cmd = p.info().commandLine();
      assertFalse(
          cmd.isPresent() && cmd.get().contains(token), "the admin token on a command line");
    }
    assertTrue(Files.exists(dir.resolve(HostDevCommand.MARKER)));
    assertTrue(Files.isRegularFile(dir.resolve("credential-chain.json")));
  }

  @Test
  @Order(2)
  void hostWithoutDevIsAUsageErrorNotAStackTrace() {
    CliRun r = CliRun.of("host");
    assertEquals(2, r.exit());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    CliRun busy =
        CliRun.of(
            "host",
            "--dev",
            "--dir",
            tmp.resolve("other").toString(),
            "--enclave-jar",
            artifact("sovereign.demo.enclaveJar", "enclave-app/target/sovereign-enclave.jar")
                .toString(),
            "--host-app",
            "/nonexistent.jar");
    assertEquals(2, busy.exit());
    assertTrue(busy.err().contains("no host application"), busy.err());
  }

  @Test
  @Order(3)
  void theConsoleShowsTheEnclaveAndLiveRoundCountsOnlyWithTheAdminCredential() throws Exception {
    Optional<Path> browser = Chromium.find();
    Assumptions.assumeTrue(
        browser.isPresent(),
        "no chromium on the PATH: apt-get install -y chromium (.ci/run installs it)");
    Path shots = Files.createDirectories(Path.of("target", "screenshots"));
    JsonNode status = HostClient.of(base).get("/v1/status").json();
    String enclaveDid = status.at("/enclave/did").asText();
    try (Chromium c = Chromium.start(browser.get(), tmp.resolve("profile"), 1400, 1000)) {
      c.navigate(base + "/console/");
      assertTrue(
          c.await(
              "document.getElementById('enc-did').textContent === "
                  + JSON.writeValueAsString(enclaveDid),
              Duration.ofSeconds(20)),
          "the enclave DID is shown");
      assertEquals(
          status.at("/enclave/policySha256").asText(),
          c.eval("document.getElementById('enc-policy').textContent").asText());
      assertTrue(
          c.eval("document.querySelector('#pcrs tbody').textContent")
              .asText()
              .contains(status.at("/enclave/attestation/pcrs/0").asText()),
          "PCR0 is shown");
      // no credential: no admin data at all
      assertEquals(0, c.eval("document.querySelectorAll('#rounds-table tbody tr').length").asInt());
      assertEquals(
          "no credential", c.eval("document.getElementById('admin-state').textContent").asText());
      // a wrong token: refused as the API refuses it
      c.eval(
          "document.getElementById('token').value='not-the-token';"
              + "document.getElementById('token-form').requestSubmit(); true");
      assertTrue(
          c.await(
              "document.getElementById('admin-state').textContent === 'unauthorized'",
              Duration.ofSeconds(10)));
      assertEquals(0, c.eval("document.querySelectorAll('#rounds-table tbody tr').length").asInt());
      // the token: rounds appear with the API's counts
      c.eval(
          "document.getElementById('token').value="
              + JSON.writeValueAsString(token)
              + ";document.getElementById('token-form').requestSubmit(); true");
      String row =
          "document.querySelector('#rounds-table tbody tr[data-round=\""
              + HostDevCommand.ROUND
              + "\"]')";
      assertTrue(
          c.await(row + " && " + row + ".cells[3].textContent === '1'", Duration.ofSeconds(15)),
          "1 accepted");
      // live: two more producers and one payload in the wrong zone, shown without a reload
      assertEquals(0, CliRun.of(submitArgs("us-diner", "US").toArray(String[]::new)).exit());
      assertEquals(0, CliRun.of(submitArgs("apac-market", "APAC").toArray(String[]::new)).exit());
      CliRun wrong = CliRun.of(submitArgs("us-diner", "EU").toArray(String[]::new));
      assertEquals(0, wrong.exit(), "stored (202); the enclave's verdict follows: " + wrong.err());
      awaitCount("accepted", 3);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      String reason = null;
      while (System.nanoTime() < deadline && reason == null) {
        for (var it = counts().fields(); it.hasNext(); ) {
          var e = it.next();
          if (!e.getKey().equals("accepted") && !e.getKey().equals("pending")) {
            reason = e.getKey();
          }
        }
        Thread.sleep(200);
      }
      assertTrue(reason != null, "the wrong-zone payload was rejected: " + counts());
      assertTrue(
          c.await(row + ".cells[3].textContent === '3'", Duration.ofSeconds(15)),
          "3 accepted, live");
      assertTrue(
          c.await(
              row
                  + ".cells[4].textContent.includes("
                  + JSON.writeValueAsString(reason + " 1")
                  + ")",
              Duration.ofSeconds(15)),
          "the rejection by its reason code");
      // an edge refusal (a zone this host does not serve) is counted on the page
      String header =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(
                  "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"kid\":\"k\",\"zone\":\"MARS\"}"
                      .getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> mars =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          base.resolve("/v1/rounds/" + HostDevCommand.ROUND + "/payloads"))
                      .header("Content-Type", "application/jose")
                      .POST(HttpRequest.BodyPublishers.ofString(header + ".a.b.c.d"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(421, mars.statusCode());
      assertTrue(
          c.await(
              "document.querySelector('#edge-table tbody').textContent.includes('zone-not-served')",
              Duration.ofSeconds(15)));
      assertTrue(
          c.await(
              "document.getElementById('audit-entries').textContent !== '-'",
              Duration.ofSeconds(20)),
          "audit status shown");
      c.screenshot(shots.resolve("console.png"));
      // what the page never shows: the token, producer DIDs, record values
      String text = c.eval("document.body.innerText + document.documentElement.outerHTML").asText();
      assertFalse(text.contains(token), "the admin token on the page");
      JsonNode chains = JSON.readTree(dir.resolve("credential-chain.json").toFile());
      for (JsonNode ch : chains.get("chains")) {
        assertFalse(text.contains(ch.get("producer").asText()), "a producer DID on the page");
      }
      for (String v : new String[] {"country,metric", "points,120"}) {
        assertFalse(text.contains(v), "record content on the page");
      }
      for (String url : c.requests) {
        assertTrue(url.startsWith(base.toString()), "a request elsewhere: " + url);
      }
      // close the round from the console (admin action, confirmed)
      c.eval(
          "window.confirm = () => true; "
              + row
              + ".cells[6].querySelector('button').click(); true");
      assertTrue(
          c.await(row + ".cells[2].textContent === 'closed'", Duration.ofSeconds(60)),
          "closed from the console");
      c.screenshot(shots.resolve("console-closed.png"));
    }
  }

  @Test
  @Order(4)
  void theRegulatorsHtmlReportShowsTheVerdictStepsAttestationAndChainsAndReproduces()
      throws Exception {
    HostClient.Answer a = HostClient.of(base).result(HostDevCommand.ROUND);
    if (a.status() != 200) {
      assertEquals(200, HostClient.admin(base, token).close(HostDevCommand.ROUND).status());
      a = HostClient.of(base).result(HostDevCommand.ROUND);
    }
    assertEquals(200, a.status());
    Path result = Files.writeString(tmp.resolve("result.jwt"), a.text().strip() + "\n");
    Path html = tmp.resolve("report.html");
    List<String> args =
        new ArrayList<>(
            List.of(
                "verify", result.toString(),
                "--root", dir.resolve("simulation-root.pem").toString(),
                "--pcr",
                    "0=" + started.get("submit").get(started.get("submit").size() - 1 - 6).asText(),
                "--policy", dir.resolve("policy.yaml").toString(),
                "--credential-chain", dir.resolve("credential-chain.json").toString()));
    for (String line : Files.readAllLines(dir.resolve("trust-anchors.txt"))) {
      args.add("--trust-anchor");
      args.add(line.substring(line.indexOf('=') + 1));
    }
    args.add("--html");
    args.add(html.toString());
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, r.exit(), r.err());
    String page = Files.readString(html);
    assertFalse(page.matches("(?s).*\\b(src|href)\\s*=.*"), "no linked resource in the report");
    assertFalse(page.contains("<script"), "no script in the report");
    assertTrue(page.contains("default-src 'none'"), "a policy that forbids any request");

    Optional<Path> browser = Chromium.find();
    Assumptions.assumeTrue(
        browser.isPresent(),
        "no chromium on the PATH: apt-get install -y chromium (.ci/run installs it)");
    Path shots = Files.createDirectories(Path.of("target", "screenshots"));
    try (Chromium c = Chromium.start(browser.get(), tmp.resolve("profile2"), 1300, 1000)) {
      c.navigate(html.toUri().toString());
      assertEquals("VALID", c.eval("document.getElementById('verdict').textContent").asText());
      String steps = c.eval("document.getElementById('steps').innerText").asText();
      for (String s :
          new String[] {
            "result-format",
            "result-signature",
            "attestation",
            "enclave-did-binding",
            "policy-hash-binding",
            "input-counts",
            "merkle-root",
            "accepted-payloads-not-public",
            "credential-chain[2]"
          }) {
        assertTrue(steps.contains(s), s + " in " + steps);
      }
      String att = c.eval("document.getElementById('attestation').innerText").asText();
      assertTrue(att.contains("pinned"), att);
      assertTrue(att.contains(args.get(args.indexOf("--pcr") + 1).substring(2)), "PCR0 shown");
      assertTrue(att.contains("= result signer") && att.contains("= result policy"), att);
      assertEquals(3, c.eval("document.querySelectorAll('#chains .tree').length").asInt());
      String chains = c.eval("document.getElementById('chains').innerText").asText();
      for (String node :
          new String[] {
            "Root authority", "Accreditation", "Credential", "Status", "trust anchor", "VALID"
          }) {
        assertTrue(chains.contains(node), node + " in " + chains);
      }
      String privacy = c.eval("document.getElementById('privacy').innerText").asText();
      // the regulator's privacy step against the pinned policy, and the parameters in words
      assertTrue(privacy.contains("PASSED") && privacy.contains("as the pinned policy"), privacy);
      for (String shown :
          new String[] {"privacy unit", "producer", "distinct producers", "contribution bounds"}) {
        assertTrue(privacy.contains(shown), shown + " in " + privacy);
      }
      String reproduce = c.eval("document.getElementById('command').textContent").asText();
      assertTrue(reproduce.startsWith("./sovereign verify"), reproduce);
      assertFalse(reproduce.contains("--html"), reproduce);
      for (String u : c.requests) {
        assertTrue(u.startsWith("file:"), "the report made a request: " + u);
      }
      c.screenshot(shots.resolve("regulator-report.png"));
      // the page's command, run as printed, gives the same verdict
      List<String> again = new ArrayList<>();
      for (String tok : reproduce.replace("\\\n", " ").trim().split("\\s+")) {
        again.add(tok.startsWith("'") ? tok.substring(1, tok.length() - 1) : tok);
      }
      assertEquals("./sovereign", again.remove(0));
      assertEquals(0, CliRun.of(again.toArray(String[]::new)).exit());

      // a forged result: the page says REJECTED with the reason code
      String[] parts = a.text().strip().split("\\.");
      JsonNode vc = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      ((com.fasterxml.jackson.databind.node.ObjectNode) vc.get("credentialSubject"))
          .put("dataset", "purchase-orders");
      String forged =
          parts[0]
              + "."
              + Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(vc))
              + "."
              + parts[2];
      Path forgedFile = Files.writeString(tmp.resolve("forged.jwt"), forged);
      args.set(1, forgedFile.toString());
      Path forgedHtml = tmp.resolve("forged.html");
      args.set(args.size() - 1, forgedHtml.toString());
      assertEquals(1, CliRun.of(args.toArray(String[]::new)).exit());
      c.navigate(forgedHtml.toUri().toString());
      assertEquals("REJECTED", c.eval("document.getElementById('verdict').textContent").asText());
      assertEquals(
          "result-signature-invalid",
          c.eval("document.getElementById('reason').textContent").asText());
      c.screenshot(shots.resolve("regulator-report-forged.png"));
    }
  }
}
