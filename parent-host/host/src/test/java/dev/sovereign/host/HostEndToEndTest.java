package dev.sovereign.host;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.MerkleTree;
import dev.sovereign.testing.NodeTools;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end through HTTP: the Quarkus host in front of a real enclave process (the enclave jar,
 * started by the host's dev launcher), with producer payloads built by the {@code jose} npm
 * package. The result must equal a plain computation over the accepted records, and no plaintext
 * marker may appear anywhere on the host. Mid-round the enclave process is killed with SIGKILL
 * after a seal: its successor restores the seal (keys, round, replay set) and gets the inbox tail,
 * and the result equals the uninterrupted computation.
 */
@QuarkusTest
@TestProfile(HostEndToEndTest.WithEnclave.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path DIR = Path.of("target/host-e2e").toAbsolutePath();
  private static final String ROUND = "r-e2e-1";
  private static final String DATASET = "loyalty-points";
  private static final String ADMIN = "Bearer test-admin-token";

  /** Record values that exist only in the producers' plaintext. */
  private static final List<String> MARKERS = List.of("4242.4242", "5151.5151", "9191.9191");

  /**
   * Generates producer and authority keys with node, writes the policy, starts the enclave via the
   * host.
   */
  public static class WithEnclave implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        Path jar = DevEnclaveDir.freshWithEnclaveJar(DIR);
        ObjectNode spec = JSON.createObjectNode();
        spec.set("zones", JSON.valueToTree(List.of("EU", "US")));
        spec.set("producers", JSON.valueToTree(List.of("eu1", "eu2", "us1", "rev")));
        JsonNode keys = node("keys", spec);
        Files.writeString(DIR.resolve("keys.json"), keys.toString());
        Path policy =
            DevEnclaveDir.writePolicy(
                DIR,
                jar,
                DevPolicy.builder("host-e2e")
                    .minGroupSize(2)
                    .functions("sum", "count", "mean")
                    .privacy(10, 10, 10, false, null)
                    .zone("EU", keys.at("/zones/EU/root/did").asText())
                    .zone("US", keys.at("/zones/US/root/did").asText()));
        return Map.of(
            "sovereign.host.data-dir", DIR.resolve("host").toString(),
            "sovereign.host.enclave.launch", "true",
            "sovereign.host.enclave.jar", jar.toString(),
            "sovereign.host.enclave.policy", policy.toString(),
            "sovereign.host.enclave.batch", "4",
            "sovereign.host.seal.every-payloads", "1000",
            "sovereign.host.seal.interval", "PT1H");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Inject HostService host;

  static JsonNode node(String cmd, JsonNode input) {
    String out =
        NodeTools.node(
                "sovereign-payloads.mjs", List.of(cmd), input.toString(), Duration.ofMinutes(2))
            .requireSuccess()
            .stdout();
    try {
      return JSON.readTree(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode built;
  private static final List<String> accepted = new ArrayList<>();

  @Test
  @Order(1)
  void producersGetAnAttestationAndTheRoundOpens() throws Exception {
    JsonNode att =
        JSON.readTree(
            given()
                .queryParam("nonce", "0011223344556677")
                .get("/v1/attestation")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    assertTrue(att.get("enclaveDid").asText().startsWith("did:key:"));
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("round", ROUND, "dataset", DATASET))
        .post("/v1/rounds")
        .then()
        .statusCode(201)
        .body("state", equalTo("open"));

    long now = Instant.now().getEpochSecond();
    ObjectNode spec = JSON.createObjectNode();
    spec.set("keys", JSON.readTree(Files.readString(DIR.resolve("keys.json"))));
    spec.set(
        "enclave",
        JSON.createObjectNode()
            .<ObjectNode>set("jwk", att.get("encryptionKey"))
            .put("kid", att.get("kid").asText())
            .put("did", att.get("enclaveDid").asText()));
    spec.put("now", now);
    spec.put("statusBase", "https://authority.example/status");
    spec.set("datasets", JSON.valueToTree(List.of(DATASET)));
    ArrayNode producers = spec.putArray("producers");
    for (String[] p : new String[][] {{"eu1", "EU"}, {"eu2", "EU"}, {"us1", "US"}, {"rev", "EU"}}) {
      producers
          .addObject()
          .put("name", p[0])
          .put("zone", p[1])
          .put("region", p[1])
          .put("revoked", p[0].equals("rev"))
          .set("datasets", JSON.valueToTree(List.of(DATASET)));
    }
    ArrayNode list = spec.putArray("payloads");
    payload(list, "eu1", "EU", "DE", "100", "4242.4242");
    payload(list, "eu2", "EU", "DE", "50", "5151.5151");
    payload(list, "us1", "US", "US", "10", "20");
    payload(list, "rev", "EU", "DE", "9191.9191");
    payload(list, "eu1", "EU", "FR", "7");
    payload(list, "eu2", "EU", "FR", "8");
    built = node("build", spec);
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("statusLists", JSON.convertValue(built.get("statusLists"), Map.class)))
        .post("/v1/evidence")
        .then()
        .statusCode(200);
    // issue 11, attack 5: a list the enclave cannot verify is the enclave's refusal, with its
    // reason code, and replaces nothing (the revoked producer stays revoked in the result below);
    // re-posting the valid list is no change
    for (java.util.Iterator<String> urls = built.get("statusLists").fieldNames();
        urls.hasNext(); ) {
      String url = urls.next();
      given()
          .header("Authorization", ADMIN)
          .contentType("application/json")
          .body(Map.of("statusLists", Map.of(url, "garbage")))
          .post("/v1/evidence")
          .then()
          .statusCode(422)
          .body("code", org.hamcrest.Matchers.equalTo("status-list-refused"))
          .body("detail", org.hamcrest.Matchers.containsString(url + " status-list-invalid"));
    }
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("statusLists", JSON.convertValue(built.get("statusLists"), Map.class)))
        .post("/v1/evidence")
        .then()
        .statusCode(200);
  }

  private static void payload(
      ArrayNode list, String producer, String zone, String country, String... values) {
    ObjectNode p =
        list.addObject()
            .put("producer", producer)
            .put("zone", zone)
            .put("region", zone)
            .put("dataset", DATASET)
            .put("round", ROUND);
    ArrayNode records = p.putArray("records");
    for (String v : values) {
      records
          .addObject()
          .put("metric", "points")
          .put("value", new BigDecimal(v))
          .set("group", JSON.createObjectNode().put("country", country));
    }
  }

  private static String jwe(int i) {
    return built.get("payloads").get(i).asText();
  }

  private static void submit(int i) {
    given()
        .contentType("application/jose")
        .body(jwe(i).getBytes(StandardCharsets.US_ASCII))
        .post("/v1/rounds/" + ROUND + "/payloads")
        .then()
        .statusCode(202);
  }

  @Test
  @Order(2)
  void payloadsAreAcceptedOnceAndARetryIsIdempotent() throws Exception {
    for (int i = 0; i < 4; i++) {
      submit(i);
    }
    given()
        .contentType("application/jose")
        .body(jwe(0).getBytes(StandardCharsets.US_ASCII))
        .post("/v1/rounds/" + ROUND + "/payloads")
        .then()
        .statusCode(202)
        .body("status", equalTo("already-stored"));
    waitUntilDrained();
    given()
        .get("/v1/rounds/" + ROUND)
        .then()
        .statusCode(200)
        .body("counts.accepted", equalTo(3))
        .body("counts.credential-revoked", equalTo(1));
    accepted.addAll(List.of(jwe(0), jwe(1), jwe(2)));
  }

  @Test
  @Order(3)
  void afterTheEnclaveIsKilledMidRoundItsSuccessorRestoresTheSealAndGetsOnlyTheInboxTail()
      throws Exception {
    String did = host.health().enclaveDid();
    SealStore.Seal seal = host.sealNow();
    assertEquals(4, seal.coveredPayloads().size(), "the seal covers the four answered payloads");
    submit(4); // answered after the seal: not covered, so it is resent to the successor
    waitUntilDrained();
    long pid = host.launcher().orElseThrow().pid();
    ProcessHandle enclave = ProcessHandle.of(pid).orElseThrow();
    assertTrue(enclave.destroyForcibly(), "SIGKILL sent");
    enclave.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    submit(5);
    waitUntilDrained();
    accepted.addAll(List.of(jwe(4), jwe(5)));
    assertTrue(host.launcher().orElseThrow().pid() != pid, "a new enclave process runs");
    assertEquals(did, host.health().enclaveDid(), "the successor carries the sealed DID and keys");
    given()
        .get("/v1/rounds/" + ROUND)
        .then()
        .statusCode(200)
        .body("counts.accepted", equalTo(5))
        .body("counts.credential-revoked", equalTo(1));
    String log = Files.readString(DIR.resolve("host/enclave.log"));
    assertTrue(
        log.split("enclave: serving on", -1).length - 1 >= 2, "the enclave was started twice");
  }

  @Test
  @Order(4)
  void theAdminBackupEndpointsSealRestoreAndRefuseATamperedBlobWithItsReason() throws Exception {
    given().post("/v1/backup").then().statusCode(401);
    String blob =
        given()
            .header("Authorization", ADMIN)
            .post("/v1/backup")
            .then()
            .statusCode(200)
            .body("rounds[0]", equalTo(ROUND))
            .extract()
            .path("sealedState");
    byte[] tampered = Base64.getDecoder().decode(blob);
    tampered[tampered.length - 1] ^= 1;
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("sealedState", Base64.getEncoder().encodeToString(tampered)))
        .post("/v1/restore")
        .then()
        .statusCode(422)
        .body("code", equalTo("seal-rejected"))
        .body("detail", org.hamcrest.Matchers.endsWith(": TAMPERED"));
    given()
        .header("Authorization", ADMIN)
        .contentType("application/json")
        .body(Map.of("sealedState", blob))
        .post("/v1/restore")
        .then()
        .statusCode(200)
        .body("openRounds", equalTo(1));
  }

  @Test
  @Order(5)
  void theResultEqualsAPlainComputationOverTheAcceptedRecords() throws Exception {
    String credential =
        given()
            .header("Authorization", ADMIN)
            .post("/v1/rounds/" + ROUND + "/close")
            .then()
            .statusCode(200)
            .extract()
            .path("result");
    JsonNode vc = JSON.readTree(Base64.getUrlDecoder().decode(credential.split("\\.")[1]));
    JsonNode s = vc.get("credentialSubject");
    assertEquals(5, s.at("/inputs/accepted").asLong());
    assertEquals(1, s.at("/inputs/rejectedByReason/credential-revoked").asLong());
    assertEquals(
        1,
        s.at("/inputs/rejectedByReason").size(),
        "no replay or key mismatch after the restart: " + s.at("/inputs/rejectedByReason"));
    assertEquals(
        0,
        s.at("/inputs/unauthenticated").asLong(-1),
        "no payload failed before its signature (a key mismatch would): " + s.at("/inputs"));
    Map<String, BigDecimal> expected =
        Map.of(
            "DE",
                new BigDecimal("100")
                    .add(new BigDecimal("4242.4242"))
                    .add(new BigDecimal("50"))
                    .add(new BigDecimal("5151.5151")),
            "FR", new BigDecimal("15"),
            "US", new BigDecimal("30"));
    // US has one producer (us1), below k = 2 distinct producers
    assertEquals(2, s.get("aggregates").size(), s.toString());
    assertEquals(1, s.get("suppressedGroups").asInt(), s.toString());
    for (JsonNode cell : s.get("aggregates")) {
      BigDecimal sum = expected.get(cell.at("/group/country").asText());
      assertEquals(0, sum.compareTo(cell.get("sum").decimalValue()), cell.toString());
    }
    List<byte[]> leaves = new ArrayList<>();
    for (String jwe : accepted) {
      leaves.add(
          MessageDigest.getInstance("SHA-256").digest(jwe.getBytes(StandardCharsets.US_ASCII)));
    }
    assertEquals(HexFormat.of().formatHex(MerkleTree.root(leaves)), s.at("/merkle/root").asText());
    given()
        .get("/v1/rounds/" + ROUND + "/result")
        .then()
        .statusCode(200)
        .contentType("application/vc+jwt");
    assertTrue(
        host.inbox().allOf(ROUND).isEmpty(),
        "the round's ciphertext is deleted once the result covers it");
  }

  @Test
  @Order(6)
  void noPlaintextMarkerAppearsInTheHostsFilesLogsOrMetrics() throws Exception {
    StringBuilder everything = new StringBuilder();
    try (Stream<Path> files = Files.walk(DIR.resolve("host"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        everything.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
      }
    }
    everything.append(given().get("/q/metrics").then().statusCode(200).extract().asString());
    Path log = Path.of("target/quarkus.log");
    if (Files.exists(log)) {
      everything.append(Files.readString(log));
    }
    for (String marker : MARKERS) {
      assertFalse(
          everything.toString().contains(marker),
          "plaintext marker " + marker + " found on the host");
    }
    // The enclave's keys: open the last backup as only the attested dev enclave can (same build,
    // same
    // simulated parent, same policy), then search the host's files, log and metrics for them.
    Path jar = DIR.resolve("sovereign-enclave.jar");
    DevKeyBroker broker = host.devKeyBroker().orElseThrow();
    byte[] body;
    try (dev.sovereign.attestation.nsm.simulated.SimulatedNsm nsm =
            dev.sovereign.attestation.nsm.simulated.SimulatedNsm.open(
                dev.sovereign.attestation.nsm.simulated.SimulationConfig.of(
                    DIR.resolve("host/enclave-state"), jar));
        dev.sovereign.kms.aws.AwsKmsKeyBroker kms =
            dev.sovereign.kms.aws.AwsKmsKeyBroker.builder()
                .endpoint(broker.endpoint())
                .region("local-1")
                .credentials(
                    software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                            "test", "test")))
                .build()) {
      String policySha256 = host.health().policySha256();
      var binding =
          dev.sovereign.attestation.seal.SealBinding.create(
              broker.keyArn(),
              SimulatedMeasurements.pcr0(jar),
              "EU-CENTRAL-1",
              HexFormat.of().parseHex(policySha256));
      body =
          dev.sovereign.attestation.seal.StateSealer.create(
                  nsm, kms, binding, null, new java.security.SecureRandom())
              .open(host.seals().latest().orElseThrow().blob())
              .body()
              .toByteArray(dev.sovereign.attestation.kms.SecretAccess.get());
    }
    var identity = dev.sovereign.enclave.seal.SealedBody.decode(body).identity();
    assertEquals(host.health().enclaveDid(), identity.did());
    for (byte[] key :
        List.of(
            identity.signingKeyPairForSealing().getPrivate().getEncoded(),
            identity.encryptionPrivateKey().getEncoded())) {
      byte[] raw = java.util.Arrays.copyOfRange(key, key.length - 32, key.length);
      for (String form :
          List.of(
              new String(raw, StandardCharsets.ISO_8859_1),
              HexFormat.of().formatHex(raw),
              Base64.getEncoder().encodeToString(key),
              Base64.getUrlEncoder().withoutPadding().encodeToString(raw))) {
        assertFalse(everything.toString().contains(form), "enclave key material found on the host");
      }
    }
  }

  private void waitUntilDrained() throws Exception {
    for (int i = 0; i < 600; i++) {
      if (host.inbox().pendingCount() == 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the inbox did not drain within 60 s");
  }
}
