package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.MerkleTree;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.testing.Fixtures;
import dev.sovereign.testing.NodeTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end against the enclave jar running as its own process, over a unix socket. Producer
 * material (keys, did:key, credentials, status lists, nested JWS-in-JWE payloads) is built by the
 * {@code jose} npm package in {@code tools/js/sovereign-payloads.mjs}, not by Sovereign code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnclaveProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "round-2026-11-27";
  private static final String DATASET = "loyalty-points";
  private static final String STATUS_BASE = "https://authority.example/status";

  /**
   * Values that must never leave the enclave: individual records, neither min nor max of their
   * group.
   */
  private static final List<String> ACCEPTED_MARKERS = List.of("4242.4242", "5151.5151");

  /** Values inside payloads the enclave rejects. */
  private static final List<String> REJECTED_MARKERS =
      List.of("9191.9191", "8383.8383", "7373.7373");

  private Path dir;
  private Path socket;
  private EnclaveProcess enclave;
  private final ByteArrayOutputStream fromEnclave = new ByteArrayOutputStream();
  private EnclaveClient client;
  private JsonNode keys;
  private String policySha256;
  private Message.Attestation attestation;
  private final Map<String, String> payloads = new LinkedHashMap<>();
  private JsonNode built;
  private final List<String> acceptedJwes = new ArrayList<>();
  private final Map<String, Long> expectedRejections = new TreeMap<>();

  /** The codes this test provokes before the producer's signature verifies. */
  private static final java.util.Set<String> BEFORE_ANY_SIGNATURE =
      java.util.Set.of(
          "signature-invalid",
          "jwe-kid-mismatch",
          "decryption-failed",
          "jwe-algorithm-not-allowed",
          "jwe-zone-missing",
          "malformed-jwe",
          "payload-too-large",
          "invalid-ephemeral-key");

  @BeforeAll
  void startEnclave() throws Exception {
    dir = Files.createTempDirectory("enclave-it");
    socket = dir.resolve("enclave.sock");
    keys =
        node(
            "keys",
            JSON.createObjectNode()
                .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU", "US")))
                .<ObjectNode>set(
                    "producers",
                    JSON.valueToTree(List.of("eu1", "eu2", "eu3", "us1", "rev", "exp", "wr")))
                .<ObjectNode>set("p256Producers", JSON.valueToTree(List.of("eu-p256")))
                .set("strangers", JSON.valueToTree(List.of("mallory"))));
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        policyYaml(
            HexFormat.of().formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar())),
            keys.at("/zones/EU/root/did").asText(),
            keys.at("/zones/US/root/did").asText()));
    enclave =
        EnclaveProcess.start(
            List.of(
                "--simulate-nsm",
                "--listen",
                "unix:" + socket,
                "--policy",
                policy.toString(),
                "--state",
                dir.resolve("state").toString(),
                "--threads",
                "2"),
            Duration.ofSeconds(60));
    client = EnclaveClient.connectUnix(socket, fromEnclave);
  }

  @AfterAll
  void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    if (enclave != null) {
      enclave.close();
    }
  }

  static String policyYaml(String pcr0, String euRoot, String usRoot) {
    return DevPolicy.builder("enclave-it")
        .pcr0(pcr0)
        .zone("EU", euRoot)
        .zone("US", usRoot)
        .minGroupSize(2)
        .functions("sum", "count", "mean", "histogram")
        .histogram(0, 100, 1000, 10000)
        .privacy(10, 10, 10, false, null)
        .dataset(
            new DevPolicy.Dataset(
                "purchase-orders",
                List.of("EU"),
                5,
                "amount",
                List.of("sum", "count"),
                1_000_000,
                List.of()))
        .yaml();
  }

  @Test
  @Order(1)
  void theEnclaveAttestsItsEncryptionKeyItsDidAndItsPolicyHash() throws Exception {
    Message.HealthStatus health = client.call(new Message.Health(), Message.HealthStatus.class);
    policySha256 = health.policySha256();
    attestation =
        client.call(
            new Message.Attest("00112233445566778899aabbccddeeff"), Message.Attestation.class);
    // what a producer does: verify against the pinned (simulation) root, its nonce, the jar's PCR0
    java.security.cert.X509Certificate root =
        dev.sovereign.attestation.nsm.simulated.SimulatedNsm.rootCertificate(dir.resolve("state"));
    dev.sovereign.attestation.VerifiedAttestation verified =
        dev.sovereign.attestation.AttestationVerifier.create(
                dev.sovereign.attestation.AttestationPolicy.builder()
                    .pinnedRoot(root)
                    .allowPcr(0, SimulatedMeasurements.pcr0(EnclaveProcess.jar()))
                    .expectedNonce(HexFormat.of().parseHex("00112233445566778899aabbccddeeff"))
                    .maxAge(Duration.ofMinutes(5))
                    .build())
            .verify(Base64.getDecoder().decode(attestation.document()));
    AttestationDocument doc = verified.document();
    assertArrayEquals(HexFormat.of().parseHex("00112233445566778899aabbccddeeff"), doc.nonce());
    JsonNode userData = JSON.readTree(doc.userData());
    assertEquals(health.enclaveDid(), userData.get("did").asText());
    assertEquals(policySha256, userData.get("policySha256").asText());
    byte[] spki = doc.publicKey();
    com.nimbusds.jose.jwk.ECKey jwk =
        com.nimbusds.jose.jwk.ECKey.parse(attestation.encryptionKey());
    assertArrayEquals(jwk.toECPublicKey().getEncoded(), spki);
    assertEquals(jwk.computeThumbprint().toString(), attestation.kid());
    assertArrayEquals(SimulatedMeasurements.pcr0(EnclaveProcess.jar()), doc.pcr(0));
  }

  @Test
  @Order(2)
  void payloadsBuiltWithJoseDecryptVerifyAndAggregate() throws Exception {
    client.call(new Message.OpenRound(ROUND, DATASET, policySha256), Message.RoundOpened.class);
    build();
    client.call(
        new Message.SupplyEvidence(
            null,
            null,
            JSON.convertValue(
                built.get("statusLists"),
                JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class))),
        Message.EvidenceStored.class);
    // Ed25519 and P-256 (ES256) producers, ECDH-ES+A256KW and ECDH-ES, two zones, credentials and a
    // vp
    List<String> good =
        List.of(
            payloads.get("eu1"),
            payloads.get("eu2"),
            payloads.get("eu3-direct"),
            payloads.get("us1"),
            payloads.get("eu-p256"),
            payloads.get("eu-vp"));
    Message.PayloadVerdicts v =
        client.call(new Message.SubmitPayloads(ROUND, good), Message.PayloadVerdicts.class);
    for (int i = 0; i < good.size(); i++) {
      assertEquals(
          "accepted",
          v.verdicts().get(i).outcome(),
          "payload " + i + ": " + v.verdicts().get(i).reason());
      assertEquals(HexFormat.of().formatHex(sha256(good.get(i))), v.verdicts().get(i).leaf());
    }
    acceptedJwes.addAll(good);
  }

  @Test
  @Order(3)
  void eachAttackIsRejectedWithItsCodeAndTheEnclaveKeepsServing() throws Exception {
    expectRejected("mallory-signed", "signature-invalid");
    expectRejected("for-another-key", "jwe-kid-mismatch");
    expectRejected("for-another-key-claiming-ours", "decryption-failed");
    expectRejected("revoked", "credential-revoked");
    expectRejected("expired", "credential-expired");
    expectRejected("wrong-region", "credential-wrong-region");
    expectRejected("dataset-not-allowed", "dataset-not-allowed");
    expectRejected("metric-not-allowed", "metric-not-allowed");
    // eu1 again byte for byte (a host resending what it lost the verdict of): its first verdict,
    // not counted again (protocol 1.7); its jti under other bytes is the replay
    Message.PayloadVerdicts again =
        client.call(
            new Message.SubmitPayloads(ROUND, List.of(payloads.get("eu1"))),
            Message.PayloadVerdicts.class);
    assertEquals(
        new Message.Verdict(
            "accepted", null, HexFormat.of().formatHex(sha256(payloads.get("eu1")))),
        again.verdicts().get(0));
    expectRejected("jti-reuse", "replay");
    expectRejected("zone-mismatch", "zone-mismatch");
    expectRejected("country-outside-zone", "country-outside-zone");
    expectRejected("value-out-of-bounds", "value-out-of-bounds");
    expectRejected("group-keys-invalid", "group-keys-invalid");
    expectRejected("too-many-records", "too-many-records");
    expectRejected("other-round", "round-mismatch");
    expectRejected("us-credential-in-eu-zone", "credential-wrong-region");
    expectRejected("vp-for-another-payload", "credential-invalid");
  }

  @Test
  @Order(4)
  void jweHeadersOutsideTheFixedAlgorithmsAreRejectedBeforeAnyCryptography() throws Exception {
    String base = payloads.get("invalid-curve-base");
    List<String> bad =
        List.of(
            withHeader(base, h -> h.put("enc", "A128GCM")),
            withHeader(base, h -> h.put("alg", "RSA-OAEP-256")),
            withHeader(base, h -> h.put("zip", "DEF")),
            withHeader(base, h -> h.putArray("crit").add("zone")),
            withHeader(base, h -> h.remove("zone")),
            withHeader(base, h -> h.put("kid", "someone-else")),
            withHeader(base, h -> h.put("cty", "json")),
            base.substring(0, base.lastIndexOf('.')),
            "x".repeat((1 << 20) + 1));
    List<String> expected =
        List.of(
            "jwe-algorithm-not-allowed",
            "jwe-algorithm-not-allowed",
            "jwe-algorithm-not-allowed",
            "jwe-algorithm-not-allowed",
            "jwe-zone-missing",
            "jwe-kid-mismatch",
            "malformed-jwe",
            "malformed-jwe",
            "payload-too-large");
    Message.PayloadVerdicts v =
        client.call(new Message.SubmitPayloads(ROUND, bad), Message.PayloadVerdicts.class);
    for (int i = 0; i < bad.size(); i++) {
      assertEquals(expected.get(i), v.verdicts().get(i).reason(), "case " + i);
      expectedRejections.merge(expected.get(i), 1L, Long::sum);
    }
    assertServing();
  }

  @Test
  @Order(4)
  void invalidCurveEphemeralKeysFromWycheproofAreRejected() throws Exception {
    JsonNode vectors =
        JSON.readTree(Fixtures.vector("wycheproof/ecdh_secp256r1_test.json").toFile());
    String spkiPrefix = "3059301306072a8648ce3d020106082a8648ce3d030107034200";
    List<String> attacks = new ArrayList<>();
    for (JsonNode g : vectors.get("testGroups")) {
      for (JsonNode t : g.get("tests")) {
        String pub = t.get("public").asText();
        boolean invalidCurve =
            t.get("flags").toString().contains("InvalidCurveAttack")
                || t.get("comment").asText().contains("not on curve");
        if (invalidCurve
            && pub.startsWith(spkiPrefix + "04")
            && pub.length() == spkiPrefix.length() + 130) {
          byte[] point = HexFormat.of().parseHex(pub.substring(spkiPrefix.length() + 2));
          attacks.add(
              withEphemeralKey(
                  payloads.get("invalid-curve-base"),
                  java.util.Arrays.copyOfRange(point, 0, 32),
                  java.util.Arrays.copyOfRange(point, 32, 64)));
        }
      }
    }
    assertTrue(attacks.size() >= 10, "wycheproof invalid-curve vectors found: " + attacks.size());
    Message.PayloadVerdicts v =
        client.call(new Message.SubmitPayloads(ROUND, attacks), Message.PayloadVerdicts.class);
    for (Message.Verdict verdict : v.verdicts()) {
      assertEquals("rejected", verdict.outcome());
      assertEquals("invalid-ephemeral-key", verdict.reason());
    }
    expectedRejections.merge("invalid-ephemeral-key", (long) attacks.size(), Long::sum);
    assertServing();
  }

  @Test
  @Order(5)
  void malformedFramesGetAnErrorResponseAndTheEnclaveKeepsServing() throws Exception {
    // garbage inside a well-delimited frame: answered on the same connection
    try (EnclaveClient c = EnclaveClient.connectUnix(socket, fromEnclave)) {
      c.sendRaw(new byte[] {0, 0, 0, 6, 9, 9, 'j', 'u', 'n', 'k'});
      assertError(c.read(), "unsupported-version");
      c.sendRaw(Frames.encode(0x77, "{}".getBytes(StandardCharsets.UTF_8)));
      assertError(c.read(), "unknown-message-type");
      c.sendRaw(Frames.encode(0x04, "{\"round\": [".getBytes(StandardCharsets.UTF_8)));
      assertError(c.read(), "malformed-message");
      c.sendRaw(Frames.encode(0x01, "{\"unexpected\":1}".getBytes(StandardCharsets.UTF_8)));
      assertError(c.read(), "malformed-message");
      assertInstanceOf(Message.HealthStatus.class, c.call(new Message.Health()));
    }
    // a length the enclave refuses before allocating: error, then the connection is closed
    try (EnclaveClient c = EnclaveClient.connectUnix(socket, fromEnclave)) {
      c.sendRaw(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 1});
      assertError(c.read(), "frame-too-large");
      assertThrows(IOException.class, c::read);
    }
    // the stream ends inside a frame
    try (EnclaveClient c = EnclaveClient.connectUnix(socket, fromEnclave)) {
      c.sendRaw(new byte[] {0, 0, 0, 100, 1, 1, '{'});
      c.shutdownOutput();
      assertError(c.read(), "truncated-frame");
    }
    assertServing();
  }

  @Test
  @Order(6)
  void theResultCredentialIsSignedByTheEnclaveDidAndMatchesAPlainComputation() throws Exception {
    Message.RoundResult r = client.call(new Message.CloseRound(ROUND), Message.RoundResult.class);
    String[] parts = r.credential().split("\\.");
    JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
    JsonNode vc = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    String did = attestation.enclaveDid();
    assertEquals("EdDSA", header.get("alg").asText());
    assertEquals("vc+jwt", header.get("typ").asText());
    assertTrue(header.get("kid").asText().startsWith(did + "#"));
    Signature ed = Signature.getInstance("Ed25519");
    ed.initVerify(
        KeyFactory.getInstance("Ed25519")
            .generatePublic(new X509EncodedKeySpec(DidKey.decode(did).toPublicKey().getEncoded())));
    ed.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertTrue(ed.verify(Base64.getUrlDecoder().decode(parts[2])), "result signature");

    assertEquals("https://www.w3.org/ns/credentials/v2", vc.get("@context").get(0).asText());
    assertEquals(did, vc.get("issuer").asText());
    JsonNode s = vc.get("credentialSubject");
    assertEquals(ROUND, s.get("round").asText());
    assertEquals(DATASET, s.get("dataset").asText());
    assertEquals(policySha256, s.get("policySha256").asText());
    assertEquals(
        attestation.document().length() > 0, s.get("attestationDocument").asText().length() > 0);
    assertEquals(6, s.at("/inputs/accepted").asLong());
    Map<String, Long> byReason =
        JSON.convertValue(
            s.at("/inputs/rejectedByReason"),
            JSON.getTypeFactory().constructMapType(TreeMap.class, String.class, Long.class));
    // the attacks that fail before any signature verified are one unauthenticated count; the rest
    // are counted by reason
    Map<String, Long> authenticated = new TreeMap<>(expectedRejections);
    authenticated.keySet().removeAll(BEFORE_ANY_SIGNATURE);
    long unauthenticated =
        expectedRejections.entrySet().stream()
            .filter(e -> BEFORE_ANY_SIGNATURE.contains(e.getKey()))
            .mapToLong(Map.Entry::getValue)
            .sum();
    assertEquals(authenticated, byReason);
    assertEquals(unauthenticated, s.at("/inputs/unauthenticated").asLong());
    List<byte[]> leaves = new ArrayList<>();
    for (String jwe : acceptedJwes) {
      leaves.add(sha256(jwe));
    }
    assertEquals(HexFormat.of().formatHex(MerkleTree.root(leaves)), s.at("/merkle/root").asText());

    // the plain computation over the same records
    Map<String, List<BigDecimal>> groups =
        new TreeMap<>(); // the accepted payloads' records, as built above
    groups.put(
        "DE", decimals("100", "4242.4242", "9000", "50", "5151.5151", "6000", "300", "250", "120"));
    groups.put("FR", decimals("77"));
    groups.put("US", decimals("10", "20", "30"));
    JsonNode cells = s.get("aggregates");
    assertEquals(
        1, cells.size(), "FR and US have one producer each, below k = 2 producers: " + cells);
    assertEquals(2, s.get("suppressedGroups").asInt());
    assertEquals("distinct-producers", s.at("/privacy/thresholdCounts").asText());
    for (JsonNode cell : cells) {
      List<BigDecimal> values = groups.get(cell.at("/group/country").asText());
      BigDecimal sum = values.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
      assertEquals(0, sum.compareTo(cell.get("sum").decimalValue()), cell.toString());
      assertEquals(values.size(), cell.get("count").asLong());
      assertEquals(
          0,
          sum.divide(BigDecimal.valueOf(values.size()), MathContext.DECIMAL64)
              .compareTo(cell.get("mean").decimalValue()),
          cell.toString());
      assertFalse(cell.has("min") || cell.has("max"), "exact order statistics are never published");
      long[] hist = new long[5]; // below 0, [0,100), [100,1000), [1000,10000), 10000 and above
      for (BigDecimal v : values) {
        double d = v.doubleValue();
        hist[d < 0 ? 0 : d < 100 ? 1 : d < 1000 ? 2 : d < 10000 ? 3 : 4]++;
      }
      assertArrayEquals(hist, JSON.convertValue(cell.at("/histogram/counts"), long[].class));
    }
  }

  @Test
  @Order(7)
  void noByteTheEnclaveSentContainsAPlaintextRecord() throws Exception {
    byte[] sent;
    synchronized (fromEnclave) {
      sent = fromEnclave.toByteArray();
    }
    assertTrue(sent.length > 1000, "captured " + sent.length + " bytes");
    List<String> haystacks = new ArrayList<>();
    haystacks.add(new String(sent, StandardCharsets.ISO_8859_1));
    haystacks.add(enclave.stdout());
    haystacks.add(enclave.stderr());
    // decode every base64/base64url token the enclave sent (the result JWT, the attestation
    // document)
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("[A-Za-z0-9_\\-+/=]{16,}")
            .matcher(new String(sent, StandardCharsets.ISO_8859_1));
    while (m.find()) {
      for (String part : m.group().split("[.]")) {
        try {
          haystacks.add(
              new String(
                  Base64.getUrlDecoder()
                      .decode(part.replace('+', '-').replace('/', '_').replace("=", "")),
                  StandardCharsets.ISO_8859_1));
        } catch (IllegalArgumentException e) {
          // not base64
        }
      }
    }
    for (String marker : concat(ACCEPTED_MARKERS, REJECTED_MARKERS)) {
      for (String h : haystacks) {
        assertFalse(h.contains(marker), "marker " + marker + " left the enclave");
      }
    }
    assertTrue(enclave.isAlive());
  }

  // ---- helpers ----

  private void build() throws Exception {
    long now = Instant.now().getEpochSecond();
    ObjectNode spec = JSON.createObjectNode();
    spec.set("keys", keys);
    spec.set(
        "enclave",
        JSON.createObjectNode()
            .<ObjectNode>set("jwk", JSON.valueToTree(attestation.encryptionKey()))
            .put("kid", attestation.kid())
            .put("did", attestation.enclaveDid()));
    spec.put("now", now);
    spec.put("statusBase", STATUS_BASE);
    spec.set("datasets", JSON.valueToTree(List.of(DATASET, "purchase-orders")));
    ArrayNode producers = spec.putArray("producers");
    for (String p : List.of("eu1", "eu2", "eu3", "eu-p256")) {
      producer(producers, p, "EU", "EU");
    }
    producer(producers, "us1", "US", "US");
    producer(producers, "rev", "EU", "EU").put("revoked", true);
    producer(producers, "exp", "EU", "EU")
        .put("validFrom", now - 10 * 86400)
        .put("validUntil", now - 86400);
    producer(producers, "wr", "EU", "US").put("issuerZone", "US");
    ArrayNode list = spec.putArray("payloads");
    List<String> names = new ArrayList<>();
    payload(
        list,
        names,
        "eu1",
        "eu1",
        "EU",
        DATASET,
        records("DE", "points", "100", "4242.4242", "9000"));
    payload(
        list,
        names,
        "eu2",
        "eu2",
        "EU",
        DATASET,
        records("DE", "points", "50", "5151.5151", "6000").add(record("FR", "points", "77")));
    payload(list, names, "eu3-direct", "eu3", "EU", DATASET, records("DE", "points", "300"))
        .put("alg", "ECDH-ES");
    payload(list, names, "us1", "us1", "US", DATASET, records("US", "points", "10", "20", "30"));
    payload(list, names, "eu-p256", "eu-p256", "EU", DATASET, records("DE", "points", "250"));
    payload(list, names, "eu-vp", "eu3", "EU", DATASET, records("DE", "points", "120"))
        .put("vp", true);
    payload(
            list,
            names,
            "vp-for-another-payload",
            "eu3",
            "EU",
            DATASET,
            records("DE", "points", "9"))
        .put("vp", true)
        .put("vpNonce", "the-jti-of-another-payload");
    payload(
            list,
            names,
            "mallory-signed",
            "eu1",
            "EU",
            DATASET,
            records("DE", "points", "7373.7373"))
        .put("signer", "mallory");
    payload(list, names, "for-another-key", "eu1", "EU", DATASET, records("DE", "points", "1"))
        .put("recipient", "other")
        .put("otherKid", true);
    payload(
            list,
            names,
            "for-another-key-claiming-ours",
            "eu1",
            "EU",
            DATASET,
            records("DE", "points", "1"))
        .put("recipient", "other");
    payload(list, names, "revoked", "rev", "EU", DATASET, records("DE", "points", "9191.9191"));
    payload(list, names, "expired", "exp", "EU", DATASET, records("DE", "points", "1"));
    payload(list, names, "wrong-region", "wr", "EU", DATASET, records("DE", "points", "8383.8383"));
    payload(
        list,
        names,
        "dataset-not-allowed",
        "eu1",
        "EU",
        "purchase-orders",
        records("DE", "amount", "1"));
    payload(list, names, "metric-not-allowed", "eu1", "EU", DATASET, records("DE", "secret", "1"));
    payload(list, names, "jti-reuse", "eu1", "EU", DATASET, records("DE", "points", "2"))
        .put("jti", "jti-eu2");
    payload(list, names, "invalid-curve-base", "eu1", "EU", DATASET, records("DE", "points", "3"));
    payload(list, names, "zone-mismatch", "eu1", "EU", DATASET, records("DE", "points", "4"))
        .put("region", "US");
    payload(
        list, names, "country-outside-zone", "eu1", "EU", DATASET, records("US", "points", "5"));
    payload(
        list,
        names,
        "value-out-of-bounds",
        "eu1",
        "EU",
        DATASET,
        records("DE", "points", "100001"));
    payload(
        list,
        names,
        "group-keys-invalid",
        "eu1",
        "EU",
        DATASET,
        JSON.createArrayNode()
            .add(
                JSON.createObjectNode()
                    .put("metric", "points")
                    .put("value", 6)
                    .set(
                        "group",
                        JSON.createObjectNode().put("country", "DE").put("customer", "c-17"))));
    String[] many = new String[1001];
    java.util.Arrays.fill(many, "1");
    payload(list, names, "too-many-records", "eu1", "EU", DATASET, records("DE", "points", many));
    payload(list, names, "other-round", "eu1", "EU", DATASET, records("DE", "points", "7"))
        .put("round", "r-other");
    payload(
        list,
        names,
        "us-credential-in-eu-zone",
        "us1",
        "EU",
        DATASET,
        records("DE", "points", "8"));
    ((ObjectNode) list.get(1)).put("jti", "jti-eu2");
    built = node("build", spec);
    for (int i = 0; i < names.size(); i++) {
      payloads.put(names.get(i), built.get("payloads").get(i).asText());
    }
  }

  private static ObjectNode producer(ArrayNode producers, String name, String zone, String region) {
    return producers
        .addObject()
        .put("name", name)
        .put("zone", zone)
        .put("region", region)
        .set("datasets", JSON.valueToTree(List.of(DATASET)));
  }

  private static ObjectNode payload(
      ArrayNode list,
      List<String> names,
      String name,
      String producer,
      String zone,
      String dataset,
      ArrayNode records) {
    names.add(name);
    ObjectNode p =
        list.addObject()
            .put("producer", producer)
            .put("zone", zone)
            .put("region", zone)
            .put("dataset", dataset)
            .put("round", ROUND);
    p.set("records", records);
    return p;
  }

  private static ArrayNode records(String country, String metric, String... values) {
    ArrayNode a = JSON.createArrayNode();
    for (String v : values) {
      a.add(record(country, metric, v));
    }
    return a;
  }

  private static ObjectNode record(String country, String metric, String value) {
    ObjectNode r = JSON.createObjectNode();
    r.putObject("group").put("country", country);
    r.put("metric", metric);
    r.put("value", new BigDecimal(value));
    return r;
  }

  private void expectRejected(String name, String code) throws IOException {
    String jwe = payloads.get(name);
    Message.PayloadVerdicts v =
        client.call(new Message.SubmitPayloads(ROUND, List.of(jwe)), Message.PayloadVerdicts.class);
    assertEquals("rejected", v.verdicts().get(0).outcome(), name);
    assertEquals(code, v.verdicts().get(0).reason(), name);
    assertEquals(null, v.verdicts().get(0).leaf());
    expectedRejections.merge(code, 1L, Long::sum);
    assertServing();
  }

  private void assertServing() throws IOException {
    assertTrue(enclave.isAlive());
    try (EnclaveClient c = EnclaveClient.connectUnix(socket, fromEnclave)) {
      assertEquals("serving", c.call(new Message.Health(), Message.HealthStatus.class).status());
    }
  }

  private static void assertError(Message.Response r, String code) {
    Message.Error e = assertInstanceOf(Message.Error.class, r);
    assertEquals(code, e.code(), e.detail());
  }

  /** The same JWE with its protected header changed by {@code edit} (the header is re-encoded). */
  private static String withHeader(String jwe, java.util.function.Consumer<ObjectNode> edit)
      throws IOException {
    String[] parts = jwe.split("\\.", -1);
    ObjectNode h = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
    edit.accept(h);
    parts[0] = Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(h));
    return String.join(".", parts);
  }

  /** The same JWE with its protected header's epk replaced (the header is re-encoded). */
  private static String withEphemeralKey(String jwe, byte[] x, byte[] y) throws IOException {
    String[] parts = jwe.split("\\.", -1);
    ObjectNode h = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    ((ObjectNode) h.get("epk")).put("x", b64.encodeToString(x)).put("y", b64.encodeToString(y));
    parts[0] = b64.encodeToString(JSON.writeValueAsBytes(h));
    return String.join(".", parts);
  }

  private static JsonNode node(String command, JsonNode input) throws IOException {
    NodeTools.Result r =
        NodeTools.node(
                "sovereign-payloads.mjs",
                List.of(command),
                JSON.writeValueAsString(input),
                Duration.ofMinutes(2))
            .requireSuccess();
    return JSON.readTree(r.stdout());
  }

  private static byte[] sha256(String s) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static List<BigDecimal> decimals(String... v) {
    return java.util.Arrays.stream(v).map(BigDecimal::new).toList();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
