package dev.sovereign.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.kms.SecretAccess;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import dev.sovereign.attestation.seal.SealBinding;
import dev.sovereign.attestation.seal.SealedState;
import dev.sovereign.attestation.seal.StateSealer;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.MerkleTree;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.seal.SealedBody;
import dev.sovereign.keybroker.KmsHttpServer;
import dev.sovereign.keybroker.LocalKeyBroker;
import dev.sovereign.kms.aws.AwsKmsKeyBroker;
import dev.sovereign.testing.NodeTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Seal and restore between enclave processes through the real local key broker (KMS JSON over
 * loopback, the AWS SDK client inside the enclave): the round trip gives the uninterrupted result,
 * and each refusal has its reason code. Payloads are built by the {@code jose} npm package.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SealRestoreIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();
  private static final String ROUND = "r-seal-1";
  private static final String DATASET = "loyalty-points";
  static final String EU_ROLE = "arn:aws:iam::111122223333:role/sovereign-eu-parent";
  static final String US_ROLE = "arn:aws:iam::111122223333:role/sovereign-us-parent";
  static final String EU_INSTANCE = "i-0e0e0e0e0e0e0e0e1";
  static final String US_INSTANCE = "i-0a0a0a0a0a0a0a0a1";

  private Path dir;
  private Path nsmState;
  private Path brokerState;
  private Path policy;
  private Path otherPolicy;
  private Path otherBuild;
  private LocalKeyBroker broker;
  private KmsHttpServer server;
  private KmsHttpServer lateServer;
  private String keyArn;
  private JsonNode keys;
  private JsonNode built;
  private String did;
  private String policySha256;
  private byte[] blob1;
  private byte[] blob2;
  private byte[] latest;
  private final List<EnclaveProcess> processes = new ArrayList<>();
  private final ByteArrayOutputStream wire = new ByteArrayOutputStream();

  @BeforeAll
  void startBroker() throws Exception {
    dir = Files.createTempDirectory("seal-it");
    nsmState = dir.resolve("nsm");
    brokerState = dir.resolve("broker");
    keys =
        node(
            "keys",
            JSON.createObjectNode()
                .<ObjectNode>set("zones", JSON.valueToTree(List.of("EU", "US")))
                .set("producers", JSON.valueToTree(List.of("eu1", "eu2", "us1"))));
    otherBuild = dir.resolve("other-build.jar");
    try (java.util.zip.ZipOutputStream zip =
        new java.util.zip.ZipOutputStream(Files.newOutputStream(otherBuild))) {
      zip.putNextEntry(new java.util.zip.ZipEntry("build.txt"));
      zip.write("another enclave build".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    String pcr0 = HEX.formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar()));
    String otherPcr0 = HEX.formatHex(SimulatedMeasurements.pcr0(otherBuild));
    policy = dir.resolve("policy.yaml");
    Files.writeString(policy, policyYaml("seal-it", pcr0, otherPcr0));
    otherPolicy = dir.resolve("other-policy.yaml");
    Files.writeString(otherPolicy, policyYaml("seal-it-other", pcr0, otherPcr0));
    AttestationPolicy attestation =
        AttestationPolicy.builder()
            .pinnedRoot(SimulatedNsm.rootCertificate(nsmState))
            .maxAge(Duration.ofMinutes(5))
            .build();
    broker =
        LocalKeyBroker.open(
            brokerState, AttestationVerifier.create(attestation), Clock.systemUTC());
    server =
        KmsHttpServer.start(broker, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterAll
  void stop() {
    processes.forEach(EnclaveProcess::close);
    if (server != null) {
      server.close();
    }
    if (lateServer != null) {
      lateServer.close();
    }
  }

  private String policySha256Of(Path p) throws Exception {
    return dev.sovereign.enclave.policy.PolicyLoader.load(p).sha256Hex();
  }

  private void createKey() throws Exception {
    keyArn = createKey(policy);
  }

  /** A key that releases only to the EU build on EU hosts with the policy in {@code pol}. */
  private String createKey(Path pol) throws Exception {
    String keyPolicy =
        """
        {"Version": "2012-10-17", "Statement": [{
          "Sid": "EU enclave build on EU hosts with the EU policy", "Effect": "Allow",
          "Principal": {"AWS": "arn:aws:iam::111122223333:role/sovereign-eu-parent"},
          "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
          "Condition": {
            "StringEqualsIgnoreCase": {
              "kms:RecipientAttestation:ImageSha384": "%s",
              "kms:RecipientAttestation:PCR3": ["%s"],
              "kms:RecipientAttestation:PCR4": ["%s"],
              "sovereign:RecipientAttestation:PolicyHash": "%s"},
            "StringEquals": {"kms:EncryptionContext:sovereign:region": "EU"}}}]}
        """
            .formatted(
                HEX.formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar())),
                HEX.formatHex(SimulatedMeasurements.pcr3(EU_ROLE)),
                HEX.formatHex(SimulatedMeasurements.pcr4(EU_INSTANCE)),
                policySha256Of(pol));
    JsonNode created = broker.handle("CreateKey", JSON.createObjectNode().put("Policy", keyPolicy));
    return created.at("/KeyMetadata/Arn").asText();
  }

  /** An enclave process with sealing, on the given hosts, measured build, policy and broker. */
  private EnclaveClient enclave(
      String name, String role, String instance, Path measure, Path pol, KmsHttpServer kms)
      throws Exception {
    return enclave(name, role, instance, measure, pol, kms, keyArn);
  }

  private EnclaveClient enclave(
      String name,
      String role,
      String instance,
      Path measure,
      Path pol,
      KmsHttpServer kms,
      String key)
      throws Exception {
    Path socket = dir.resolve(name + ".sock");
    List<String> args =
        new ArrayList<>(
            List.of(
                "--simulate-nsm",
                "--listen",
                "unix:" + socket,
                "--policy",
                pol.toString(),
                "--state",
                nsmState.toString(),
                "--threads",
                "2",
                "--key-broker",
                kms.endpoint().toString(),
                "--key-id",
                key,
                "--region",
                "EU",
                "--sim-parent-role",
                role,
                "--sim-parent-instance",
                instance));
    if (measure != null) {
      args.addAll(List.of("--measure", measure.toString()));
    }
    EnclaveProcess p = EnclaveProcess.start(args, Duration.ofSeconds(90));
    processes.add(p);
    return EnclaveClient.connectUnix(socket, wire);
  }

  private EnclaveClient euEnclave(String name) throws Exception {
    return enclave(name, EU_ROLE, EU_INSTANCE, null, policy, server);
  }

  private static String refusal(EnclaveClient c, byte[] blob) throws IOException {
    Message.Response r = c.call(new Message.Restore(Base64.getEncoder().encodeToString(blob)));
    Message.Error e = assertInstanceOf(Message.Error.class, r, "the restore must be refused");
    assertEquals("seal-rejected", e.code());
    return e.detail();
  }

  private Message.PayloadVerdicts submit(EnclaveClient c, int... indexes) throws IOException {
    List<String> jwes =
        Arrays.stream(indexes).mapToObj(i -> built.get("payloads").get(i).asText()).toList();
    return c.call(new Message.SubmitPayloads(ROUND, jwes), Message.PayloadVerdicts.class);
  }

  @Test
  @Order(1)
  void anEnclaveSealsItsRoundTwiceWithIncreasingSequences() throws Exception {
    createKey();
    try (EnclaveClient c = euEnclave("first")) {
      Message.HealthStatus h = c.call(new Message.Health(), Message.HealthStatus.class);
      did = h.enclaveDid();
      policySha256 = h.policySha256();
      Message.Attestation att =
          c.call(new Message.Attest("0102030405060708"), Message.Attestation.class);
      c.call(new Message.OpenRound(ROUND, DATASET, policySha256), Message.RoundOpened.class);
      build(att);
      c.call(
          new Message.SupplyEvidence(
              null,
              null,
              JSON.convertValue(
                  built.get("statusLists"),
                  JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class))),
          Message.EvidenceStored.class);
      submit(c, 0, 1).verdicts().forEach(v -> assertEquals("accepted", v.outcome(), v.reason()));
      long t0 = System.nanoTime();
      blob1 =
          Base64.getDecoder()
              .decode(c.call(new Message.Seal(), Message.Sealed.class).sealedState());
      long t1 = System.nanoTime();
      submit(c, 2, 3).verdicts().forEach(v -> assertEquals("accepted", v.outcome(), v.reason()));
      long t2 = System.nanoTime();
      blob2 =
          Base64.getDecoder()
              .decode(c.call(new Message.Seal(), Message.Sealed.class).sealedState());
      System.err.printf(
          "SealRestoreIT: first seal %d ms (includes the RSA-2048 recipient key), second seal %d ms,"
              + " blob %d bytes%n",
          (t1 - t0) / 1_000_000, (System.nanoTime() - t2) / 1_000_000, blob2.length);
    }
    assertTrue(
        SealedState.parse(blob2).unverifiedHeader().sequence()
            > SealedState.parse(blob1).unverifiedHeader().sequence());
    processes.get(0).close(); // the first enclave is gone; its memory with it
  }

  @Test
  @Order(2)
  void aNewEnclaveProcessRefusesATamperedAndAnOlderSnapshotThenRestoresAndFinishesTheRound()
      throws Exception {
    try (EnclaveClient c = euEnclave("second")) {
      assertFalse(
          did.equals(c.call(new Message.Health(), Message.HealthStatus.class).enclaveDid()));
      byte[] tampered = blob2.clone();
      tampered[tampered.length - 1] ^= 1;
      assertEquals("TAMPERED", refusal(c, tampered));
      long t0 = System.nanoTime();
      Message.Restored restored =
          c.call(
              new Message.Restore(Base64.getEncoder().encodeToString(blob2)),
              Message.Restored.class);
      System.err.printf("SealRestoreIT: restore %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      assertEquals(1, restored.rounds());
      // blob2 was a plain Seal (it held the broker's mark); restoring it raised the mark, and this
      // enclave never goes below what it restored
      assertEquals("ROLLBACK", refusal(c, blob1));
      assertEquals(
          did,
          c.call(new Message.Health(), Message.HealthStatus.class).enclaveDid(),
          "the restored enclave keeps its DID");
      // status lists are public evidence the host resupplies (as it does after any restart)
      c.call(
          new Message.SupplyEvidence(
              null,
              null,
              JSON.convertValue(
                  built.get("statusLists"),
                  JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class))),
          Message.EvidenceStored.class);
      // payloads encrypted to the first enclave's key still open; a payload sealed as accepted,
      // sent again byte for byte, gets its first verdict back and is not counted again (1.7)
      Message.PayloadVerdicts v = submit(c, 4, 5, 0);
      assertEquals("accepted", v.verdicts().get(0).outcome(), v.verdicts().get(0).reason());
      assertEquals("accepted", v.verdicts().get(1).outcome(), v.verdicts().get(1).reason());
      assertEquals(
          new Message.Verdict(
              "accepted",
              null,
              java.util.HexFormat.of()
                  .formatHex(
                      java.security.MessageDigest.getInstance("SHA-256")
                          .digest(
                              built
                                  .get("payloads")
                                  .get(0)
                                  .asText()
                                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII)))),
          v.verdicts().get(2));
      String credential =
          c.call(new Message.CloseRound(ROUND), Message.RoundResult.class).credential();
      assertResultEqualsTheUninterruptedComputation(credential);
      // the close sealed above blob2 (the result names that seal): only a later seal opens now
      latest =
          Base64.getDecoder()
              .decode(c.call(new Message.Seal(), Message.Sealed.class).sealedState());
    }
  }

  private void assertResultEqualsTheUninterruptedComputation(String credential) throws Exception {
    JsonNode s =
        JSON.readTree(Base64.getUrlDecoder().decode(credential.split("\\.")[1]))
            .get("credentialSubject");
    assertEquals(did, s.get("enclaveDid").asText());
    assertEquals(6, s.at("/inputs/accepted").asLong());
    assertEquals(0, s.at("/inputs/rejectedByReason").size(), s.at("/inputs").toString());
    Map<String, BigDecimal> sums =
        Map.of("DE", new BigDecimal("150"), "FR", new BigDecimal("15"), "US", new BigDecimal("30"));
    Map<String, Long> counts = Map.of("DE", 2L, "FR", 2L, "US", 2L);
    // DE and FR have two producers each, across the seal and restore; US one (us1, twice)
    assertEquals(2, s.get("aggregates").size(), s.toString());
    assertEquals(1, s.get("suppressedGroups").asInt(), s.toString());
    for (JsonNode cell : s.get("aggregates")) {
      String country = cell.at("/group/country").asText();
      assertEquals(0, sums.get(country).compareTo(cell.get("sum").decimalValue()), cell.toString());
      assertEquals(counts.get(country), cell.get("count").asLong(), cell.toString());
    }
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      leaves.add(
          MessageDigest.getInstance("SHA-256")
              .digest(built.get("payloads").get(i).asText().getBytes(StandardCharsets.US_ASCII)));
    }
    assertEquals(HEX.formatHex(MerkleTree.root(leaves)), s.at("/merkle/root").asText());
  }

  @Test
  @Order(3)
  void anEnclaveWithAnotherMeasurementIsRefused() throws Exception {
    try (EnclaveClient c =
        enclave("other-build", EU_ROLE, EU_INSTANCE, otherBuild, policy, server)) {
      assertEquals("BINDING_MISMATCH", refusal(c, blob2));
    }
  }

  @Test
  @Order(4)
  void euStateIsRefusedToAnEnclaveOnUsHosts() throws Exception {
    try (EnclaveClient c = enclave("us-hosts", US_ROLE, US_INSTANCE, null, policy, server)) {
      assertEquals("KEY_RELEASE_REFUSED:HOST_NOT_ALLOWED", refusal(c, blob2));
    }
  }

  @Test
  @Order(5)
  void anAttestationDocumentPastTheBrokersMaximumAgeIsRefused() throws Exception {
    // The same broker state read by a broker whose clock runs 10 minutes ahead: every document is
    // too old.
    Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));
    LocalKeyBroker late =
        LocalKeyBroker.open(
            brokerState,
            AttestationVerifier.create(
                AttestationPolicy.builder()
                    .pinnedRoot(SimulatedNsm.rootCertificate(nsmState))
                    .maxAge(Duration.ofMinutes(5))
                    .verifyNow(ahead)
                    .build()),
            ahead);
    lateServer =
        KmsHttpServer.start(late, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    try (EnclaveClient c = enclave("late", EU_ROLE, EU_INSTANCE, null, policy, lateServer)) {
      assertEquals("KEY_RELEASE_REFUSED:ATTESTATION_REJECTED:TOO_OLD", refusal(c, blob2));
    }
  }

  @Test
  @Order(6)
  void anEnclaveThatLoadedAnotherPolicyIsRefused() throws Exception {
    try (EnclaveClient c =
        enclave("other-policy", EU_ROLE, EU_INSTANCE, null, otherPolicy, server)) {
      assertEquals("BINDING_MISMATCH", refusal(c, blob2));
    }
  }

  @Test
  @Order(7)
  void theSealedKeysAppearNowhereOutsideTheEnclaveButInsideTheBlob() throws Exception {
    // Play the EU enclave (same build, same hosts, same policy) to open the blob, as only it can.
    SimulationConfig sim =
        SimulationConfig.of(nsmState, EnclaveProcess.jar())
            .withParentRoleArn(EU_ROLE)
            .withParentInstanceId(EU_INSTANCE);
    byte[] body;
    try (SimulatedNsm nsm = SimulatedNsm.open(sim);
        AwsKmsKeyBroker kms =
            AwsKmsKeyBroker.builder()
                .endpoint(server.endpoint())
                .region("local-1")
                .credentials(
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build()) {
      SealBinding binding =
          SealBinding.create(
              keyArn,
              SimulatedMeasurements.pcr0(EnclaveProcess.jar()),
              "EU",
              HEX.parseHex(policySha256));
      body =
          StateSealer.create(nsm, kms, binding, null, new SecureRandom())
              .open(latest)
              .body()
              .toByteArray(SecretAccess.get());
    }
    SealedBody.Contents contents = SealedBody.decode(body);
    assertEquals(did, contents.identity().did());
    List<byte[]> secrets =
        List.of(
            contents.identity().signingKeyPairForSealing().getPrivate().getEncoded(),
            contents.identity().encryptionPrivateKey().getEncoded());
    StringBuilder outside = new StringBuilder(wire.toString(StandardCharsets.ISO_8859_1));
    processes.forEach(p -> outside.append(p.stdout()).append(p.stderr()));
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        outside.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
      }
    }
    outside
        .append(new String(blob1, StandardCharsets.ISO_8859_1))
        .append(new String(blob2, StandardCharsets.ISO_8859_1))
        .append(new String(latest, StandardCharsets.ISO_8859_1));
    String all = outside.toString();
    for (byte[] secret : secrets) {
      byte[] tail =
          Arrays.copyOfRange(
              secret, secret.length - 32, secret.length); // the raw private scalar / seed
      for (String form :
          List.of(
              new String(tail, StandardCharsets.ISO_8859_1),
              HEX.formatHex(tail),
              Base64.getEncoder().encodeToString(secret),
              Base64.getUrlEncoder().withoutPadding().encodeToString(tail))) {
        assertFalse(all.contains(form), "key material found outside the enclave");
      }
    }
    // The body as a whole (its tail may be public: the results it holds were answered on the wire)
    for (String form :
        List.of(
            new String(body, StandardCharsets.ISO_8859_1),
            HEX.formatHex(body),
            Base64.getEncoder().encodeToString(body))) {
      assertFalse(all.contains(form), "the sealed body found outside the enclave");
    }
  }

  /**
   * Issue 17 (1), through the socket as the host would: after a seal S and one more accepted
   * payload, the round is closed (result R1), S is fed back and the round closed again. The live
   * enclave refuses S (its state moved past it), the second close gives R1's bytes again, R1 names
   * round, dataset, DID and the sequence of the seal that holds it, and a new enclave process is
   * refused S by the key broker: no second result for the round exists anywhere.
   */
  @Test
  @Order(8)
  void aLiveEnclaveNeverGoesBackAndSignsOneResultPerRound() throws Exception {
    String round = "r-live-1";
    byte[] s;
    String r1;
    try (EnclaveClient c = euEnclave("live")) {
      Message.HealthStatus h = c.call(new Message.Health(), Message.HealthStatus.class);
      Message.Attestation att = c.call(new Message.Attest("0a0b0c0d"), Message.Attestation.class);
      c.call(new Message.OpenRound(round, DATASET, h.policySha256()), Message.RoundOpened.class);
      JsonNode b = build(att, round);
      c.call(
          new Message.SupplyEvidence(
              null,
              null,
              JSON.convertValue(
                  b.get("statusLists"),
                  JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class))),
          Message.EvidenceStored.class);
      List<String> p = new ArrayList<>();
      b.get("payloads").forEach(x -> p.add(x.asText()));
      c.call(new Message.SubmitPayloads(round, p.subList(0, 2)), Message.PayloadVerdicts.class)
          .verdicts()
          .forEach(v -> assertEquals("accepted", v.outcome(), v.reason()));
      s =
          Base64.getDecoder()
              .decode(c.call(new Message.Seal(), Message.Sealed.class).sealedState());
      c.call(new Message.SubmitPayloads(round, p.subList(2, 3)), Message.PayloadVerdicts.class)
          .verdicts()
          .forEach(v -> assertEquals("accepted", v.outcome(), v.reason()));
      r1 = c.call(new Message.CloseRound(round), Message.RoundResult.class).credential();
      JsonNode subject =
          JSON.readTree(Base64.getUrlDecoder().decode(r1.split("\\.")[1])).get("credentialSubject");
      assertEquals(round, subject.get("round").asText());
      assertEquals(DATASET, subject.get("dataset").asText());
      assertEquals(h.enclaveDid(), subject.get("enclaveDid").asText());
      assertEquals(3, subject.at("/inputs/accepted").asLong());
      assertTrue(
          subject.get("sealSequence").asLong() > SealedState.parse(s).unverifiedHeader().sequence(),
          "the result names the seal that holds the closed round: " + subject);

      assertEquals("ROLLBACK", refusal(c, s), "the close sealed above S");
      assertEquals(
          r1,
          c.call(new Message.CloseRound(round), Message.RoundResult.class).credential(),
          "a second close gives the same result, never a second one");
    }
    processes.get(processes.size() - 1).close();
    try (EnclaveClient c = euEnclave("after-live")) {
      assertEquals("KEY_RELEASE_REFUSED:ROLLBACK_REFUSED:OLDER_SNAPSHOT", refusal(c, s));
    }
  }

  /**
   * Issue 17 (1), the live rule through the socket: once a payload was counted after seal S, the
   * enclave refuses S ({@code STATE_ADVANCED}): its state moved past the seal, and a live enclave
   * never goes back. A seal taken after that payload restores (nothing moved since), and the round
   * still counts both payloads once.
   */
  @Test
  @Order(9)
  void aLiveEnclaveRefusesTheRestoreOfASealItsStateHasMovedPast() throws Exception {
    String round = "r-moved-1";
    try (EnclaveClient c = euEnclave("moved")) {
      Message.HealthStatus h = c.call(new Message.Health(), Message.HealthStatus.class);
      Message.Attestation att = c.call(new Message.Attest("0a0b0c0e"), Message.Attestation.class);
      c.call(new Message.OpenRound(round, DATASET, h.policySha256()), Message.RoundOpened.class);
      JsonNode b = build(att, round);
      c.call(
          new Message.SupplyEvidence(
              null,
              null,
              JSON.convertValue(
                  b.get("statusLists"),
                  JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class))),
          Message.EvidenceStored.class);
      List<String> p = new ArrayList<>();
      b.get("payloads").forEach(x -> p.add(x.asText()));
      c.call(new Message.SubmitPayloads(round, p.subList(0, 1)), Message.PayloadVerdicts.class)
          .verdicts()
          .forEach(v -> assertEquals("accepted", v.outcome(), v.reason()));
      byte[] s =
          Base64.getDecoder()
              .decode(c.call(new Message.Seal(), Message.Sealed.class).sealedState());
      c.call(new Message.SubmitPayloads(round, p.subList(1, 2)), Message.PayloadVerdicts.class)
          .verdicts()
          .forEach(v -> assertEquals("accepted", v.outcome(), v.reason()));

      assertEquals("STATE_ADVANCED", refusal(c, s), "a payload was counted after S");

      byte[] s2 =
          Base64.getDecoder()
              .decode(c.call(new Message.Seal(), Message.Sealed.class).sealedState());
      assertEquals(
          1,
          c.call(
                  new Message.Restore(Base64.getEncoder().encodeToString(s2)),
                  Message.Restored.class)
              .rounds(),
          "nothing moved since the latest seal: its restore is allowed");
      String r = c.call(new Message.CloseRound(round), Message.RoundResult.class).credential();
      JsonNode subject =
          JSON.readTree(Base64.getUrlDecoder().decode(r.split("\\.")[1])).get("credentialSubject");
      assertEquals(2, subject.at("/inputs/accepted").asLong(), subject.toString());
      assertEquals(0, subject.at("/inputs/rejected").asLong(), subject.toString());
    }
  }

  /**
   * Issue 12 with "close seals first": the close's seal holds the dataset's spent epsilon, so a
   * crash right after the result left cannot give the budget back. The seal from before the close
   * is refused by the key broker in the successor, the close's own seal restores with the budget
   * spent (the next round's close is {@code privacy-budget-exhausted}) and the closed round's one
   * result. Before, the close did not seal: the host's last seal was S and restoring it gave the
   * epsilon back for a second result.
   */
  @Test
  @Order(10)
  void aCrashAfterACloseCannotGiveTheRoundsPrivacyBudgetBack() throws Exception {
    String pcr0 = HEX.formatHex(SimulatedMeasurements.pcr0(EnclaveProcess.jar()));
    String otherPcr0 = HEX.formatHex(SimulatedMeasurements.pcr0(otherBuild));
    Path budgetPolicy = dir.resolve("budget-policy.yaml");
    Files.writeString(
        budgetPolicy,
        DevPolicy.builder("seal-it-budget")
            .pcr0(pcr0)
            .pcr0(otherPcr0)
            .zone("EU", keys.at("/zones/EU/root/did").asText())
            .zone("US", keys.at("/zones/US/root/did").asText())
            .minGroupSize(2)
            .functions("sum", "count", "mean")
            .epsilon(1.0)
            .privacy(10, 10, 10, false, 1.0)
            .yaml());
    String budgetKey = createKey(budgetPolicy);
    byte[] s;
    byte[] closed;
    String r1;
    try (EnclaveClient c =
        enclave("budget", EU_ROLE, EU_INSTANCE, null, budgetPolicy, server, budgetKey)) {
      Message.HealthStatus h = c.call(new Message.Health(), Message.HealthStatus.class);
      c.call(new Message.OpenRound("r-b1", DATASET, h.policySha256()), Message.RoundOpened.class);
      s =
          Base64.getDecoder()
              .decode(c.call(new Message.Seal(), Message.Sealed.class).sealedState());
      r1 = c.call(new Message.CloseRound("r-b1"), Message.RoundResult.class).credential();
      JsonNode budget =
          JSON.readTree(Base64.getUrlDecoder().decode(r1.split("\\.")[1]))
              .at("/credentialSubject/privacy/budget");
      assertEquals(0, budget.get("epsilonRemaining").asInt(), budget.toString());
      closed =
          Base64.getDecoder()
              .decode(c.call(new Message.LatestSeal(), Message.Sealed.class).sealedState());
    }
    processes.get(processes.size() - 1).close(); // the crash: nothing after the result
    try (EnclaveClient c =
        enclave("budget-after", EU_ROLE, EU_INSTANCE, null, budgetPolicy, server, budgetKey)) {
      assertEquals(
          "KEY_RELEASE_REFUSED:ROLLBACK_REFUSED:OLDER_SNAPSHOT",
          refusal(c, s),
          "the close sealed past S: the round open and the budget unspent are gone for good");
      c.call(
          new Message.Restore(Base64.getEncoder().encodeToString(closed)), Message.Restored.class);
      assertEquals(
          r1,
          c.call(new Message.CloseRound("r-b1"), Message.RoundResult.class).credential(),
          "the restored enclave answers the round's one result");
      Message.HealthStatus h = c.call(new Message.Health(), Message.HealthStatus.class);
      c.call(new Message.OpenRound("r-b2", DATASET, h.policySha256()), Message.RoundOpened.class);
      Message.Response next = c.call(new Message.CloseRound("r-b2"));
      assertEquals(
          "privacy-budget-exhausted",
          assertInstanceOf(Message.Error.class, next, "the spent budget stays spent").code());
    }
  }

  private void build(Message.Attestation att) throws Exception {
    built = build(att, ROUND);
  }

  private JsonNode build(Message.Attestation att, String round) throws Exception {
    ObjectNode spec = JSON.createObjectNode();
    spec.set("keys", keys);
    spec.set(
        "enclave",
        JSON.createObjectNode()
            .<ObjectNode>set("jwk", JSON.valueToTree(att.encryptionKey()))
            .put("kid", att.kid())
            .put("did", att.enclaveDid()));
    spec.put("now", Instant.now().getEpochSecond());
    spec.put("statusBase", "https://authority.example/status");
    spec.set("datasets", JSON.valueToTree(List.of(DATASET)));
    ArrayNode producers = spec.putArray("producers");
    for (String[] p : new String[][] {{"eu1", "EU"}, {"eu2", "EU"}, {"us1", "US"}}) {
      producers
          .addObject()
          .put("name", p[0])
          .put("zone", p[1])
          .put("region", p[1])
          .put("revoked", false)
          .set("datasets", JSON.valueToTree(List.of(DATASET)));
    }
    ArrayNode list = spec.putArray("payloads");
    payload(list, round, "eu1", "EU", "DE", "100");
    payload(list, round, "eu2", "EU", "DE", "50");
    payload(list, round, "us1", "US", "US", "10");
    payload(list, round, "eu1", "EU", "FR", "7");
    payload(list, round, "eu2", "EU", "FR", "8");
    payload(list, round, "us1", "US", "US", "20");
    return node("build", spec);
  }

  private static void payload(
      ArrayNode list, String round, String producer, String zone, String country, String value) {
    ObjectNode p =
        list.addObject()
            .put("producer", producer)
            .put("zone", zone)
            .put("region", zone)
            .put("dataset", DATASET)
            .put("round", round);
    p.putArray("records")
        .addObject()
        .put("metric", "points")
        .put("value", new BigDecimal(value))
        .set("group", JSON.createObjectNode().put("country", country));
  }

  private String policyYaml(String id, String pcr0, String otherPcr0) {
    return DevPolicy.builder(id)
        .pcr0(pcr0)
        .pcr0(otherPcr0)
        .zone("EU", keys.at("/zones/EU/root/did").asText())
        .zone("US", keys.at("/zones/US/root/did").asText())
        .minGroupSize(2)
        .functions("sum", "count", "mean")
        .privacy(10, 10, 10, false, null)
        .yaml();
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
