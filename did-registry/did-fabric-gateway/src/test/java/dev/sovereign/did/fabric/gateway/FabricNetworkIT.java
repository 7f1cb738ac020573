package dev.sovereign.did.fabric.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.did.CachingDidResolver;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.fabric.FabricDidResolver;
import dev.sovereign.did.fabric.core.EndorsementVerifier;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.OperationLogVerifier;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VerifiedDidLog;
import dev.sovereign.did.fabric.core.VersionRecord;
import dev.sovereign.fabric.localnet.LocalFabricNetwork;
import dev.sovereign.testing.FabricNetwork;
import java.io.ByteArrayInputStream;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SignatureException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Status;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * did:fabric on a real Fabric 2.5 network: two organisations (a peer, a CA and a chaincode server
 * each; the CA a running Fabric CA server when the release directory has one, else cryptogen's),
 * one Raft orderer, channel {@code sovereign}, started once for this class by {@code
 * scripts/fabric-network.sh} from the release directory in {@code -Dsovereign.fabric.home} (or
 * {@code FABRIC_HOME}); skipped without one. Clients connect through Org1's peer (its Gateway).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FabricNetworkIT {
  private static LocalFabricNetwork net;
  private static FabricGatewayConnection org1;
  private static FabricGatewayConnection org2;

  @BeforeAll
  static void network() throws Exception {
    assumeTrue(FabricNetwork.configuredHome().isPresent(), FabricNetwork.SKIP_MESSAGE);
    net = FabricNetwork.shared();
    org1 = FabricGatewayConnection.connect(bothOrgs("org1"));
    org2 = FabricGatewayConnection.connect(bothOrgs("org2"));
    // The script waits for gossip membership; discovery may still need a moment to hear of the
    // other organisation's chaincode before an endorsement that needs both can be planned.
    awaitBothOrganisations();
  }

  @AfterAll
  static void close() {
    if (org1 != null) {
      org1.close();
    }
    if (org2 != null) {
      org2.close();
    }
  }

  /** Through {@code org}'s peer; endorsed reads need and verify both organisations. */
  private static Map<String, String> bothOrgs(String org) {
    Map<String, String> s = new HashMap<>(net.settings(org, "org1", "org2"));
    s.put("fabric.minEndorsingOrgs", "2");
    return s;
  }

  private static X509Certificate ca(String org) throws Exception {
    try (Reader r = Files.newBufferedReader(net.caCert(org))) {
      return Identities.readX509Certificate(r);
    }
  }

  private static FabricDidResolver resolver(FabricGatewayConnection c) {
    return new FabricDidResolver(c.ledger(), c.verifier(), Clock.systemUTC());
  }

  private static Operation rotate(
      VersionRecord current, SoftwareControllerKey signer, SoftwareControllerKey next) {
    return FabricDocuments.update(
        current.did(),
        current.versionId(),
        FabricDocuments.document(current.did(), List.of(next.publicKey()), 1),
        current.did() + "#key-1",
        signer);
  }

  private static SoftwareControllerKey key() {
    return SoftwareControllerKey.generate(Multikey.Type.ED25519);
  }

  @Test
  void createUpdateDeactivateAndResolveWithHistoryThroughTheGateway() throws Exception {
    SoftwareControllerKey a = key();
    SoftwareControllerKey b = key();
    VersionRecord v1 = org1.ledger().submit(FabricDocuments.create(net.channel(), a));
    VersionRecord v2 = org1.ledger().submit(rotate(v1, a, b));
    assertEquals(2, v2.sequence());

    // Resolved through the other organisation's peer: the same verified history.
    FabricDidResolver viaOrg2 = resolver(org2);
    DidResolutionResult latest = DidResolvers.builder().method(viaOrg2).build().resolve(v1.did());
    assertTrue(latest.error().isEmpty(), () -> latest.toString());
    assertEquals(v2.versionId(), latest.didDocumentMetadata().versionId().orElseThrow());
    DidResolutionResult first =
        DidResolvers.builder()
            .method(viaOrg2)
            .build()
            .resolve(
                v1.did(),
                new ResolutionOptions(
                    Optional.of(v1.versionId()), Optional.empty(), Optional.empty(), Map.of()));
    assertEquals(v1.versionId(), first.didDocumentMetadata().versionId().orElseThrow());
    assertTrue(
        dev.sovereign.did.DidJson.write(first).contains(a.publicKey().multibase()),
        "version 1 carries the first key");

    // The old key can no longer write; a stale prevVersionId is refused with its code.
    RejectedException notController =
        assertThrows(RejectedException.class, () -> org1.ledger().submit(rotate(v2, a, a)));
    assertEquals(ReasonCode.BAD_SIGNATURE, notController.reason());
    RejectedException stale =
        assertThrows(RejectedException.class, () -> org1.ledger().submit(rotate(v1, a, b)));
    assertTrue(
        Set.of(ReasonCode.STALE_PREV_VERSION, ReasonCode.REPLAYED_OPERATION)
            .contains(stale.reason()),
        stale.reason().code());

    VersionRecord v3 =
        org1.ledger()
            .submit(FabricDocuments.deactivate(v1.did(), v2.versionId(), v1.did() + "#key-1", b));
    assertTrue(v3.deactivates());
    DidResolutionResult gone =
        DidResolvers.builder().method(resolver(org1)).build().resolve(v1.did());
    assertTrue(gone.isDeactivated());
    VerifiedDidLog log = OperationLogVerifier.verify(v1.did(), org2.ledger().exportLog(v1.did()));
    assertEquals(
        List.of(v1.versionId(), v2.versionId(), v3.versionId()),
        log.records().stream().map(VersionRecord::versionId).toList());
    RejectedException deactivated =
        assertThrows(RejectedException.class, () -> org1.ledger().submit(rotate(v3, b, a)));
    assertEquals(ReasonCode.DEACTIVATED, deactivated.reason());
  }

  @Test
  void aPerDidPolicyNeedsBothOrganisationsAndOneOrganisationAloneIsInvalidatedWithItsCode()
      throws Exception {
    assertEquals(Set.of("Org1MSP", "Org2MSP"), org1.ledger().channelOrganisations());
    SoftwareControllerKey a = key();
    SoftwareControllerKey b = key();
    VersionRecord v1 =
        org1.ledger()
            .createWithEndorsement(
                FabricDocuments.create(net.channel(), a), List.of("Org1MSP", "Org2MSP"));
    // Through the Gateway, which reads the key's policy and collects both organisations.
    VersionRecord v2 = org1.ledger().submit(rotate(v1, a, b));
    assertEquals(2, v2.sequence());

    // The same kind of write endorsed by Org1 alone: ordered, then invalidated by the committing
    // peers; nothing changes.
    Contract contract = org1.ledger().gateway().getNetwork(net.channel()).getContract("didfabric");
    Operation third = rotate(v2, b, a);
    Status status =
        contract
            .newProposal("update")
            .addArguments(new String(third.toBytes(), StandardCharsets.UTF_8))
            .setEndorsingOrganizations("Org1MSP")
            .build()
            .endorse()
            .submitAsync()
            .getStatus();
    assertEquals(TxValidationCode.ENDORSEMENT_POLICY_FAILURE, status.getCode());
    assertEquals(
        v2.versionId(),
        OperationLogVerifier.verify(v1.did(), org1.ledger().exportLog(v1.did()))
            .current()
            .versionId());

    // A DID without its own policy is governed by the chaincode's (either organisation).
    SoftwareControllerKey c = key();
    VersionRecord plain = org1.ledger().submit(FabricDocuments.create(net.channel(), c));
    Operation plainUpdate = rotate(plain, c, a);
    Status one =
        contract
            .newProposal("update")
            .addArguments(new String(plainUpdate.toBytes(), StandardCharsets.UTF_8))
            .setEndorsingOrganizations("Org1MSP")
            .build()
            .endorse()
            .submitAsync()
            .getStatus();
    assertTrue(one.isSuccessful(), one.getCode().name());
  }

  @Test
  void aPolicyNamingAnOrganisationOutsideTheChannelIsRefusedAtCreateAndNothingIsWritten()
      throws Exception {
    Operation create = FabricDocuments.create(net.channel(), key());
    RejectedException e =
        assertThrows(
            RejectedException.class,
            () -> org1.ledger().createWithEndorsement(create, List.of("Org1MSP", "Org3MSP")));
    assertEquals(ReasonCode.UNKNOWN_ENDORSING_ORG, e.reason());
    RejectedException absent =
        assertThrows(RejectedException.class, () -> org1.ledger().exportLog(create.did()));
    assertEquals(ReasonCode.DID_NOT_FOUND, absent.reason());
    // The same create without the bad organisation then works: nothing was half-written.
    assertEquals(1, org1.ledger().createWithEndorsement(create, List.of("Org2MSP")).sequence());
  }

  @Test
  void endorsedReadsCarryBothOrganisationsAndAreRefusedWithOneOrganisationUnpinned()
      throws Exception {
    VersionRecord v1 = org1.ledger().submit(FabricDocuments.create(net.channel(), key()));
    byte[] read = org1.ledger().endorsedHead(v1.did(), "n1");
    Set<String> orgs = new TreeSet<>();
    for (JsonNode e : Jcs.parseObject(read).get("endorsements")) {
      orgs.add(e.get("mspId").asText());
    }
    assertEquals(Set.of("Org1MSP", "Org2MSP"), orgs);
    Instant now = Instant.now();
    assertEquals(
        v1.versionId(),
        EndorsementVerifier.create(
                Map.of("Org1MSP", List.of(ca("org1")), "Org2MSP", List.of(ca("org2"))), 2)
            .verify(v1.did(), "n1", read, now)
            .versionId());

    RejectedException unpinned =
        assertThrows(
            RejectedException.class,
            () ->
                EndorsementVerifier.create(Map.of("Org1MSP", List.of(ca("org1"))), 2)
                    .verify(v1.did(), "n1", read, now));
    assertEquals(ReasonCode.ENDORSEMENT_INVALID, unpinned.reason());
    RejectedException swapped =
        assertThrows(
            RejectedException.class,
            () ->
                EndorsementVerifier.create(
                        Map.of("Org1MSP", List.of(ca("org2")), "Org2MSP", List.of(ca("org1"))), 1)
                    .verify(v1.did(), "n1", read, now));
    assertEquals(ReasonCode.ENDORSEMENT_INVALID, swapped.reason());
    RejectedException otherNonce =
        assertThrows(
            RejectedException.class, () -> org1.verifier().verify(v1.did(), "n2", read, now));
    assertEquals(ReasonCode.ENDORSEMENT_MISMATCH, otherNonce.reason());

    // The resolver with only Org1 pinned and two organisations required refuses the DID.
    Map<String, String> oneOrg = new HashMap<>(net.settings("org1", "org1"));
    oneOrg.put("fabric.minEndorsingOrgs", "2");
    try (FabricGatewayConnection c = FabricGatewayConnection.connect(oneOrg)) {
      DidResolutionResult r = DidResolvers.builder().method(resolver(c)).build().resolve(v1.did());
      assertEquals(
          ReasonCode.ENDORSEMENT_INVALID.code(),
          r.didResolutionMetadata().extra().get("reasonCode"));
    }
  }

  /**
   * Which CA mode ran, told apart: with {@code bin/fabric-ca-server} and {@code
   * bin/fabric-ca-client} in the release directory, each organisation's identities come from its
   * own running Fabric CA server. The server's root (read live from its {@code cainfo} endpoint
   * over TLS) is the CA the clients pin; the peer that endorsed a real read, the TLS certificate
   * the peer presents on its listener and the Gateway user's certificate are all issued by it and
   * recorded in the CA server's database for the identities registered there; the two
   * organisations' roots differ and one's peer does not verify under the other's root. Without the
   * CA binaries: cryptogen, and no CA server process.
   */
  @Test
  void eachOrganisationsIdentitiesComeFromItsOwnRunningFabricCaServerWhenTheReleaseHasOne()
      throws Exception {
    String expected = FabricNetwork.expectedCaMode(FabricNetwork.configuredHome().orElseThrow());
    assertEquals(expected, net.caMode());
    if (expected.equals("cryptogen")) {
      assertFalse(net.hasProcess("ca-org1") || net.hasProcess("ca-org2"));
      assertTrue(net.find("org1.caServer.address").isEmpty());
      return;
    }
    VersionRecord v1 = org1.ledger().submit(FabricDocuments.create(net.channel(), key()));
    Map<String, X509Certificate> endorsers = new HashMap<>();
    for (JsonNode e :
        Jcs.parseObject(org1.ledger().endorsedHead(v1.did(), "ca")).get("endorsements")) {
      byte[] id = Base64.getUrlDecoder().decode(e.get("endorser").asText());
      endorsers.put(
          e.get("mspId").asText(),
          certificate(SerializedIdentity.parseFrom(id).getIdBytes().toByteArray()));
    }
    Map<String, X509Certificate> roots = new HashMap<>();
    for (String org : List.of("org1", "org2")) {
      assertTrue(net.hasProcess("ca-" + org), org);
      X509Certificate root = caServerRoot(org);
      roots.put(org, root);
      assertEquals(ca(org), root, org + ": the pinned CA is the running CA server's root");
      assertEquals(root.getSubjectX500Principal(), root.getIssuerX500Principal());

      X509Certificate endorser = endorsers.get(net.mspId(org));
      endorser.verify(root.getPublicKey());
      assertTrue(endorser.getSubjectX500Principal().getName().contains("OU=peer"), org);
      X509Certificate tls = peerTlsCertificate(org);
      tls.verify(root.getPublicKey());
      X509Certificate user = certificate(Files.readAllBytes(Path.of(net.get(org + ".user.cert"))));
      user.verify(root.getPublicKey());

      String identities = caClient(org, "identity", "list");
      for (String entry : net.get(org + ".caServer.enrolled").split(",")) {
        String[] nameType = entry.split(":");
        assertTrue(
            identities.contains("Name: " + nameType[0] + ", Type: " + nameType[1] + ","),
            identities);
      }
      Set<X509Certificate> peerIssued = issuedBy(org, "peer0." + org + ".example.com");
      assertTrue(peerIssued.contains(endorser), org + ": the endorser's certificate");
      assertTrue(peerIssued.contains(tls), org + ": the peer's TLS certificate");
      assertTrue(issuedBy(org, "user1").contains(user), org + ": the Gateway user's certificate");
    }
    assertNotEquals(roots.get("org1"), roots.get("org2"));
    assertThrows(
        SignatureException.class,
        () -> endorsers.get("Org2MSP").verify(roots.get("org1").getPublicKey()));
  }

  private static X509Certificate certificate(byte[] encoded) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(encoded));
  }

  /** TLS that trusts exactly {@code org}'s pinned CA. */
  private static SSLContext trusting(String org) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry(org, ca(org));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** The root the running CA server of {@code org} answers on {@code GET /api/v1/cainfo}. */
  private static X509Certificate caServerRoot(String org) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(trusting(org)).build();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "https://"
                            + net.get(org + ".caServer.address")
                            + "/api/v1/cainfo?ca="
                            + net.get(org + ".caServer.name")))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonNode info = new ObjectMapper().readTree(r.body()).get("result");
    assertEquals(net.get(org + ".caServer.name"), info.get("CAName").asText());
    return certificate(Base64.getDecoder().decode(info.get("CAChain").asText()));
  }

  /** The certificate {@code org}'s peer presents on its (Gateway) listener. */
  private static X509Certificate peerTlsCertificate(String org) throws Exception {
    String[] hostPort = net.get(org + ".peer.address").split(":");
    try (SSLSocket socket =
        (SSLSocket)
            trusting(org)
                .getSocketFactory()
                .createSocket(hostPort[0], Integer.parseInt(hostPort[1]))) {
      socket.setSoTimeout(30_000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  /** The certificates {@code org}'s CA server has on record as issued to {@code id}. */
  private static Set<X509Certificate> issuedBy(String org, String id) throws Exception {
    Path store = Files.createTempDirectory("fabric-ca-certs");
    try {
      caClient(org, "certificate", "list", "--id", id, "--store", store.toString());
      Set<X509Certificate> issued = new HashSet<>();
      try (var files = Files.list(store)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          issued.add(certificate(Files.readAllBytes(f)));
        }
      }
      assertFalse(issued.isEmpty(), id);
      return issued;
    } finally {
      try (var files = Files.list(store)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.delete(f);
        }
      }
      Files.delete(store);
    }
  }

  /**
   * Runs {@code fabric-ca-client ARGS} against {@code org}'s CA server as the registrar the script
   * enrolled (its certificate authenticates the request; no secret is involved); its output.
   */
  private static String caClient(String org, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(
        FabricNetwork.configuredHome().orElseThrow().resolve("bin/fabric-ca-client").toString());
    cmd.addAll(List.of(args));
    cmd.addAll(
        List.of(
            "--caname",
            net.get(org + ".caServer.name"),
            "--tls.certfiles",
            net.get(org + ".caServer.root")));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("FABRIC_CA_CLIENT_HOME", net.get(org + ".caServer.registrarHome"));
    pb.environment().put("FABRIC_CA_CLIENT_URL", "https://" + net.get(org + ".caServer.address"));
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void chaincodeEventsInvalidateTheCachedResolutionWellWithinItsTtl() throws Exception {
    SoftwareControllerKey a = key();
    SoftwareControllerKey b = key();
    VersionRecord v1 = org1.ledger().submit(FabricDocuments.create(net.channel(), a));
    CachingDidResolver cache =
        CachingDidResolver.builder(DidResolvers.builder().method(resolver(org1)).build())
            .latestTtl(Duration.ofHours(1))
            .build();
    assertEquals(
        v1.versionId(), cache.resolve(v1.did()).didDocumentMetadata().versionId().orElseThrow());
    try (FabricChaincodeEvents events =
        FabricChaincodeEvents.follow(
            org2.ledger().gateway().getNetwork(net.channel()), "didfabric", cache)) {
      Thread.sleep(500); // the event stream is open before the write
      VersionRecord v2 = org1.ledger().submit(rotate(v1, a, b));
      long committed = System.nanoTime();
      String seen = null;
      while (System.nanoTime() - committed < TimeUnit.SECONDS.toNanos(30)) {
        seen = cache.resolve(v1.did()).didDocumentMetadata().versionId().orElseThrow();
        if (seen.equals(v2.versionId())) {
          break;
        }
        Thread.sleep(10);
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - committed);
      System.out.printf(
          "FabricNetworkIT: cache served the rotated key %d ms after the commit returned (TTL 1 h)%n",
          ms);
      assertEquals(v2.versionId(), seen, "the cache never saw the rotation within 30 s");
    }
  }

  @Test
  @Order(Integer.MAX_VALUE) // kills and restarts network processes: after every other test
  void killingAChaincodeServerOrAPeerMidWriteLeavesNothingHalfWrittenAndTheRegistryRecovers()
      throws Exception {
    for (String victim : List.of("chaincode-org2", "peer-org2")) {
      int writers = 4;
      Map<String, Operation> attempted = new ConcurrentHashMap<>();
      Map<String, VersionRecord> acknowledged = new ConcurrentHashMap<>();
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        futures.add(
            pool.submit(
                () -> {
                  while (!stop.get()) {
                    SoftwareControllerKey k = key();
                    Operation create = FabricDocuments.create(net.channel(), k);
                    attempted.put(create.did(), create);
                    inFlight.incrementAndGet();
                    try {
                      // Writes go through Org2's peer, whose chaincode or whole peer is killed.
                      acknowledged.put(create.did(), org2.ledger().submit(create));
                    } catch (RejectedException | RuntimeException e) {
                      failed.incrementAndGet();
                      try {
                        Thread.sleep(500);
                      } catch (InterruptedException ie) {
                        return null;
                      }
                    } finally {
                      inFlight.decrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      Thread.sleep(1000);
      int atKill = inFlight.get();
      net.kill(victim);
      Thread.sleep(700);
      stop.set(true);
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
      pool.shutdown();
      assertTrue(atKill > 0, "writes were in flight when " + victim + " was killed");
      assertTrue(
          failed.get() > 0 || victim.startsWith("chaincode"), "killing the peer failed writes");
      net.restart(victim);
      awaitBothOrganisations();

      // Recovery: every write that was acknowledged is there, every DID is either absent or a
      // complete verifiable log, and each unacknowledged write can be retried to a definite end.
      for (Map.Entry<String, Operation> e : attempted.entrySet()) {
        String did = e.getKey();
        VersionRecord acked = acknowledged.get(did);
        Optional<VerifiedDidLog> log = logEventually(did);
        if (acked != null) {
          assertEquals(acked.versionId(), log.orElseThrow().current().versionId(), did);
        }
        if (log.isEmpty()) {
          VersionRecord retried = retry(e.getValue());
          assertEquals(1, retried.sequence());
        } else {
          assertEquals(1, log.get().records().size(), did);
          RejectedException again =
              assertThrows(RejectedException.class, () -> org2.ledger().submit(e.getValue()));
          assertEquals(ReasonCode.REPLAYED_OPERATION, again.reason(), did);
        }
        // Both organisations' peers agree on the head (endorsed read from both, verified).
        assertFalse(resolver(org1).verifiedCurrentLog(did).deactivated());
      }
      System.out.printf(
          "FabricNetworkIT: %s killed with %d writes in flight; %d attempted, %d acknowledged, %d failed%n",
          victim, atKill, attempted.size(), acknowledged.size(), failed.get());
    }
  }

  /**
   * Waits until a peer of each organisation endorses (at start, and after a restart until gossip
   * finds the restarted peer).
   */
  private static void awaitBothOrganisations() throws Exception {
    VersionRecord probe = retry(FabricDocuments.create(net.channel(), key()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      try {
        resolver(org1).verifiedCurrentLog(probe.did());
        return;
      } catch (FabricLedgerUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  /** The DID's verified log, retrying while the restarted process catches up; empty if absent. */
  private static Optional<VerifiedDidLog> logEventually(String did) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return Optional.of(OperationLogVerifier.verify(did, org1.ledger().exportLog(did)));
      } catch (RejectedException e) {
        if (e.reason() == ReasonCode.DID_NOT_FOUND) {
          return Optional.empty();
        }
        throw e;
      } catch (FabricLedgerUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  private static VersionRecord retry(Operation op) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return org2.ledger().submit(op);
      } catch (FabricLedgerUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }
}
