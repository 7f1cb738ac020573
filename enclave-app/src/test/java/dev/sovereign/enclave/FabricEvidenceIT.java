package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.did.fabric.core.FabricDidEvidence;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import dev.sovereign.did.fabric.ledger.EmbeddedLedger;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.testing.NodeTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * did:fabric producers end to end over a unix socket against the enclave process: DIDs created on
 * the embedded ledger (host side, test scope), their credentials and payloads built with {@code
 * jose} ({@code tools/js/sovereign-payloads.mjs}), evidence exported for the enclave's own nonce
 * and supplied with {@code SupplyEvidence}. Accepted with evidence; without it {@code
 * did-evidence-missing}; a tampered log and an endorsement by a CA the policy does not pin are
 * refused with their did:fabric reason code and the producer's payloads are {@code
 * did-evidence-invalid}; a backdated {@code iat} revives neither a rotated-away key nor a
 * deactivated DID.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FabricEvidenceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUND = "fabric-round-1";
  private static final String DATASET = "loyalty-points";
  private static final String NETWORK = "sovereign";

  private Path dir;
  private EmbeddedLedger ledger;
  private EmbeddedLedger rogue;
  private EnclaveProcess enclave;
  private EnclaveClient client;
  private final Map<String, String> dids = new java.util.HashMap<>();
  private final Map<String, SoftwareControllerKey> controllerKeys = new java.util.HashMap<>();
  private final Map<String, VersionRecord> versions = new java.util.HashMap<>();
  private JsonNode built;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("fabric-it");
    ledger = EmbeddedLedger.open(dir.resolve("ledger"), NETWORK);
    rogue = EmbeddedLedger.open(dir.resolve("rogue"), NETWORK);
    ObjectNode keys =
        (ObjectNode)
            node(
                "keys",
                JSON.createObjectNode()
                    .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU")))
                    .<ObjectNode>set("producers", JSON.valueToTree(List.of()))
                    .set("strangers", JSON.valueToTree(List.of())));
    ObjectNode producers = (ObjectNode) keys.get("producers");
    producers.set("fab", fabricProducer("fab", ledger));
    producers.set("tampered", fabricProducer("tampered", ledger));
    producers.set("rogue", fabricProducer("rogue", rogue));
    producers.set("rotated", fabricProducer("rotated", ledger));
    producers.set("deactivated", fabricProducer("deactivated", ledger));
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        policyYaml(
            HexFormat.of().formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar())),
            keys.at("/zones/EU/root/did").asText(),
            ledger.mspId(),
            pem(ledger.orgCaCertificate())));
    Path socket = dir.resolve("enclave.sock");
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
    client = EnclaveClient.connectUnix(socket);

    String policySha256 =
        client.call(new Message.Health(), Message.HealthStatus.class).policySha256();
    Message.Attestation att = client.call(new Message.Attest("0011"), Message.Attestation.class);
    client.call(new Message.OpenRound(ROUND, DATASET, policySha256), Message.RoundOpened.class);
    long now = Instant.now().getEpochSecond();
    ObjectNode spec = JSON.createObjectNode();
    spec.set("keys", keys);
    spec.set(
        "enclave",
        JSON.createObjectNode()
            .<ObjectNode>set("jwk", JSON.valueToTree(att.encryptionKey()))
            .put("kid", att.kid())
            .put("did", att.enclaveDid()));
    spec.put("now", now);
    spec.put("statusBase", "https://authority.example/status");
    spec.set("datasets", JSON.valueToTree(List.of(DATASET)));
    ArrayNode ps = spec.putArray("producers");
    ArrayNode payloads = spec.putArray("payloads");
    for (String p : List.of("fab", "tampered", "rogue", "rotated", "deactivated")) {
      ps.addObject()
          .put("name", p)
          .put("zone", "EU")
          .put("region", "EU")
          .set("datasets", JSON.valueToTree(List.of(DATASET)));
    }
    // payloads 4 and 5 are signed with each DID's first key and dated now, before the rotation
    // and the deactivation the last test makes
    // payload 6 is the tampered DID's second: the same bytes sent again would get their first
    // verdict (protocol 1.7), so the test that supplies its tampered log needs new ones
    for (String p :
        List.of("fab", "fab", "tampered", "rogue", "rotated", "deactivated", "tampered")) {
      ObjectNode pl =
          payloads
              .addObject()
              .put("producer", p)
              .put("zone", "EU")
              .put("region", "EU")
              .put("dataset", DATASET)
              .put("round", ROUND);
      pl.putArray("records")
          .addObject()
          .put("metric", "points")
          .put("value", 10)
          .putObject("group")
          .put("country", "DE");
    }
    built = node("build", spec);
    client.call(
        new Message.SupplyEvidence(
            null,
            null,
            JSON.convertValue(
                built.get("statusLists"),
                JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class))),
        Message.EvidenceStored.class);
  }

  @AfterAll
  void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    if (enclave != null) {
      enclave.close();
    }
    if (ledger != null) {
      ledger.close();
    }
    if (rogue != null) {
      rogue.close();
    }
  }

  /**
   * A did:fabric DID on {@code on} whose genesis key is also the producer's payload key (#key-1).
   */
  private ObjectNode fabricProducer(String name, EmbeddedLedger on) throws Exception {
    byte[] seed = new byte[32];
    new SecureRandom().nextBytes(seed);
    SoftwareControllerKey key = SoftwareControllerKey.fromSecret(Multikey.Type.ED25519, seed);
    VersionRecord created = on.submit(FabricDocuments.create(NETWORK, key));
    String did = created.did();
    dids.put(name, did);
    controllerKeys.put(name, key);
    versions.put(name, created);
    byte[] x = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    ObjectNode jwk =
        JSON.createObjectNode()
            .put("kty", "OKP")
            .put("crv", "Ed25519")
            .put("x", b64.encodeToString(x))
            .put("d", b64.encodeToString(seed));
    return JSON.createObjectNode()
        .put("did", did)
        .put("kid", did + "#key-1")
        .put("alg", "EdDSA")
        .set("jwk", jwk);
  }

  static String policyYaml(String pcr0, String euRoot, String mspId, String caPem) {
    return dev.sovereign.enclave.policy.DevPolicy.builder("fabric-evidence-it")
        .pcr0(pcr0)
        .zone(
            new dev.sovereign.enclave.policy.DevPolicy.Zone(
                "EU",
                List.of("DE", "FR"),
                List.of(dev.sovereign.enclave.policy.DevPolicy.REGION),
                euRoot))
        .minGroupSize(1)
        .functions("sum", "count")
        .fabricNetwork("sovereign", mspId, caPem)
        .yaml();
  }

  static String pem(X509Certificate c) throws Exception {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(c.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  @Test
  @Order(1)
  void aFabricProducerIsRejectedWithoutEvidenceAndAcceptedWithVerifiedEvidence() throws Exception {
    assertEquals("did-evidence-missing", verdict(0).reason());

    String nonce =
        client.call(new Message.EvidenceNonce(), Message.EvidenceNonceIssued.class).nonce();
    JsonNode bundle = JSON.readTree(FabricDidEvidence.bundle(ledger, dids.get("fab"), nonce));
    Message.EvidenceStored stored =
        client.call(
            new Message.SupplyEvidence(List.of(bundle), null, null), Message.EvidenceStored.class);
    assertEquals(1, stored.didLogs());

    Message.Verdict v = verdict(1);
    assertEquals("accepted", v.outcome(), v.reason());

    Message.Verdict tampered = verdict(2);
    assertTrue(tampered.reason().startsWith("did-evidence-"), tampered.reason());
  }

  @Test
  @Order(2)
  void aTamperedLogIsRefusedWithItsCodeAndItsProducerIsDidEvidenceInvalid() throws Exception {
    String nonce =
        client.call(new Message.EvidenceNonce(), Message.EvidenceNonceIssued.class).nonce();
    ObjectNode bundle =
        (ObjectNode) JSON.readTree(FabricDidEvidence.bundle(ledger, dids.get("tampered"), nonce));
    ObjectNode first = (ObjectNode) bundle.get("log").get("versions").get(0);
    first.put(
        "versionTime",
        Instant.parse(first.get("versionTime").asText()).minusSeconds(60).toString());
    Message.Error e =
        assertInstanceOf(
            Message.Error.class,
            client.call(new Message.SupplyEvidence(List.of(bundle), null, null)));
    assertEquals("evidence-rejected", e.code());
    assertTrue(e.detail().contains(dids.get("tampered") + " LOG_VERSION_ID_MISMATCH"), e.detail());
    assertEquals("did-evidence-invalid", verdict(6).reason());
    // its first payload, sent again, keeps the verdict the round counted for it (protocol 1.7)
    assertEquals("did-evidence-missing", verdict(2).reason());
  }

  @Test
  @Order(3)
  void anEndorsementByACaThePolicyDoesNotPinIsRefusedAndItsProducerIsDidEvidenceInvalid()
      throws Exception {
    String nonce =
        client.call(new Message.EvidenceNonce(), Message.EvidenceNonceIssued.class).nonce();
    JsonNode bundle = JSON.readTree(FabricDidEvidence.bundle(rogue, dids.get("rogue"), nonce));
    Message.Error e =
        assertInstanceOf(
            Message.Error.class,
            client.call(new Message.SupplyEvidence(List.of(bundle), null, null)));
    assertEquals("evidence-rejected", e.code());
    assertTrue(e.detail().contains(dids.get("rogue") + " ENDORSEMENT_INVALID"), e.detail());
    assertEquals("did-evidence-invalid", verdict(3).reason());
  }

  @Test
  @Order(4)
  void evidenceForANonceTheEnclaveDidNotIssueIsRefused() throws Exception {
    JsonNode bundle =
        JSON.readTree(FabricDidEvidence.bundle(ledger, dids.get("fab"), "host-chosen-nonce"));
    Message.Error e =
        assertInstanceOf(
            Message.Error.class,
            client.call(new Message.SupplyEvidence(List.of(bundle), null, null)));
    assertTrue(e.detail().contains("ENDORSEMENT_MISMATCH"), e.detail());
    // bad evidence never replaces verified evidence: the producer still resolves
    assertInstanceOf(Message.HealthStatus.class, client.call(new Message.Health()));
  }

  /**
   * Issue 17 (5) through the socket, with fresh and honest evidence: after the producer rotated its
   * key, a payload signed with the old key and dated before the rotation (the signer chooses {@code
   * iat}) is {@code signature-invalid}; after a DID's deactivation, one dated before it is {@code
   * producer-did-unresolvable}. The key must be in the DID's current verified document.
   */
  @Test
  @Order(5)
  void aBackdatedIatRevivesNeitherARotatedAwayKeyNorADeactivatedDid() throws Exception {
    String rotated = dids.get("rotated");
    SoftwareControllerKey next = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    Thread.sleep(1100); // the rotation's versionTime is after the payloads' iat
    ledger.submit(
        FabricDocuments.update(
            rotated,
            versions.get("rotated").versionId(),
            FabricDocuments.document(rotated, List.of(next.publicKey()), 1),
            rotated + "#key-1",
            controllerKeys.get("rotated")));
    String deactivated = dids.get("deactivated");
    ledger.submit(
        FabricDocuments.deactivate(
            deactivated,
            versions.get("deactivated").versionId(),
            deactivated + "#key-1",
            controllerKeys.get("deactivated")));
    String nonce =
        client.call(new Message.EvidenceNonce(), Message.EvidenceNonceIssued.class).nonce();
    Message.EvidenceStored stored =
        client.call(
            new Message.SupplyEvidence(
                List.of(
                    JSON.readTree(FabricDidEvidence.bundle(ledger, rotated, nonce)),
                    JSON.readTree(FabricDidEvidence.bundle(ledger, deactivated, nonce))),
                null,
                null),
            Message.EvidenceStored.class);
    assertEquals(2, stored.didLogs());

    Message.Verdict old = verdict(4);
    assertEquals("rejected", old.outcome());
    assertEquals("signature-invalid", old.reason());
    Message.Verdict gone = verdict(5);
    assertEquals("rejected", gone.outcome());
    assertEquals("producer-did-unresolvable", gone.reason());
  }

  private Message.Verdict verdict(int payload) throws IOException {
    Message.PayloadVerdicts v =
        client.call(
            new Message.SubmitPayloads(ROUND, List.of(built.get("payloads").get(payload).asText())),
            Message.PayloadVerdicts.class);
    return v.verdicts().get(0);
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
}
