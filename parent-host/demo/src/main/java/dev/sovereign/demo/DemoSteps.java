package dev.sovereign.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.AttestationRejection;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.TrustAnchors;
import dev.sovereign.attestation.VerifiedAttestation;
import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.attestation.nsm.simulated.SimulatedNsm;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.MerkleTree;
import dev.sovereign.fabric.localnet.LocalFabricNetwork;
import dev.sovereign.producer.AttestationReport;
import dev.sovereign.producer.AttestedEnclave;
import dev.sovereign.producer.EnclaveExpectations;
import dev.sovereign.producer.HostClient;
import dev.sovereign.producer.Payloads;
import dev.sovereign.producer.PrivacyCheck;
import dev.sovereign.producer.Records;
import dev.sovereign.producer.RejectedException;
import dev.sovereign.producer.ResultReport;
import dev.sovereign.producer.ResultReportHtml;
import dev.sovereign.producer.ResultVerifier;
import dev.sovereign.producer.Submission;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The steps of {@code sovereign demo}, in order: a dev world, a policy, a real host with its
 * enclave child, producers that verify the attestation and submit, four kinds of bad input rejected
 * by the enclave with their reason codes, the close, the regulator's check of the result, and the
 * offline check of the host's audit log.
 */
public final class DemoSteps {
  /** The documented exit codes of a {@code sovereign} command: done, and refused or rejected. */
  private static final int EXIT_OK = 0;

  private static final int EXIT_REJECTED = 1;

  private DemoSteps() {}

  static final Duration MAX_AGE = EnclaveExpectations.DEFAULT_MAX_AGE;
  static final Duration HOST_START_TIMEOUT = Duration.ofSeconds(90);
  static final Duration VERDICT_TIMEOUT = Duration.ofSeconds(60);

  /** Producer name -> zone; {@code eu-revoked}'s credential is revoked before the round. */
  static final Map<String, String> PRODUCERS =
      linked(
          "eu-bakery",
          "EU",
          "eu-grocer",
          "EU",
          "us-diner",
          "US",
          "apac-market",
          "APAC",
          "eu-revoked",
          "EU");

  static final String REVOKED = "eu-revoked";

  /** The honest producers' records (CSV, as a producer would keep them). */
  static final Map<String, String> HONEST_RECORDS =
      linked(
          "eu-bakery", "country,metric,value\nDE,points,4242.4242\nDE,points,80\nFR,points,40\n",
          "eu-grocer", "country,metric,value\nFR,points,60\nDE,points,30.5\n",
          "us-diner", "country,metric,value\nUS,points,10\nUS,points,20\n",
          "apac-market", "country,metric,value\nJP,points,5151.5151\nJP,points,7\nSG,points,3\n");

  /** Record values that exist only in producers' plaintext: the host must never hold them. */
  static final List<String> MARKERS = List.of("4242.4242", "5151.5151", "9191.9191");

  /** Steps the rest of the flow builds on: when one does not behave, the demo stops there. */
  public static final Set<String> PREREQUISITES =
      Set.of(
          "build-world",
          "write-policy",
          "start-host",
          "producer-verifies",
          "open-round",
          "backup-restore",
          "close-round");

  public static List<DemoStep> all() {
    return List.of(
        step(
            "build-world",
            "a dev world: a root authority per zone (EU, US, APAC), a regional authority accredited by each,"
                + " did:fabric producers on the demo's ledger (embedded, or a local Fabric network with --ledger fabric)"
                + " with credentials, one status list per authority; one producer revoked",
            DemoSteps::world),
        step(
            "write-policy",
            "the sovereignty policy: zones, trust anchors, the dataset, the enclave image's PCR0, the ledger's"
                + " pinned org CAs and askHost",
            DemoSteps::policy),
        step(
            "start-host",
            "start the host (Quarkus) as a child process; its dev launcher starts the enclave",
            DemoSteps::startHost),
        step(
            "producer-verifies",
            "a producer fetches the attestation for a fresh nonce and verifies root, PCRs, nonce, age,"
                + " enclave DID, policy hash and key",
            DemoSteps::verifyAttestation),
        step(
            "aws-root-rejects-simulation",
            "a production verifier (AWS root only) rejects the simulated document",
            DemoSteps::awsRoot),
        step(
            "tampered-document-rejected",
            "one flipped bit in the signed user_data is rejected",
            DemoSteps::tampered),
        step(
            "wrong-nonce-rejected",
            "the document replayed to another producer (other nonce) is rejected",
            DemoSteps::wrongNonce),
        step(
            "stale-document-rejected",
            "the same document ten minutes later is past the maximum age",
            DemoSteps::stale),
        step(
            "unknown-image-rejected",
            "a producer whose allow-list holds another image's PCR0 rejects it",
            DemoSteps::unknownImage),
        step(
            "other-policy-refused",
            "a producer expecting another policy hash refuses to encrypt to this enclave",
            DemoSteps::otherPolicy),
        step(
            "open-round",
            "the operator opens a round and relays the authorities' status lists",
            DemoSteps::openRound),
        step(
            "honest-producers-submit",
            "honest producers in EU, US and APAC sign, encrypt and submit; the enclave asks for their"
                + " did:fabric evidence, the host relays it from its ledger, the enclave accepts each",
            DemoSteps::honest),
        step(
            "backup-restore",
            "mid-round: back up the enclave's sealed state, kill the enclave, restore the backup into a"
                + " new one: same DID, keys and counts; a tampered blob is refused",
            DemoSteps::backupRestore),
        step(
            "revoked-producer-rejected",
            "a producer whose credential is revoked is rejected",
            DemoSteps::revoked),
        step(
            "forged-payload-rejected",
            "a payload in a producer's name, signed with a key outside its DID, is rejected",
            DemoSteps::forged),
        step(
            "replay-rejected",
            "a resent payload is stored once; the same signed payload re-encrypted is rejected as a replay",
            DemoSteps::replay),
        step(
            "wrong-region-rejected",
            "an EU-accredited producer submitting as US is rejected; a zone this host does not serve"
                + " is refused at the edge",
            DemoSteps::wrongRegion),
        step(
            "no-plaintext-on-host",
            "the host's data directory, logs and metrics hold no plaintext record value",
            DemoSteps::noPlaintext),
        step(
            "close-round",
            "close the round: the enclave publishes the signed result; it equals a plain computation",
            DemoSteps::close),
        step(
            "regulator-verifies",
            "the regulator's full check of the result (sovereign verify)",
            DemoSteps::regulator),
        step(
            "tampered-result-rejected",
            "a result changed after signing, or checked against the AWS root only, is rejected",
            DemoSteps::tamperedResult),
        step(
            "audit-log",
            "export the host's audit log (GET /v1/audit) and check it offline as sovereign audit verify does:"
                + " the hash chain, every head signed by the attested enclave DID, and this run's events in it",
            DemoSteps::auditLog));
  }

  @FunctionalInterface
  private interface Body {
    String run(DemoContext ctx) throws Exception;
  }

  private static DemoStep step(String name, String title, Body body) {
    return new DemoStep() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String title() {
        return title;
      }

      @Override
      public String run(DemoContext ctx) throws Exception {
        return body.run(ctx);
      }
    };
  }

  // ---- world, policy, host

  /** The did:fabric network of the demo's embedded ledger. */
  static final String FABRIC_NETWORK = "sovereign";

  /**
   * The host's DID state directory (sovereign.host.did.data.dir): the ledger is
   * DIR/did-fabric/NETWORK.
   */
  static Path didDataDir(DemoContext ctx) {
    return ctx.work.resolve("did");
  }

  /** Where a Fabric network the demo starts keeps its state, logs and PIDs. */
  static Path fabricState(DemoContext ctx) {
    return ctx.work.resolve("fabric-network");
  }

  /**
   * How long the world step waits for the first read endorsed by both organisations: a network that
   * has just started can answer before its discovery service knows both organisations' peers.
   */
  static final Duration FABRIC_ENDORSERS_TIMEOUT = Duration.ofSeconds(90);

  private static String world(DemoContext ctx) throws Exception {
    if (ctx.fabricSetup() != null) {
      return fabricWorld(ctx);
    }
    Path dir = didDataDir(ctx);
    try (dev.sovereign.did.fabric.ledger.EmbeddedLedger ledger =
        dev.sovereign.did.fabric.ledger.EmbeddedFabricResolverProvider.openLedger(
            dir, FABRIC_NETWORK)) {
      ctx.world(DemoWorld.create(PRODUCERS, Set.of(REVOKED), Instant.now(), ctx.random, ledger));
    }
    ctx.say(
        "embedded did:fabric ledger "
            + dir.resolve("did-fabric").resolve(FABRIC_NETWORK)
            + " (org "
            + String.join(", ", ctx.world().fabricOrgCas.keySet())
            + "): "
            + ctx.world().producers.size()
            + " producer DIDs created through its contract, as sovereign did create does");
    return narrateWorld(ctx);
  }

  /**
   * On {@code sovereign demo --ledger fabric}: starts the local two-organisation network, registers
   * the producers' DIDs through Org1's Fabric Gateway (endorsed and ordered like any client's
   * write), and resolves each back through the network: its operation log and a read endorsed by
   * both organisations' peers, verified against both organisations' CAs as the enclave will.
   */
  private static String fabricWorld(DemoContext ctx) throws Exception {
    DemoFabricNetwork.Setup setup = ctx.fabricSetup();
    ctx.say(
        "starting a local Fabric network from "
            + setup.fabricHome()
            + " (scripts/fabric-network.sh up: Org1MSP and Org2MSP, each with its CA, peer and"
            + " chaincode server, one Raft orderer, channel sovereign, all on 127.0.0.1)");
    LocalFabricNetwork net;
    try {
      net = DemoFabricNetwork.start(setup, fabricState(ctx));
    } catch (java.io.IOException e) {
      throw new DemoStep.Misbehaved("the Fabric network did not start: " + e.getMessage());
    }
    ctx.fabricNetwork(net);
    ctx.say(
        "network up in "
            + String.format(java.util.Locale.ROOT, "%.1f", net.upMillis() / 1000.0)
            + " s (CA mode "
            + net.caMode()
            + (net.caMode().equals("fabric-ca")
                ? ": a Fabric CA server per organisation issued its peer's and users' certificates"
                : ": cryptogen CAs, no Fabric CA binaries in the release directory")
            + "); logs in "
            + net.logs()
            + " (copied to logs/fabric-network in the evidence)");
    Map<String, String> cas = new LinkedHashMap<>();
    for (String org : LocalFabricNetwork.ORGS) {
      cas.put(net.mspId(org), net.caPem(org));
    }
    ObjectNode fabric = ctx.evidence.putObject("fabricNetwork");
    fabric.put("channel", net.channel());
    fabric.put("fabricHome", net.fabricHome().toString());
    fabric.put("upMillis", net.upMillis());
    fabric.put("caMode", net.caMode());
    fabric.putPOJO("organisations", List.copyOf(cas.keySet()));
    ArrayNode resolved = fabric.putArray("producersResolved");
    try (dev.sovereign.did.fabric.gateway.FabricGatewayConnection c =
        dev.sovereign.did.fabric.gateway.FabricGatewayConnection.connect(
            net.settingsEndorsedByAll())) {
      ctx.world(
          DemoWorld.create(PRODUCERS, Set.of(REVOKED), Instant.now(), ctx.random, c.ledger(), cas));
      ctx.say(
          ctx.world().producers.size()
              + " producer DIDs created through Org1's Fabric Gateway (endorsed, ordered, committed"
              + " on channel "
              + net.channel()
              + "), as sovereign did create --ledger-setting fabric.gateway=... does");
      long deadline = System.nanoTime() + FABRIC_ENDORSERS_TIMEOUT.toNanos();
      for (DemoWorld.Producer p : ctx.world().producers.values()) {
        String did = p.identity().did().toString();
        dev.sovereign.did.fabric.core.EndorsedHead head =
            resolveThroughNetwork(ctx, c, did, deadline);
        ObjectNode r = resolved.addObject();
        r.put("did", did);
        r.put("versionId", head.versionId());
        r.putPOJO("endorsingOrgs", head.endorsingOrgs());
      }
      ctx.say(
          "each producer DID resolved back through the network: its operation log verified, a read"
              + " endorsed by "
              + String.join(" and ", cas.keySet())
              + " checked against both pinned CAs, its #key-1 the producer's payload key");
    }
    return narrateWorld(ctx);
  }

  /**
   * Resolves {@code did} through the network as the enclave will from relayed evidence: the
   * operation log, a read for a fresh nonce endorsed by every pinned organisation, the log ending
   * at the endorsed version; its {@code #key-1} must be the producer's payload key. Retries while
   * the network cannot yet find both organisations' endorsers, until {@code deadline}.
   */
  private static dev.sovereign.did.fabric.core.EndorsedHead resolveThroughNetwork(
      DemoContext ctx,
      dev.sovereign.did.fabric.gateway.FabricGatewayConnection c,
      String did,
      long deadline)
      throws Exception {
    while (true) {
      byte[] n = new byte[16];
      ctx.random.nextBytes(n);
      String nonce = HexFormat.of().formatHex(n);
      try {
        byte[] log = c.ledger().exportLog(did);
        byte[] read = c.ledger().endorsedHead(did, nonce);
        dev.sovereign.did.fabric.core.EndorsedHead head =
            c.verifier().verify(did, nonce, read, Instant.now());
        dev.sovereign.did.fabric.core.VerifiedDidLog verified =
            head.requireCurrent(
                dev.sovereign.did.fabric.core.OperationLogVerifier.verify(did, log));
        String key = null;
        for (JsonNode vm : verified.document(verified.current()).path("verificationMethod")) {
          if ((did + "#key-1").equals(vm.path("id").asText())) {
            key = vm.path("publicKeyMultibase").asText(null);
          }
        }
        DemoWorld.Producer p = null;
        for (DemoWorld.Producer q : ctx.world().producers.values()) {
          if (q.identity().did().toString().equals(did)) {
            p = q;
          }
        }
        String expected =
            dev.sovereign.did.fabric.core.Multikey.of(
                    dev.sovereign.did.fabric.core.Multikey.Type.ED25519, p.identity().publicKey())
                .multibase();
        if (!expected.equals(key)) {
          throw new DemoStep.Misbehaved(
              did + " resolved through the network without the producer's key as #key-1");
        }
        return head;
      } catch (dev.sovereign.did.fabric.gateway.FabricLedgerUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw new DemoStep.Misbehaved(
              "no read of "
                  + did
                  + " endorsed by both organisations within "
                  + FABRIC_ENDORSERS_TIMEOUT.toSeconds()
                  + " s: "
                  + e.getMessage());
        }
        Thread.sleep(500);
      } catch (dev.sovereign.did.fabric.core.RejectedException e) {
        throw new DemoStep.Misbehaved(
            did + " did not resolve through the network: " + e.getMessage());
      }
    }
  }

  /** Narrates the world (zones, producers) and writes the credential chains. */
  private static String narrateWorld(DemoContext ctx) throws Exception {
    for (DemoWorld.Zone z : ctx.world().zones.values()) {
      ctx.say(
          z.name()
              + ": root "
              + shortDid(z.root().did().toString())
              + " accredits authority "
              + shortDid(z.authority().did().toString())
              + "; status list "
              + z.statusList().url());
    }
    for (DemoWorld.Producer p : ctx.world().producers.values()) {
      ctx.say(
          "producer "
              + p.name()
              + " ("
              + p.zone()
              + ") "
              + shortDid(p.identity().did().toString())
              + (p.name().equals(REVOKED)
                  ? "  [credential REVOKED, status index " + p.statusIndex() + "]"
                  : ""));
    }
    ctx.writeJson("credential-chain.json", ctx.world().chains().toJson());
    ObjectNode anchors = ctx.evidence.putObject("trustAnchors");
    ctx.world().trustAnchors().forEach(anchors::put);
    return ctx.world().zones.size()
        + " zones, "
        + ctx.world().producers.size()
        + " producers (credential-chain.json)";
  }

  private static String policy(DemoContext ctx) throws Exception {
    byte[] pcr0 = SimulatedMeasurements.pcr0(ctx.enclaveJar);
    DemoContext.ProducerBounds bounds = ctx.producerBounds();
    DevPolicy.Builder policy =
        ctx.world()
            .policy(
                "sovereign-demo",
                pcr0,
                bounds.payloadsPerRound(),
                bounds.recordsPerGroup(),
                bounds.clampExcess());
    // did:fabric producers: the enclave verifies their evidence against the ledger organisation's
    // CA pinned
    // here, and may ask the host for it (the host then learns which DID a deferred payload names)
    ctx.world()
        .fabricOrgCas
        .forEach((msp, pem) -> policy.fabricNetwork(ctx.world().fabricNetwork, msp, pem));
    if (ctx.fabricNetwork() != null) {
      // on the real network a read counts only when endorsed by both organisations' peers
      policy.fabricMinEndorsingOrgs(ctx.world().fabricNetwork, ctx.world().fabricOrgCas.size());
    }
    policy.askHost(true);
    String yaml = policy.yaml();
    Path policyFile = ctx.write("policy.yaml", yaml.getBytes(StandardCharsets.UTF_8));
    ctx.policy(
        new DemoContext.WrittenPolicy(policyFile, PolicyLoader.load(policyFile).sha256Hex(), pcr0));
    ObjectNode pcrs = ctx.mapper.createObjectNode();
    pcrs.put("0", HexFormat.of().formatHex(ctx.policy().pcr0()));
    pcrs.put("1", HexFormat.of().formatHex(SimulatedMeasurements.pcr1()));
    pcrs.put("2", HexFormat.of().formatHex(SimulatedMeasurements.pcr2(ctx.enclaveJar)));
    ctx.writeJson("expected-pcrs.json", pcrs);
    ctx.evidence.set("expectedPcrs", pcrs);
    ctx.evidence.put("policySha256", ctx.policy().sha256());
    ctx.say(
        "PCR0 of "
            + ctx.enclaveJar.getFileName()
            + " = "
            + HexFormat.of().formatHex(ctx.policy().pcr0()));
    ctx.say("policy sha256 (RFC 8785 canonical form) = " + ctx.policy().sha256());
    ctx.say(
        "fabricNetworks."
            + ctx.world().fabricNetwork
            + " pins "
            + (ctx.fabricNetwork() == null
                ? String.join(", ", ctx.world().fabricOrgCas.keySet()) + "'s CA"
                : String.join("'s and ", ctx.world().fabricOrgCas.keySet())
                    + "'s CAs, minEndorsingOrgs "
                    + ctx.world().fabricOrgCas.size())
            + "; evidence.askHost: true (the enclave may name a missing DID to the host)");
    return "policy.yaml, expected-pcrs.json";
  }

  private static String startHost(DemoContext ctx) throws Exception {
    Path data = ctx.work.resolve("host");
    // The enclave's simulated NSM keeps its PKI in the host's enclave-state directory; its root is
    // public and is what producers and regulators pin in development.
    X509Certificate simulationRoot = SimulatedNsm.rootCertificate(data.resolve("enclave-state"));
    ctx.write(
        "simulation-root.pem",
        SimulatedNsm.pem(simulationRoot).getBytes(StandardCharsets.US_ASCII));
    ctx.evidence.put("simulationRootSha256", AttestationReport.sha256(simulationRoot));
    List<String> jvmArgs = new ArrayList<>();
    if (ctx.fabricNetwork() != null) {
      // the host reads did:fabric evidence from the network's peers through Org1's Gateway, with
      // both organisations' CAs pinned (file paths, no secret on the command line)
      ctx.fabricNetwork()
          .settingsEndorsedByAll()
          .forEach((k, v) -> jvmArgs.add("-Dsovereign.host.did." + k + "=" + v));
    } else {
      // the host reads did:fabric evidence from the embedded ledger the producers' DIDs are on
      jvmArgs.add("-Dsovereign.host.did.data.dir=" + didDataDir(ctx));
    }
    jvmArgs.addAll(ctx.hostJvmArgs);
    DemoHost host =
        DemoHost.start(
            ctx.hostApp,
            ctx.enclaveJar,
            ctx.policy().file(),
            data,
            ctx.adminToken,
            HOST_START_TIMEOUT,
            ctx.narration,
            jvmArgs);
    ctx.running(
        new DemoContext.RunningHost(
            host,
            HostClient.admin(host.base(), ctx.adminToken),
            HostClient.of(host.base()),
            simulationRoot));
    ctx.say("host " + ctx.host().base() + " (pid " + ctx.host().pid() + "), data in " + data);
    ctx.evidence.put("host", ctx.host().base().toString());
    return "host and enclave serving on " + ctx.host().base();
  }

  // ---- attestation

  private static EnclaveExpectations expectations(DemoContext ctx, String policySha256)
      throws Exception {
    Map<Integer, byte[]> pcrs = new TreeMap<>();
    pcrs.put(0, ctx.policy().pcr0());
    pcrs.put(1, SimulatedMeasurements.pcr1());
    pcrs.put(2, SimulatedMeasurements.pcr2(ctx.enclaveJar));
    return EnclaveExpectations.of(
        List.of(ctx.running().simulationRoot()), pcrs, policySha256, MAX_AGE);
  }

  private static String verifyAttestation(DemoContext ctx) throws Exception {
    byte[] nonce = new byte[32];
    ctx.random.nextBytes(nonce);
    HostClient.Answer a = ctx.producer().attestation(HexFormat.of().formatHex(nonce));
    if (a.status() != 200 || a.json() == null) {
      throw new DemoStep.Misbehaved("GET /v1/attestation answered " + a.status() + " " + a.code());
    }
    byte[] document = Base64.getDecoder().decode(a.json().get("document").asText());
    ctx.write("attestation.cose", document);
    ctx.write(
        "attestation.b64",
        (a.json().get("document").asText() + "\n").getBytes(StandardCharsets.US_ASCII));
    ctx.say("nonce " + HexFormat.of().formatHex(nonce));
    EnclaveExpectations exp = expectations(ctx, ctx.policy().sha256());
    AttestationPolicy policy = exp.policy(nonce);
    AttestedEnclave enclave;
    try {
      enclave = exp.verify(a.json(), nonce);
    } catch (RejectedException e) {
      writeReport(
          ctx,
          "verification.json",
          "attestation.cose",
          policy,
          document,
          null,
          e.getCause() instanceof AttestationRejectedException ar ? ar : null);
      throw new DemoStep.Misbehaved(
          "the genuine document was rejected: " + e.code() + " " + e.detail());
    }
    ctx.attested(new DemoContext.Attestation(nonce, a.json(), document, enclave));
    writeReport(
        ctx,
        "verification.json",
        "attestation.cose",
        policy,
        document,
        enclave.attestation(),
        null);
    ctx.say("user_data " + new String(ctx.attested().userData(), StandardCharsets.UTF_8));
    ctx.say(
        "enclave DID "
            + ctx.enclave().enclaveDid()
            + "; encryption key kid "
            + ctx.enclave().kid()
            + " = document public_key");
    ctx.evidence.put("enclaveDid", ctx.enclave().enclaveDid());
    ctx.enclaveDids.add(ctx.enclave().enclaveDid());
    ctx.evidence.put("producerNonce", HexFormat.of().formatHex(ctx.attested().nonce()));
    return "VALID (attestation.cose, verification.json)";
  }

  private static AttestationPolicy.Builder producerPolicy(DemoContext ctx) throws Exception {
    AttestationPolicy.Builder b =
        AttestationPolicy.builder()
            .pinnedRoot(ctx.running().simulationRoot())
            .requiredPcrs(Set.of(0, 1, 2))
            .expectedNonce(ctx.attested().nonce())
            .maxAge(MAX_AGE);
    b.allowPcr(0, ctx.policy().pcr0());
    return b;
  }

  private static String awsRoot(DemoContext ctx) throws Exception {
    AttestationPolicy policy =
        AttestationPolicy.builder().pinnedRoot(TrustAnchors.awsNitroRoot()).build();
    return expectRejected(
        ctx,
        policy,
        "attestation.cose",
        ctx.attested().document(),
        AttestationRejection.UNTRUSTED_ROOT,
        "rejected-aws-root.json");
  }

  private static String tampered(DemoContext ctx) throws Exception {
    byte[] forged = ctx.attested().document().clone();
    int at = indexOf(forged, ctx.attested().userData());
    if (at < 0) {
      throw new IllegalStateException("user_data not found in the document bytes");
    }
    int flip = at + ctx.attested().userData().length - 3;
    forged[flip] ^= 0x01;
    ctx.say("flipped one bit of user_data (policy hash) at byte " + flip);
    ctx.write("attestation-tampered.cose", forged);
    return expectRejected(
        ctx,
        producerPolicy(ctx).build(),
        "attestation-tampered.cose",
        forged,
        AttestationRejection.SIGNATURE_INVALID,
        "rejected-tampered.json");
  }

  private static String wrongNonce(DemoContext ctx) throws Exception {
    byte[] other = new byte[32];
    ctx.random.nextBytes(other);
    return expectRejected(
        ctx,
        producerPolicy(ctx).expectedNonce(other).build(),
        "attestation.cose",
        ctx.attested().document(),
        AttestationRejection.NONCE_MISMATCH,
        "rejected-wrong-nonce.json");
  }

  private static String stale(DemoContext ctx) throws Exception {
    Instant later =
        Instant.ofEpochMilli(
                AttestationDocuments.parse(ctx.attested().document())
                    .unverifiedDocument()
                    .timestampMillis())
            .plus(Duration.ofMinutes(10));
    return expectRejected(
        ctx,
        producerPolicy(ctx).verifyAt(later).build(),
        "attestation.cose",
        ctx.attested().document(),
        AttestationRejection.TOO_OLD,
        "rejected-stale.json");
  }

  private static String unknownImage(DemoContext ctx) throws Exception {
    byte[] otherImage =
        SimulatedMeasurements.extend(
            new byte[48], "another build of the enclave".getBytes(StandardCharsets.UTF_8));
    AttestationPolicy.Builder b =
        AttestationPolicy.builder()
            .pinnedRoot(ctx.running().simulationRoot())
            .allowPcr(0, otherImage);
    return expectRejected(
        ctx,
        b.build(),
        "attestation.cose",
        ctx.attested().document(),
        AttestationRejection.PCR_MISMATCH,
        "rejected-unknown-image.json");
  }

  private static String otherPolicy(DemoContext ctx) throws Exception {
    String other =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(
                        "a laxer policy without minimum group size"
                            .getBytes(StandardCharsets.UTF_8)));
    try {
      expectations(ctx, other).verify(ctx.attested().answer(), ctx.attested().nonce());
      throw new DemoStep.Misbehaved(
          "a producer expecting policy " + other + " accepted this enclave");
    } catch (RejectedException e) {
      if (!e.code().equals("policy-hash-mismatch")) {
        throw new DemoStep.Misbehaved(
            "rejected with " + e.code() + ", expected policy-hash-mismatch");
      }
      ctx.say(e.code() + ": " + e.detail());
      return "REFUSED policy-hash-mismatch (nothing encrypted)";
    }
  }

  // ---- the round

  private static String openRound(DemoContext ctx) throws Exception {
    HostClient.Answer ev = ctx.running().admin().supplyStatusLists(ctx.world().statusLists);
    if (ev.status() != 200) {
      throw new DemoStep.Misbehaved("POST /v1/evidence answered " + ev.status() + " " + ev.code());
    }
    ctx.say(
        "status lists relayed; the enclave verified "
            + ev.json().path("statusLists").asInt()
            + " (signature, issuer, freshness)");
    HostClient.Answer a = ctx.running().admin().openRound(ctx.round, DemoWorld.DATASET);
    if (a.status() != 201) {
      throw new DemoStep.Misbehaved("POST /v1/rounds answered " + a.status() + " " + a.code());
    }
    if (!ctx.policy().sha256().equals(a.json().path("policySha256").asText())) {
      throw new DemoStep.Misbehaved(
          "the round runs under policy " + a.json().path("policySha256").asText());
    }
    ctx.evidence.put("round", ctx.round);
    return "round "
        + ctx.round
        + " open for "
        + DemoWorld.DATASET
        + " under policy "
        + ctx.policy().sha256().substring(0, 16)
        + "...";
  }

  private static Payloads.Contents contents(
      DemoContext ctx, DemoWorld.Producer p, String region, ArrayNode records) {
    return Payloads.Contents.of(ctx.round, DemoWorld.DATASET, region, records, p.credentials());
  }

  private static ArrayNode usRecords() throws Exception {
    return Records.csv("country,metric,value\nUS,points,99\nUS,points,98\n");
  }

  private static String honest(DemoContext ctx) throws Exception {
    Path dir = ctx.work.resolve("producers");
    Files.createDirectories(dir);
    for (Map.Entry<String, String> e : HONEST_RECORDS.entrySet()) {
      DemoWorld.Producer p = ctx.world().producers.get(e.getKey());
      Path csv = Files.writeString(dir.resolve(p.name() + ".csv"), e.getValue());
      ArrayNode records = Records.read(csv);
      ctx.honestRecords.put(p.name(), records);
      if (p.name().equals(CLI_PRODUCER)) {
        submitWithCli(ctx, p, dir, csv);
        continue;
      }
      Payloads.Contents c = contents(ctx, p, p.zone(), records);
      String inner = Payloads.sign(p.identity(), c);
      String jwe = Payloads.encrypt(ctx.enclave(), p.zone(), inner);
      if (!ctx.hasFirstHonest()) {
        ctx.firstHonest(new DemoContext.FirstPayload(jwe, inner));
      }
      submitAndAwait(
          ctx, p.name() + " (" + p.zone() + ", " + records.size() + " records)", jwe, "accepted");
      ctx.acceptedLeaves.add(Payloads.payloadId(jwe));
    }
    Relayed relayed = relayed(ctx);
    if (relayed.didLogsSupplied() < HONEST_RECORDS.size()) {
      throw new DemoStep.Misbehaved(
          "the host relayed did:fabric evidence for "
              + relayed.didLogsSupplied()
              + " DIDs, expected one per"
              + " honest producer ("
              + HONEST_RECORDS.size()
              + "): did the enclave ask? (evidence-relayed in the audit log)");
    }
    ctx.say(
        "the enclave deferred "
            + relayed.deferred()
            + " payloads naming a did:fabric DID it held no evidence for; because it"
            + " asked, the host fetched did:fabric evidence (operation log, endorsed read) for "
            + relayed.didLogsSupplied()
            + (ctx.fabricNetwork() == null
                ? " DIDs from its ledger"
                : " DIDs from the Fabric network's peers (both organisations endorsing)")
            + ", supplied it and resent them ("
            + relayed.entries()
            + " evidence-relayed audit entries, counts only)");
    ctx.evidence.put("didEvidenceRelayed", relayed.didLogsSupplied());
    return "4 payloads from 3 zones accepted ("
        + CLI_PRODUCER
        + " through sovereign producer submit); did:fabric evidence"
        + " for "
        + relayed.didLogsSupplied()
        + " DIDs relayed by the host on the enclave's request";
  }

  /**
   * From the host's audit log: payloads deferred, did:fabric DIDs whose evidence the host supplied
   * and {@code evidence-relayed} entries, for this round.
   */
  private record Relayed(long deferred, long didLogsSupplied, long entries) {}

  private static Relayed relayed(DemoContext ctx) throws Exception {
    HostClient.Answer a = ctx.running().admin().audit();
    if (a.status() != 200) {
      throw new DemoStep.Misbehaved("GET /v1/audit answered " + a.status() + " " + a.code());
    }
    long deferred = 0;
    long didLogsSupplied = 0;
    long entries = 0;
    for (String line : a.text().split("\n")) {
      JsonNode e = line.isBlank() ? null : ctx.mapper.readTree(line);
      if (e != null
          && e.path("kind").asText().equals("evidence-relayed")
          && ctx.round.equals(e.path("fields").path("round").asText())) {
        deferred += e.path("fields").path("deferred").asLong();
        didLogsSupplied += e.path("fields").path("didLogsSupplied").asLong();
        entries++;
      }
    }
    return new Relayed(deferred, didLogsSupplied, entries);
  }

  /**
   * The producer that submits through the command line, as a producer would: identity, credential
   * and routes files.
   */
  static final String CLI_PRODUCER = "us-diner";

  private static void submitWithCli(DemoContext ctx, DemoWorld.Producer p, Path dir, Path csv)
      throws Exception {
    Path identity = dir.resolve(p.name() + ".identity.json");
    p.identity().write(identity);
    Path credential =
        Files.writeString(
            dir.resolve(p.name() + ".credential.jwt"), String.join("\n", p.credentials()) + "\n");
    StringBuilder routes =
        new StringBuilder(
            "# zone -> host (geo-aware routing); one host serves all zones in the demo\n");
    for (String z : DemoWorld.ZONES) {
      routes.append(z).append('=').append(ctx.host().base()).append('\n');
    }
    Path routesFile = Files.writeString(dir.resolve("routes.txt"), routes.toString());
    HexFormat hex = HexFormat.of();
    List<String> args =
        List.of(
            "producer",
            "submit",
            "--routes",
            routesFile.toString(),
            "--records",
            csv.toString(),
            "--identity",
            identity.toString(),
            "--credential",
            credential.toString(),
            "--round",
            ctx.round,
            "--dataset",
            DemoWorld.DATASET,
            "--zone",
            p.zone(),
            "--root",
            ctx.out.resolve("simulation-root.pem").toString(),
            "--expect-pcr0",
            hex.formatHex(ctx.policy().pcr0()),
            "--pcr",
            "1=" + hex.formatHex(SimulatedMeasurements.pcr1()),
            "--pcr",
            "2=" + hex.formatHex(SimulatedMeasurements.pcr2(ctx.enclaveJar)),
            "--policy",
            ctx.policy().file().toString(),
            "--json");
    ctx.say(
        "$ sovereign producer submit --routes routes.txt --records "
            + csv.getFileName()
            + " --identity "
            + identity.getFileName()
            + " --credential "
            + credential.getFileName()
            + " --zone "
            + p.zone()
            + " ...");
    Map<String, Long> before = counts(ctx);
    CliOutcome submitted = runCli(ctx, args);
    if (submitted.exit() != EXIT_OK) {
      throw new DemoStep.Misbehaved("sovereign producer submit exited " + submitted.exit());
    }
    JsonNode o = ctx.mapper.readTree(submitted.out());
    String verdict = verdictAfter(ctx, before);
    ctx.say(
        p.name()
            + " ("
            + p.zone()
            + "): payload "
            + o.path("payloadId").asText().substring(0, 16)
            + "... -> enclave verdict "
            + verdict);
    if (!"accepted".equals(verdict)) {
      throw new DemoStep.Misbehaved(p.name() + ": verdict " + verdict + ", expected accepted");
    }
    ctx.acceptedLeaves.add(o.path("payloadId").asText());
  }

  private static String revoked(DemoContext ctx) throws Exception {
    DemoWorld.Producer p = ctx.world().producers.get(REVOKED);
    String jwe =
        Payloads.build(
            p.identity(),
            ctx.enclave(),
            p.zone(),
            contents(
                ctx,
                p,
                p.zone(),
                Records.csv("country,metric,value\nDE,points,9191.9191\nDE,points,9999\n")));
    return "REJECTED "
        + submitAndAwait(
            ctx, p.name() + " (credential revoked by the EU authority)", jwe, "credential-revoked");
  }

  private static String forged(DemoContext ctx) throws Exception {
    DemoWorld.Producer victim = ctx.world().producers.get("eu-bakery");
    Payloads.Contents c =
        contents(
            ctx,
            victim,
            victim.zone(),
            Records.csv("country,metric,value\nFR,points,50000\nFR,points,50000\n"));
    String inner =
        Payloads.sign(
            victim.identity().did().toString(),
            ctx.world().stranger.signerClaiming(victim.identity().kid()),
            c);
    String jwe = Payloads.encrypt(ctx.enclave(), victim.zone(), inner);
    ctx.say(
        "iss and kid name "
            + shortDid(victim.identity().did().toString())
            + "; signed by the key of "
            + shortDid(ctx.world().stranger.did().toString()));
    return "REJECTED "
        + submitAndAwait(ctx, "forged payload in eu-bakery's name", jwe, "signature-invalid");
  }

  private static String replay(DemoContext ctx) throws Exception {
    Map<String, Long> before = counts(ctx);
    Submission.Outcome again =
        Submission.submit(ctx.producer(), ctx.round, ctx.firstHonest().jwe());
    if (again.httpStatus() != 202 || !"already-stored".equals(again.status())) {
      throw new DemoStep.Misbehaved(
          "resending the same bytes answered "
              + again.httpStatus()
              + " "
              + again.status()
              + again.code());
    }
    Map<String, Long> after = awaitSettled(ctx, total(before));
    if (!after.equals(before)) {
      throw new DemoStep.Misbehaved(
          "resending the same bytes changed the counts: " + before + " -> " + after);
    }
    ctx.say(
        "same bytes again: 202 already-stored, payload id "
            + again.payloadId().substring(0, 16)
            + "..., counted once");
    String rewrapped = Payloads.encrypt(ctx.enclave(), "EU", ctx.firstHonest().innerJws());
    ctx.say(
        "the same signed inner JWS in a new JWE (new payload id "
            + Payloads.payloadId(rewrapped).substring(0, 16)
            + "...)");
    return "REJECTED "
        + submitAndAwait(ctx, "re-encrypted copy of eu-bakery's payload", rewrapped, "replay");
  }

  private static String wrongRegion(DemoContext ctx) throws Exception {
    DemoWorld.Producer p = ctx.world().producers.get("eu-grocer");
    String jwe =
        Payloads.build(p.identity(), ctx.enclave(), "US", contents(ctx, p, "US", usRecords()));
    ctx.say("zone header US, region claim US; the credential grants region EU only");
    String verdict =
        submitAndAwait(ctx, "eu-grocer submitting as US", jwe, "credential-wrong-region");
    String mars =
        Payloads.build(p.identity(), ctx.enclave(), "MARS", contents(ctx, p, "MARS", usRecords()));
    Submission.Outcome o = Submission.submit(ctx.producer(), ctx.round, mars);
    if (o.httpStatus() != 421 || !"zone-not-served".equals(o.code())) {
      throw new DemoStep.Misbehaved(
          "a payload for zone MARS got "
              + o.httpStatus()
              + " "
              + o.code()
              + ", expected 421 zone-not-served");
    }
    ctx.say(
        "zone header MARS: the host answers 421 zone-not-served without storing it (it reads only the JWE header)");
    return "REJECTED " + verdict + "; REFUSED 421 zone-not-served";
  }

  private static String noPlaintext(DemoContext ctx) throws Exception {
    StringBuilder everything = new StringBuilder();
    int files = 0;
    try (java.util.stream.Stream<Path> s = Files.walk(ctx.work.resolve("host"))) {
      for (Path f :
          s.filter(Files::isRegularFile)
              .filter(f -> !f.getFileName().toString().endsWith(".sock"))
              .toList()) {
        everything.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
        files++;
      }
    }
    HostClient.Answer metrics = ctx.producer().get("/q/metrics");
    everything.append(metrics.text());
    for (String marker : MARKERS) {
      if (everything.indexOf(marker) >= 0) {
        throw new DemoStep.Misbehaved("plaintext value " + marker + " found on the host");
      }
    }
    ctx.say(
        "searched " + files + " files (inbox, logs, enclave state) and /q/metrics for " + MARKERS);
    return "no plaintext marker found";
  }

  private static String backupRestore(DemoContext ctx) throws Exception {
    HostClient.Answer api = ctx.producer().get("/q/openapi?format=json");
    List<String> paths = new ArrayList<>();
    if (api.status() == 200 && api.json() != null) {
      api.json().path("paths").fieldNames().forEachRemaining(paths::add);
    }
    if (!paths.contains("/v1/backup") || !paths.contains("/v1/restore")) {
      throw new DemoStep.Unavailable(
          "not available in this build: the host serves no /v1/backup and /v1/restore"
              + " (its OpenAPI document lists none); nothing was sealed or restored");
    }
    Map<String, Long> before = counts(ctx);
    HostClient.Answer b = ctx.running().admin().backup();
    if (b.status() == 503 && "sealing-unavailable".equals(b.code())) {
      throw new DemoStep.Unavailable(
          "the host's enclave runs without a key broker (" + b.code() + "); nothing was sealed");
    }
    if (b.status() != 200 || b.json() == null || !b.json().path("sealedState").isTextual()) {
      throw new DemoStep.Misbehaved("POST /v1/backup answered " + b.status() + " " + b.code());
    }
    String sealed = b.json().get("sealedState").asText();
    byte[] blob = Base64.getDecoder().decode(sealed);
    ctx.write("sealed-state.b64", (sealed + "\n").getBytes(StandardCharsets.US_ASCII));
    ctx.say(
        "backup: "
            + blob.length
            + "-byte sealed state (ciphertext; sealed-state.b64) covering rounds "
            + b.json().path("rounds")
            + "; its key is released only to an enclave with this PCR0 and policy");

    ProcessHandle enclave =
        ctx.host()
            .enclave(ctx.enclaveJar)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the enclave process was not found among the host's children"));
    long pid = enclave.pid();
    enclave.destroyForcibly();
    enclave.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    ctx.say(
        "kill -9 of the enclave (pid "
            + pid
            + ") mid-round: its keys and rounds lived only in its memory");

    // The backup job restores: the host starts a successor enclave and feeds it the sealed state;
    // the
    // successor opens it only if the key broker releases the key to its attested measurements.
    HostClient.Answer restored = ctx.running().admin().restore(sealed);
    if (restored.status() != 200 || restored.json() == null) {
      throw new DemoStep.Misbehaved(
          "POST /v1/restore answered " + restored.status() + " " + restored.code());
    }
    long successor = ctx.host().enclave(ctx.enclaveJar).map(ProcessHandle::pid).orElse(-1L);
    if (successor == pid || successor < 0) {
      throw new DemoStep.Misbehaved("no successor enclave process runs");
    }
    ctx.say("restore into a new enclave (pid " + successor + "): " + restored.json());
    Map<String, Long> kept = counts(ctx);
    if (!kept.equals(before)) {
      throw new DemoStep.Misbehaved(
          "counts before the crash " + before + ", after the restore " + kept);
    }
    DemoWorld.Producer p = ctx.world().producers.get("eu-grocer");
    ArrayNode records = Records.csv("country,metric,value\nFR,points,15\n");
    String jwe =
        Payloads.build(p.identity(), ctx.enclave(), p.zone(), contents(ctx, p, p.zone(), records));
    submitAndAwait(
        ctx, "eu-grocer, encrypted to the key attested before the crash", jwe, "accepted");
    ctx.acceptedLeaves.add(Payloads.payloadId(jwe));
    ctx.honestRecords.put("eu-grocer-after-restore", records);

    byte[] nonce = new byte[32];
    ctx.random.nextBytes(nonce);
    HostClient.Answer att = ctx.producer().attestation(HexFormat.of().formatHex(nonce));
    dev.sovereign.producer.AttestedEnclave after;
    try {
      after = expectations(ctx, ctx.policy().sha256()).verify(att.json(), nonce);
    } catch (RejectedException e) {
      throw new DemoStep.Misbehaved("the successor's attestation does not verify: " + e.code());
    }
    if (!after.enclaveDid().equals(ctx.enclave().enclaveDid())
        || !after.kid().equals(ctx.enclave().kid())) {
      throw new DemoStep.Misbehaved(
          "the successor is "
              + after.enclaveDid()
              + " with key "
              + after.kid()
              + "; the sealed identity was not restored");
    }
    ctx.enclaveDids.add(after.enclaveDid());
    ctx.say(
        "the successor attests the same DID and encryption key, in a fresh document for a fresh nonce");

    byte[] tampered = blob.clone();
    tampered[tampered.length / 2] ^= 0x01;
    HostClient.Answer r =
        ctx.running().admin().restore(Base64.getEncoder().encodeToString(tampered));
    if (r.status() < 400 || r.status() >= 500) {
      throw new DemoStep.Misbehaved(
          "a tampered sealed state was answered " + r.status() + " " + r.code());
    }
    ctx.say("restore of the blob with one flipped bit: " + r.status() + " " + r.code());
    HostClient.Answer still = ctx.producer().round(ctx.round);
    if (still.status() != 200 || !"open".equals(still.json().path("state").asText())) {
      throw new DemoStep.Misbehaved("after the refused restore the round is " + still.json());
    }
    ctx.evidence.put("sealedStateBytes", blob.length);
    return "sealed, killed, restored: same DID and key, counts kept; tampered blob refused ("
        + r.code()
        + ")";
  }

  private static String close(DemoContext ctx) throws Exception {
    HostClient.Answer a = ctx.running().admin().close(ctx.round);
    if (a.status() != 200 || a.json() == null || !a.json().path("result").isTextual()) {
      throw new DemoStep.Misbehaved(
          "POST /v1/rounds/" + ctx.round + "/close answered " + a.status() + " " + a.code());
    }
    ctx.result(a.json().get("result").asText());
    ctx.write("result.jwt", (ctx.result() + "\n").getBytes(StandardCharsets.US_ASCII));
    JsonNode vc = ctx.mapper.readTree(Base64.getUrlDecoder().decode(ctx.result().split("\\.")[1]));
    ctx.writeJson("result.json", vc);
    JsonNode s = vc.get("credentialSubject");
    long accepted = s.at("/inputs/accepted").asLong();
    if (accepted != ctx.acceptedLeaves.size()) {
      throw new DemoStep.Misbehaved(
          "the result counts "
              + accepted
              + " accepted inputs, expected "
              + ctx.acceptedLeaves.size());
    }
    Map<String, Long> byReason = new TreeMap<>();
    s.at("/inputs/rejectedByReason")
        .fields()
        .forEachRemaining(e -> byReason.put(e.getKey(), e.getValue().asLong()));
    // the forged payload fails before any signature verified: the result counts it as
    // unauthenticated, never under its reason (protocol 1.5)
    Map<String, Long> expectedByReason = new TreeMap<>(ctx.expectedRejections);
    Long forged = expectedByReason.remove("signature-invalid");
    long expectedUnauthenticated = forged == null ? 0 : forged;
    long unauthenticated = s.at("/inputs/unauthenticated").asLong(-1);
    if (!byReason.equals(expectedByReason) || unauthenticated != expectedUnauthenticated) {
      throw new DemoStep.Misbehaved(
          "rejections of authenticated producers by reason "
              + byReason
              + " and "
              + unauthenticated
              + " unauthenticated, expected "
              + expectedByReason
              + " and "
              + expectedUnauthenticated);
    }
    // The plain computation over the accepted records, with the policy's minimum group size of 2
    // distinct producers.
    Map<String, BigDecimal> sums = new TreeMap<>();
    Map<String, Integer> counts = new TreeMap<>();
    Map<String, java.util.Set<String>> producers = new TreeMap<>();
    for (Map.Entry<String, ArrayNode> e : ctx.honestRecords.entrySet()) {
      String producer = e.getKey().replace("-after-restore", "");
      for (JsonNode r : e.getValue()) {
        String c = r.at("/group/country").asText();
        sums.merge(c, r.get("value").decimalValue(), BigDecimal::add);
        counts.merge(c, 1, Integer::sum);
        producers.computeIfAbsent(c, x -> new java.util.TreeSet<>()).add(producer);
      }
    }
    int published = 0;
    for (JsonNode cell : s.get("aggregates")) {
      String country = cell.at("/group/country").asText();
      BigDecimal expected = sums.get(country);
      if (expected == null
          || producers.get(country).size() < 2
          || expected.compareTo(cell.get("sum").decimalValue()) != 0) {
        throw new DemoStep.Misbehaved(
            "aggregate " + cell + " differs from the plain computation " + sums);
      }
      ctx.say(
          country
              + ": sum "
              + cell.get("sum").decimalValue().toPlainString()
              + " over "
              + counts.get(country)
              + " records from "
              + producers.get(country).size()
              + " producers");
      published++;
    }
    long suppressed = producers.values().stream().filter(n -> n.size() < 2).count();
    if (published + suppressed != counts.size()
        || s.path("suppressedGroups").asLong() != suppressed) {
      throw new DemoStep.Misbehaved(
          "published "
              + published
              + " groups, suppressed "
              + s.path("suppressedGroups")
              + "; expected "
              + (counts.size() - suppressed)
              + " and "
              + suppressed);
    }
    ctx.say(suppressed + " group(s) below the minimum of 2 distinct producers suppressed");
    List<byte[]> leaves = new ArrayList<>();
    for (String leaf : ctx.acceptedLeaves) {
      leaves.add(HexFormat.of().parseHex(leaf));
    }
    String root = HexFormat.of().formatHex(MerkleTree.root(leaves));
    if (!root.equals(s.at("/merkle/root").asText())) {
      throw new DemoStep.Misbehaved(
          "Merkle root " + s.at("/merkle/root").asText() + ", recomputed " + root);
    }
    ctx.say(
        "inputs: "
            + accepted
            + " accepted, rejected (authenticated producers) "
            + byReason
            + ", unauthenticated "
            + unauthenticated
            + "; Merkle root "
            + root.substring(0, 16)
            + "... recomputed");
    return "result.jwt ("
        + ctx.result().length()
        + " chars) signed by "
        + shortDid(vc.path("issuer").asText());
  }

  private static ResultVerifier.Builder regulatorVerifier(DemoContext ctx) throws Exception {
    ResultVerifier.Builder b =
        ResultVerifier.builder()
            .root(ctx.running().simulationRoot())
            .allowPcr(0, ctx.policy().pcr0())
            .expectPolicySha256(ctx.policy().sha256())
            .expectRound(ctx.round())
            .expectDataset(DemoWorld.DATASET)
            .expectEnclaveDid(ctx.enclave().enclaveDid())
            .chains(ctx.world().chains());
    // each root anchors its own zone only, as the policy (and the enclave) scope it
    ctx.world().trustAnchors().forEach((zone, did) -> b.zone(zone, List.of(did)));
    return b;
  }

  private static String regulator(DemoContext ctx) throws Exception {
    // the same steps as `sovereign verify --policy`: the result, then its privacy parameters
    // against the ones the pinned policy declares
    ResultReport report =
        PrivacyCheck.append(
            regulatorVerifier(ctx).build().verify(ctx.result()),
            Optional.of(PolicyLoader.load(ctx.policy().file()).privacyStatements()));
    ctx.writeJson("regulator-report.json", report.toJson(ctx.mapper));
    for (ResultReport.Step s : report.steps()) {
      ctx.say(
          String.format("%-8s %-20s %s", s.outcome(), s.name(), s.code() != null ? s.code() : ""));
    }
    String cmd =
        "./sovereign verify "
            + ctx.out.resolve("result.jwt")
            + " --root "
            + ctx.out.resolve("simulation-root.pem")
            + " --pcr 0="
            + HexFormat.of().formatHex(ctx.policy().pcr0())
            + " --policy "
            + ctx.policy().file()
            + " --round "
            + ctx.round()
            + " --dataset "
            + DemoWorld.DATASET
            + " --enclave-did "
            + ctx.enclave().enclaveDid()
            + " --credential-chain "
            + ctx.out.resolve("credential-chain.json");
    ctx.evidence.put("regulatorCommand", cmd);
    ctx.write(
        "regulator-report.html",
        ResultReportHtml.render(
                new ResultReportHtml.Input(
                    report,
                    ctx.result(),
                    java.util.Optional.of(ctx.world().chains()),
                    List.copyOf(ctx.world().trustAnchors().values()),
                    List.of(ctx.running().simulationRoot()),
                    cmd,
                    Instant.now()))
            .getBytes(StandardCharsets.UTF_8));
    if (!report.valid()) {
      throw new DemoStep.Misbehaved(
          "the regulator rejected the result: " + report.firstFailure().orElseThrow());
    }
    boolean revokedSeen =
        report.steps().stream().anyMatch(s -> "credential-revoked".equals(s.code()));
    if (!revokedSeen) {
      throw new DemoStep.Misbehaved(
          "the regulator's chain check did not find the revoked credential");
    }
    ctx.say(
        "same check from the shell: sovereign verify (command in report.json, evidence.regulatorCommand)");
    return "VALID (regulator-report.json, regulator-report.html)";
  }

  private static String tamperedResult(DemoContext ctx) throws Exception {
    String[] parts = ctx.result().split("\\.");
    JsonNode vc = ctx.mapper.readTree(Base64.getUrlDecoder().decode(parts[1]));
    ((ObjectNode) vc.get("credentialSubject")).put("dataset", "purchase-orders");
    String forged =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(ctx.mapper.writeValueAsBytes(vc))
            + "."
            + parts[2];
    ResultReport r1 = regulatorVerifier(ctx).build().verify(forged);
    expectCode(r1, "result-signature-invalid", "a result whose dataset was changed");
    ctx.say("dataset changed after signing: " + r1.firstFailure().orElseThrow().code());
    ResultReport r2 =
        ResultVerifier.builder()
            .root(TrustAnchors.awsNitroRoot())
            .allowPcr(0, ctx.policy().pcr0())
            .build()
            .verify(ctx.result());
    expectCode(r2, "attestation-untrusted-root", "a production regulator (AWS root only)");
    ctx.say("production regulator, AWS root only: " + r2.firstFailure().orElseThrow().code());
    ctx.writeJson("rejected-result-tampered.json", r1.toJson(ctx.mapper));
    ctx.writeJson("rejected-result-aws-root.json", r2.toJson(ctx.mapper));
    return "REJECTED result-signature-invalid, attestation-untrusted-root";
  }

  // ---- the audit log

  private static String auditLog(DemoContext ctx) throws Exception {
    HostClient.Answer a = ctx.running().admin().audit();
    if (a.status() != 200) {
      throw new DemoStep.Misbehaved("GET /v1/audit answered " + a.status() + " " + a.code());
    }
    Path file = ctx.write("audit.jsonl", a.text().getBytes(StandardCharsets.UTF_8));
    List<String> pins = new ArrayList<>();
    for (String did : ctx.enclaveDids) {
      pins.addAll(List.of("--enclave-did", did));
    }
    // the export ends with a head signed for it, and it must hold the round's result: a copy cut
    // after an earlier head fails both
    List<String> args =
        new ArrayList<>(
            List.of(
                "audit",
                "verify",
                file.toString(),
                "--json",
                "--max-head-age",
                "PT10M",
                "--result",
                ctx.out.resolve("result.jwt").toString()));
    args.addAll(pins);
    ctx.say(
        "$ sovereign audit verify audit.jsonl --json --max-head-age PT10M --result result.jwt"
            + " --enclave-did "
            + String.join(
                " --enclave-did ", ctx.enclaveDids.stream().map(DemoSteps::shortDid).toList()));
    CliOutcome verified = runCli(ctx, args);
    ctx.write("audit-verify.json", verified.out().getBytes(StandardCharsets.UTF_8));
    ctx.evidence.put("auditCommand", "./sovereign " + String.join(" ", args));
    if (verified.exit() != EXIT_OK) {
      throw new DemoStep.Misbehaved(
          "the exported audit log does not verify (exit "
              + verified.exit()
              + "): "
              + ctx.mapper.readTree(verified.out()).path("code").asText());
    }

    List<JsonNode> entries = new ArrayList<>();
    for (String line : a.text().split("\n")) {
      entries.add(ctx.mapper.readTree(line));
    }
    String resultSha256 =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(ctx.result().getBytes(StandardCharsets.US_ASCII)));
    String restoredDid = ctx.evidence.has("sealedStateBytes") ? ctx.enclave().enclaveDid() : null;
    List<String> missing =
        new ArrayList<>(
            missingAuditEvents(
                entries,
                ctx.round,
                resultSha256,
                ctx.acceptedLeaves,
                ctx.expectedRejections,
                restoredDid));
    List<String> dids = new ArrayList<>();
    ctx.world().producers.values().forEach(p -> dids.add(p.identity().did().toString()));
    missing.addAll(relayProblems(entries, a.text(), ctx.round, dids));
    if (!missing.isEmpty()) {
      throw new DemoStep.Misbehaved("the audit log lacks: " + String.join("; ", missing));
    }
    Map<String, Long> kinds = new TreeMap<>();
    entries.forEach(e -> kinds.merge(e.path("kind").asText(), 1L, Long::sum));
    ctx.evidence.set("auditEntries", ctx.mapper.valueToTree(kinds));
    ctx.say(
        "events found: round opened and closed (result SHA-256 "
            + resultSha256.substring(0, 16)
            + "...), "
            + ctx.acceptedLeaves.size()
            + " accepted and "
            + ctx.expectedRejections
            + " rejected submissions, the edge"
            + " refusal (zone-not-served),"
            + (restoredDid != null ? " the backup, the refused and the granted restore," : "")
            + " "
            + kinds.getOrDefault("audit-head-signed", 0L)
            + " signed heads");
    ctx.say(
        kinds.getOrDefault("evidence-relayed", 0L)
            + " evidence-relayed entries (counts and reason codes); none of the "
            + dids.size()
            + " producer DIDs appears anywhere in the log");

    // An auditor's copy with one verdict changed no longer chains.
    List<String> lines = new ArrayList<>(List.of(a.text().split("\n")));
    int at = -1;
    for (int i = 0; i < lines.size() && at < 0; i++) {
      if (lines.get(i).contains("\"outcome\":\"rejected\"")) {
        at = i;
      }
    }
    if (at < 0) {
      throw new DemoStep.Misbehaved("the audit log holds no rejected submission to edit");
    }
    lines.set(at, lines.get(at).replace("\"outcome\":\"rejected\"", "\"outcome\":\"accepted\""));
    Path edited =
        Files.writeString(ctx.work.resolve("audit-edited.jsonl"), String.join("\n", lines) + "\n");
    List<String> editedArgs =
        new ArrayList<>(List.of("audit", "verify", edited.toString(), "--json"));
    editedArgs.addAll(pins);
    CliOutcome refused = runCli(ctx, editedArgs);
    String code = ctx.mapper.readTree(refused.out()).path("code").asText();
    if (refused.exit() != EXIT_REJECTED || !code.equals("audit-chain-broken")) {
      throw new DemoStep.Misbehaved(
          "a copy with one rejection turned into an acceptance gave exit "
              + refused.exit()
              + " "
              + code);
    }
    ctx.say(
        "a copy with line "
            + (at + 1)
            + "'s rejection turned into an acceptance: REJECTED "
            + code);
    return "VALID: "
        + entries.size()
        + " entries, heads signed by the attested enclave DID (audit.jsonl, audit-verify.json);"
        + " an edited copy is rejected ("
        + code
        + ")";
  }

  /**
   * What the audit log lacks of this run's events (empty when it holds them all): the round opened
   * and closed with the result's SHA-256, exactly the accepted payload ids and the rejections by
   * reason (first verdicts only; an entry marked {@code resent} is a recovered enclave's answer to
   * a re-send), the edge refusal of the zone-not-served payload and, when {@code restoredDid} is
   * given, the admin backup, the restore into that DID and the refused restore of the tampered
   * blob.
   */
  static List<String> missingAuditEvents(
      List<JsonNode> entries,
      String round,
      String resultSha256,
      List<String> acceptedLeaves,
      Map<String, Long> expectedRejections,
      String restoredDid) {
    List<String> missing = new ArrayList<>();
    if (!has(entries, "round-opened", e -> round.equals(e.path("round").asText()))) {
      missing.add("round-opened " + round);
    }
    if (!has(
        entries,
        "round-closed",
        e ->
            round.equals(e.path("round").asText())
                && resultSha256.equals(e.path("resultSha256").asText()))) {
      missing.add("round-closed " + round + " with the result's SHA-256");
    }
    // First verdicts only: an entry marked resent is a recovered enclave's answer to a payload sent
    // again.
    List<String> accepted = new ArrayList<>();
    Map<String, Long> rejected = new TreeMap<>();
    for (JsonNode e : entries) {
      JsonNode f = e.path("fields");
      if (e.path("kind").asText().equals("submission")
          && round.equals(f.path("round").asText())
          && !f.path("resent").asBoolean()) {
        if (f.path("outcome").asText().equals("accepted")) {
          accepted.add(f.path("payloadId").asText());
        } else {
          rejected.merge(f.path("reason").asText(), 1L, Long::sum);
        }
      }
    }
    if (!new java.util.HashSet<>(accepted).equals(new java.util.HashSet<>(acceptedLeaves))
        || accepted.size() != acceptedLeaves.size()) {
      missing.add(
          "one accepted submission per accepted payload ("
              + acceptedLeaves.size()
              + "), found "
              + accepted.size());
    }
    if (!rejected.equals(expectedRejections)) {
      missing.add("rejected submissions by reason " + expectedRejections + ", found " + rejected);
    }
    if (!has(entries, "edge-refused", e -> e.path("code").asText().equals("zone-not-served"))) {
      missing.add("edge-refused zone-not-served");
    }
    if (restoredDid != null) {
      if (!has(entries, "backup-sealed", e -> e.path("trigger").asText().equals("admin"))) {
        missing.add("backup-sealed (admin)");
      }
      if (!has(
          entries,
          "restored",
          e ->
              e.path("trigger").asText().equals("admin")
                  && restoredDid.equals(e.path("enclaveDid").asText()))) {
        missing.add("restored (admin) into " + shortDid(restoredDid));
      }
      if (!has(entries, "restore-refused", e -> e.path("code").asText().equals("seal-rejected"))) {
        missing.add("restore-refused seal-rejected (the tampered blob)");
      }
    }
    return missing;
  }

  /**
   * What is wrong with the log's record of the evidence relay (empty when nothing): it must hold an
   * {@code evidence-relayed} entry of {@code round} that supplied did:fabric evidence, and no entry
   * may name a producer DID ({@code text} is the log as exported; the host keeps counts only, since
   * a DID next to a payload would tie a producer to it in a log kept for years).
   */
  static List<String> relayProblems(
      List<JsonNode> entries, String text, String round, List<String> producerDids) {
    List<String> problems = new ArrayList<>();
    if (!has(
        entries,
        "evidence-relayed",
        e -> round.equals(e.path("round").asText()) && e.path("didLogsSupplied").asLong() > 0)) {
      problems.add("evidence-relayed " + round + " with did:fabric evidence supplied");
    }
    long named = producerDids.stream().filter(text::contains).count();
    if (named > 0) {
      problems.add("entries free of producer DIDs (" + named + " named)");
    }
    return problems;
  }

  private static boolean has(
      List<JsonNode> entries, String kind, java.util.function.Predicate<JsonNode> fields) {
    return entries.stream()
        .anyMatch(e -> e.path("kind").asText().equals(kind) && fields.test(e.path("fields")));
  }

  private record CliOutcome(int exit, String out) {}

  /**
   * Runs a {@code sovereign} command in process, narrating its stderr; returns its exit and stdout.
   */
  private static CliOutcome runCli(DemoContext ctx, List<String> args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int exit =
        ctx.cli.run(args, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
    for (String line : err.toString().split("\\R")) {
      if (!line.isBlank()) {
        ctx.say("  " + line);
      }
    }
    return new CliOutcome(exit, out.toString());
  }

  private static void expectCode(ResultReport r, String code, String what)
      throws DemoStep.Misbehaved {
    String got = r.firstFailure().map(ResultReport.Step::code).orElse("VALID");
    if (!got.equals(code)) {
      throw new DemoStep.Misbehaved(what + " gave " + got + ", expected " + code);
    }
  }

  // ---- submission and verdicts

  /**
   * Submits, expects 202, waits for the enclave's verdict and compares it with {@code expected}.
   */
  private static String submitAndAwait(DemoContext ctx, String who, String jwe, String expected)
      throws Exception {
    Map<String, Long> before = counts(ctx);
    Submission.Outcome o = Submission.submit(ctx.producer(), ctx.round, jwe);
    if (!o.stored() || !"stored".equals(o.status())) {
      throw new DemoStep.Misbehaved(
          who
              + ": the host answered "
              + o.httpStatus()
              + " "
              + (o.code() != null ? o.code() : o.status()));
    }
    String verdict = verdictAfter(ctx, before);
    ctx.say(
        who
            + ": 202 stored, payload "
            + o.payloadId().substring(0, 16)
            + "... -> enclave verdict "
            + verdict);
    if (!expected.equals(verdict)) {
      throw new DemoStep.Misbehaved(who + ": verdict " + verdict + ", expected " + expected);
    }
    if (!expected.equals("accepted")) {
      ctx.expectedRejections.merge(expected, 1L, Long::sum);
    }
    return verdict;
  }

  /**
   * The one outcome whose count grew by one since {@code before}, once the enclave has answered.
   */
  private static String verdictAfter(DemoContext ctx, Map<String, Long> before) throws Exception {
    Map<String, Long> after = awaitSettled(ctx, total(before) + 1);
    String verdict = null;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      if (e.getValue() - before.getOrDefault(e.getKey(), 0L) == 1) {
        verdict = e.getKey();
      }
    }
    return verdict;
  }

  private static Map<String, Long> counts(DemoContext ctx) throws Exception {
    HostClient.Answer a = ctx.producer().round(ctx.round);
    if (a.status() != 200 || a.json() == null) {
      throw new DemoStep.Misbehaved("GET /v1/rounds/" + ctx.round + " answered " + a.status());
    }
    Map<String, Long> m = new TreeMap<>();
    a.json()
        .path("counts")
        .fields()
        .forEachRemaining(e -> m.put(e.getKey(), e.getValue().asLong()));
    return m;
  }

  private static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Waits until the round holds {@code total} payloads and none is pending; dots while waiting. */
  private static Map<String, Long> awaitSettled(DemoContext ctx, long total) throws Exception {
    long start = System.nanoTime();
    long deadline = start + VERDICT_TIMEOUT.toNanos();
    boolean dots = false;
    while (true) {
      Map<String, Long> c = counts(ctx);
      if (total(c) >= total && c.getOrDefault("pending", 0L) == 0) {
        if (dots) {
          ctx.narration.println();
        }
        return c;
      }
      if (System.nanoTime() > deadline) {
        throw new DemoStep.Misbehaved(
            "no enclave verdict within " + VERDICT_TIMEOUT.toSeconds() + " s: " + c);
      }
      if (System.nanoTime() - start > 1_000_000_000L) {
        if (!dots) {
          ctx.narration.print("      waiting for the enclave's verdict ");
          dots = true;
        }
        ctx.narration.print('.');
        ctx.narration.flush();
      }
      Thread.sleep(50);
    }
  }

  // ---- helpers

  private static String expectRejected(
      DemoContext ctx,
      AttestationPolicy policy,
      String docName,
      byte[] cose,
      AttestationRejection expected,
      String reportName)
      throws Exception {
    try {
      VerifiedAttestation v = AttestationVerifier.create(policy).verify(cose);
      writeReport(ctx, reportName, docName, policy, cose, v, null);
      throw new DemoStep.Misbehaved("accepted, but must be rejected with " + expected);
    } catch (AttestationRejectedException e) {
      writeReport(ctx, reportName, docName, policy, cose, null, e);
      if (e.reason() != expected) {
        throw new DemoStep.Misbehaved(
            "rejected with " + e.reason() + " (" + e.detail() + "), expected " + expected);
      }
      ctx.say(e.reason() + ": " + e.detail());
      return "REJECTED " + e.reason() + " (" + reportName + ")";
    }
  }

  private static void writeReport(
      DemoContext ctx,
      String name,
      String docName,
      AttestationPolicy policy,
      byte[] cose,
      VerifiedAttestation v,
      AttestationRejectedException e)
      throws Exception {
    dev.sovereign.attestation.AttestationDocument unverified = null;
    try {
      unverified = AttestationDocuments.parse(cose).unverifiedDocument();
    } catch (AttestationRejectedException ignored) {
      // the report then has no unverifiedDocument section
    }
    String verifyAt =
        switch (policy.timeSource()) {
          case CLOCK -> "now";
          case FIXED_INSTANT -> "fixed-instant";
          case DOCUMENT_TIMESTAMP -> "document-timestamp";
        };
    ObjectNode report =
        AttestationReport.build(ctx.mapper, docName, policy, verifyAt, v, e, unverified);
    ctx.writeJson(name, report);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static String shortDid(String did) {
    return did.length() > 24 ? did.substring(0, 20) + "..." + did.substring(did.length() - 4) : did;
  }

  private static Map<String, String> linked(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
