package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import dev.sovereign.did.fabric.gateway.FabricGatewayConnection;
import dev.sovereign.did.fabric.gateway.FabricLedgerUnavailableException;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.server.EnclaveService;
import dev.sovereign.fabric.localnet.LocalFabricNetwork;
import dev.sovereign.testing.FabricNetwork;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host against a real two-organisation Fabric network ({@code scripts/fabric-network.sh}, one
 * start for this class; skipped without {@code -Dsovereign.fabric.home} or {@code FABRIC_HOME}):
 * the evidence relay fetches a producer's log and an endorsed read from both organisations' peers
 * and an enclave service (the real payload pipeline and did:fabric verifier, in process) accepts
 * it; the resolver endpoint's cache follows the chaincode events.
 */
class FabricNetworkHostIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static LocalFabricNetwork net;
  private static FabricGatewayConnection writer;
  private static Map<String, String> settings;
  private final ExecutorService verifiers = Executors.newFixedThreadPool(2);

  @BeforeAll
  static void network() throws Exception {
    assumeTrue(FabricNetwork.configuredHome().isPresent(), FabricNetwork.SKIP_MESSAGE);
    net = FabricNetwork.shared();
    settings = new HashMap<>(net.settings("org1", "org1", "org2"));
    settings.put("fabric.minEndorsingOrgs", "2");
    writer = FabricGatewayConnection.connect(settings);
    awaitBothOrganisations();
  }

  /**
   * Waits (at most 90 s) until both organisations' peers endorse a read. A network that has just
   * started answers before gossip has told Org1's peer about Org2's ("failed to find any endorsing
   * peers for org(s): Org2MSP"); on an idle machine the tests otherwise ran inside that window.
   */
  private static void awaitBothOrganisations() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    VersionRecord probe = null;
    while (true) {
      try {
        if (probe == null) {
          probe =
              writer
                  .ledger()
                  .submit(
                      FabricDocuments.create(
                          net.channel(), SoftwareControllerKey.generate(Multikey.Type.ED25519)));
        }
        writer.ledger().endorsedHead(probe.did(), "00112233445566778899aabbccddeeff");
        return;
      } catch (FabricLedgerUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  @AfterAll
  static void close() {
    if (writer != null) {
      writer.close();
    }
  }

  private static String pem(String org) throws Exception {
    return Files.readString(net.caCert(org));
  }

  private static Message.Verdict relayOne(Map<String, String> policyCas, int minOrgs)
      throws Exception {
    SoftwareControllerKey key = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    VersionRecord created = writer.ledger().submit(FabricDocuments.create(net.channel(), key));
    EnclaveIdentity identity = EnclaveIdentity.generate(new SecureRandom());
    ExecutorService verifiers = Executors.newFixedThreadPool(2);
    List<Map<String, ?>> audit = new ArrayList<>();
    try (EvidenceRelay.EmbeddedLedgers ledgers = new EvidenceRelay.EmbeddedLedgers(settings)) {
      EnclaveService enclave =
          EvidenceRelayFabricGatewayTest.enclaveService(
              EvidenceRelayFabricGatewayTest.policyYaml(policyCas, minOrgs), identity, verifiers);
      Message.Verdict v =
          EvidenceRelayFabricGatewayTest.relay(enclave, ledgers, audit)
              .submit(
                  EvidenceRelayFabricGatewayTest.ROUND,
                  List.of(EvidenceRelayFabricGatewayTest.payload(created.did(), key, identity)))
              .verdicts()
              .get(0);
      return v;
    } finally {
      verifiers.shutdownNow();
    }
  }

  @Test
  void theRelayCarriesEvidenceFromBothOrganisationsPeersAndTheEnclaveAcceptsIt() throws Exception {
    Message.Verdict v = relayOne(Map.of("Org1MSP", pem("org1"), "Org2MSP", pem("org2")), 2);
    assertEquals("accepted", v.outcome(), String.valueOf(v.reason()));
  }

  @Test
  void anEnclaveThatPinsAnotherCaForOneOrganisationRefusesTheEvidence() throws Exception {
    // Org2's endorsement does not chain to what the policy pins for Org2MSP: one organisation
    // counts, two are required.
    Message.Verdict v = relayOne(Map.of("Org1MSP", pem("org1"), "Org2MSP", pem("org1")), 2);
    assertEquals(new Message.Verdict("rejected", "did-evidence-invalid", null), v);
  }

  @Test
  void theResolverEndpointDropsARotatedKeyWhenTheChaincodeEventArrives() throws Exception {
    HostConfig config =
        (HostConfig)
            Proxy.newProxyInstance(
                HostConfig.class.getClassLoader(),
                new Class<?>[] {HostConfig.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("did")) {
                    return settings;
                  }
                  throw new UnsupportedOperationException(method.getName());
                });
    ResolverResource endpoint = new ResolverResource(config);
    try {
      SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
      SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.ED25519);
      VersionRecord v1 = writer.ledger().submit(FabricDocuments.create(net.channel(), a));
      assertEquals(v1.versionId(), versionId(endpoint.resolve(v1.did(), null, null)));
      Thread.sleep(500); // the event stream is open before the write
      VersionRecord v2 =
          writer
              .ledger()
              .submit(
                  FabricDocuments.update(
                      v1.did(),
                      v1.versionId(),
                      FabricDocuments.document(v1.did(), List.of(b.publicKey()), 1),
                      v1.did() + "#key-1",
                      a));
      long committed = System.nanoTime();
      String seen = v1.versionId();
      // The cache's staleness bound is 60 s: without the events it would serve v1 until then.
      while (System.nanoTime() - committed < TimeUnit.SECONDS.toNanos(20)) {
        seen = versionId(endpoint.resolve(v1.did(), null, null));
        if (seen.equals(v2.versionId())) {
          break;
        }
        Thread.sleep(10);
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - committed);
      System.out.printf(
          "FabricNetworkHostIT: the resolver endpoint served the rotated key %d ms after the commit"
              + " returned (cache TTL 60 s)%n",
          ms);
      assertEquals(v2.versionId(), seen, "still the rotated-away version 20 s after the commit");
      assertTrue(
          versionIdBody(endpoint.resolve(v1.did(), null, null))
              .path("didDocument")
              .toString()
              .contains(b.publicKey().multibase()));
    } finally {
      endpoint.close();
      verifiers.shutdownNow();
    }
  }

  private static String versionId(Response r) throws Exception {
    assertEquals(200, r.getStatus(), String.valueOf(r.getEntity()));
    return versionIdBody(r).at("/didDocumentMetadata/versionId").asText();
  }

  private static JsonNode versionIdBody(Response r) throws Exception {
    return JSON.readTree((String) r.getEntity());
  }
}
