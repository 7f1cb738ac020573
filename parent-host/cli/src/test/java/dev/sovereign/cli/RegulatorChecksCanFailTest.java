package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.attestation.nsm.simulated.SimulationConfig;
import dev.sovereign.demo.DemoWorld;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.round.ResultIssuer;
import dev.sovereign.enclave.round.Round;
import dev.sovereign.producer.CredentialChains;
import dev.sovereign.producer.ProducerIdentity;
import dev.sovereign.vc.Accreditations;
import dev.sovereign.vc.CredentialIssuer;
import dev.sovereign.vc.Scope;
import dev.sovereign.vc.StatusListIssuer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 17 (1, 4), through {@code sovereign verify} as the regulator runs it: a genuine result with
 * genuine chains is valid, and the check fails for an empty chain file, a stranger's credential, a
 * broken signature, a stale status list, a status list for another URL and an EU credential chained
 * to the US root; a revoked credential is reported, not failed. Pinning round, dataset and enclave
 * DID rejects a result for another round or by another enclave.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegulatorChecksCanFailTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Path dir;
  private DemoWorld world;
  private Path policy;
  private Path result;
  private Path root;
  private String pcr0;
  private EnclaveIdentity enclave;
  private final Instant now = Instant.now();

  @BeforeAll
  void issueAResultAndTheWorldBehindIt() throws Exception {
    dir = Files.createTempDirectory("regulator-checks");
    world =
        DemoWorld.create(
            Map.of("eu-a", "EU", "eu-revoked", "EU", "us-a", "US"),
            Set.of("eu-revoked"),
            now,
            RANDOM,
            null);
    Path jar = dir.resolve("enclave.jar");
    try (java.util.zip.ZipOutputStream zip =
        new java.util.zip.ZipOutputStream(Files.newOutputStream(jar))) {
      zip.putNextEntry(new java.util.zip.ZipEntry("build.txt"));
      zip.write("the enclave build the regulator pins".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    pcr0 = HexFormat.of().formatHex(SimulatedMeasurements.pcr0(jar));
    DevPolicy.Builder b = DevPolicy.builder("regulator-test").pcr0(pcr0).minGroupSize(2);
    world.trustAnchors().forEach(b::zone);
    String yaml = b.yaml();
    policy = Files.writeString(dir.resolve("policy.yaml"), yaml);
    SovereigntyPolicy p = PolicyLoader.parse(yaml);
    enclave = EnclaveIdentity.generate(RANDOM);
    Path state = dir.resolve("nsm");
    byte[] doc;
    try (SimulatedNsm nsm = SimulatedNsm.open(SimulationConfig.of(state, jar))) {
      doc =
          nsm.attestation(
              enclave.userData(p.sha256Hex()), new byte[] {1, 2, 3}, enclave.encryptionKeySpki());
    }
    root =
        Files.writeString(
            dir.resolve("root.pem"), SimulatedNsm.pem(SimulatedNsm.rootCertificate(state)));
    Round round = new Round("r1", p.dataset(DemoWorld.DATASET).orElseThrow(), now);
    result =
        Files.writeString(
            dir.resolve("result.jwt"),
            new ResultIssuer(enclave, p, doc, RANDOM).issue(round.close(), now, null, 42L));
  }

  private Path chains(CredentialChains c) throws Exception {
    Path f = Files.createTempFile(dir, "chains", ".json");
    Files.writeString(f, JSON.writeValueAsString(c.toJson()));
    return f;
  }

  private JsonNode verify(Path chainFile, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "verify",
                result.toString(),
                "--root",
                root.toString(),
                "--pcr",
                "0=" + pcr0,
                "--policy",
                policy.toString(),
                "--json"));
    if (chainFile != null) {
      args.addAll(List.of("--credential-chain", chainFile.toString()));
    }
    args.addAll(List.of(more));
    CliRun r = CliRun.of(args.toArray(new String[0]));
    JsonNode report = JSON.readTree(r.out());
    assertEquals(
        report.get("verdict").asText().equals("VALID") ? 0 : 1, r.exit(), r.err() + r.out());
    return report;
  }

  private static String code(JsonNode report) {
    return report.get("reasonCode").isNull() ? "VALID" : report.get("reasonCode").asText();
  }

  private CredentialChains with(CredentialChains.Chain chain) {
    return new CredentialChains(List.of(chain), world.chains().statusLists());
  }

  @Test
  void genuineChainsAreValidEachWithItsVerdictAndTheRevokedOneIsReportedNotFailed()
      throws Exception {
    JsonNode report = verify(chains(world.chains()));
    assertEquals("VALID", report.get("verdict").asText(), report.toPrettyString());
    List<String> verdicts = new ArrayList<>();
    for (JsonNode s : report.get("steps")) {
      if (s.get("step").asText().startsWith("credential-chain[")) {
        verdicts.add(s.get("outcome").asText() + " " + s.path("reasonCode").asText(""));
      }
    }
    assertEquals(List.of("PASSED ", "PASSED ", "SKIPPED credential-revoked"), sorted(verdicts));
    assertEquals(42, report.at("/result/sealSequence").asLong());
  }

  private static List<String> sorted(List<String> l) {
    return l.stream().sorted().toList();
  }

  @Test
  void anEmptyChainFileFailsTheResult() throws Exception {
    assertEquals(
        "credential-chains-empty",
        code(verify(chains(new CredentialChains(List.of(), world.chains().statusLists())))));
  }

  @Test
  void aCredentialIssuedByAnUnaccreditedStrangerFailsTheResult() throws Exception {
    ProducerIdentity subject = ProducerIdentity.generate(RANDOM);
    String credential =
        CredentialIssuer.of(world.stranger().signer())
            .credential("ProducerCredential")
            .subject(subject.did().toString())
            .claim("region", "EU")
            .claim("datasets", List.of(DemoWorld.DATASET))
            .validFrom(now.minus(Duration.ofHours(1)))
            .validUntil(now.plus(Duration.ofDays(1)))
            .sign();
    String c =
        code(
            verify(
                chains(
                    with(
                        new CredentialChains.Chain(
                            subject.did().toString(), credential, List.of())))));
    assertTrue(c.startsWith("credential-") && !c.equals("credential-revoked"), c);
  }

  @Test
  void aBrokenSignatureFailsTheResult() throws Exception {
    DemoWorld.Producer p = world.producer("eu-a");
    String cred = p.credential();
    char last = cred.charAt(cred.length() - 3);
    String broken =
        cred.substring(0, cred.length() - 3)
            + (last == 'A' ? 'B' : 'A')
            + cred.substring(cred.length() - 2);
    assertEquals(
        "credential-signature-invalid",
        code(
            verify(
                chains(
                    with(
                        new CredentialChains.Chain(
                            p.identity().did().toString(), broken, List.of(p.accreditation())))))));
  }

  @Test
  void aStaleStatusListOrOneForAnotherUrlFailsTheResult() throws Exception {
    DemoWorld.Producer p = world.producer("eu-a");
    CredentialChains.Chain chain =
        new CredentialChains.Chain(
            p.identity().did().toString(), p.credential(), List.of(p.accreditation()));
    StatusListIssuer eu = world.zone("EU").statusList();
    Map<String, String> stale = new LinkedHashMap<>(world.chains().statusLists());
    stale.put(
        eu.url(),
        eu.publish(now.minus(Duration.ofDays(5)), Duration.ofDays(1), Duration.ofHours(1)));
    String staleCode = code(verify(chains(new CredentialChains(List.of(chain), stale))));
    assertTrue(staleCode.startsWith("credential-status-list"), staleCode);

    Map<String, String> moved = new LinkedHashMap<>(world.chains().statusLists());
    moved.put("https://elsewhere.example/list", moved.remove(eu.url()));
    String movedCode = code(verify(chains(new CredentialChains(List.of(chain), moved))));
    assertTrue(movedCode.startsWith("credential-status-list"), movedCode);
  }

  @Test
  void anEuCredentialChainedToTheUsRootFailsTheResult() throws Exception {
    DemoWorld.Zone us = world.zone("US");
    ProducerIdentity authority = ProducerIdentity.generate(RANDOM);
    String accreditation =
        Accreditations.draft(
                CredentialIssuer.of(us.root().signer()),
                authority.did().toString(),
                EnumSet.of(Accreditations.Role.ATTEST),
                Scope.of(Set.of("EU"), Set.of("EU"), Set.of(DemoWorld.DATASET)),
                now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(30)))
            .sign();
    ProducerIdentity subject = ProducerIdentity.generate(RANDOM);
    String credential =
        CredentialIssuer.of(authority.signer())
            .credential("ProducerCredential")
            .subject(subject.did().toString())
            .claim("region", "EU")
            .claim("datasets", List.of(DemoWorld.DATASET))
            .validFrom(now.minus(Duration.ofHours(1)))
            .validUntil(now.plus(Duration.ofDays(1)))
            .sign();
    String c =
        code(
            verify(
                chains(
                    with(
                        new CredentialChains.Chain(
                            subject.did().toString(), credential, List.of(accreditation))))));
    assertTrue(c.startsWith("credential-") && !c.equals("credential-revoked"), c);
  }

  @Test
  void pinnedRoundDatasetAndEnclaveDidRejectAnotherResultAndTheReportSaysWhatWasPinned()
      throws Exception {
    JsonNode ok =
        verify(
            null, "--round", "r1", "--dataset", DemoWorld.DATASET, "--enclave-did", enclave.did());
    assertEquals("VALID", ok.get("verdict").asText(), ok.toPrettyString());
    JsonNode pins = step(ok, "result-pins");
    assertEquals("PASSED", pins.get("outcome").asText());
    assertTrue(
        pins.get("detail").asText().contains("pinned: round, dataset, enclave DID"),
        pins.toString());
    assertTrue(pins.get("detail").asText().contains("seal 42"), pins.toString());
    assertEquals("result-round-unexpected", code(verify(null, "--round", "r2")));
    assertEquals("result-dataset-unexpected", code(verify(null, "--dataset", "other")));
    assertEquals(
        "result-enclave-did-unexpected",
        code(verify(null, "--enclave-did", EnclaveIdentity.generate(RANDOM).did())));
    assertEquals("SKIPPED", step(verify(null), "result-pins").get("outcome").asText());
  }

  @Test
  void chainsWithoutThePolicyAreAUsageError() throws Exception {
    CliRun r =
        CliRun.of(
            "verify",
            result.toString(),
            "--root",
            root.toString(),
            "--credential-chain",
            chains(world.chains()).toString());
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().contains("--policy"), r.err());
  }

  private static JsonNode step(JsonNode report, String name) {
    for (JsonNode s : report.get("steps")) {
      if (s.get("step").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no step " + name + " in " + report);
  }
}
