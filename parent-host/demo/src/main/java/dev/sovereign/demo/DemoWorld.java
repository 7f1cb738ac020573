package dev.sovereign.demo;

import dev.sovereign.did.fabric.core.DidFabricLedger;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.ledger.EmbeddedLedger;
import dev.sovereign.producer.CredentialChains;
import dev.sovereign.producer.ProducerIdentity;
import dev.sovereign.vc.Accreditations;
import dev.sovereign.vc.CredentialIssuer;
import dev.sovereign.vc.CredentialSigner;
import dev.sovereign.vc.Scope;
import dev.sovereign.vc.StatusListIssuer;
import dev.sovereign.vc.StatusPurpose;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The demo's development world, made fresh on every run: per sovereignty zone a root authority (the
 * policy's trust anchor) and a regional authority it accredits to attest producers, one revocation
 * status list per authority, and producers holding credentials from their zone's authority.
 * Authorities are did:key. Producers are did:fabric DIDs registered on an embedded ledger (the
 * ledger's contract path, as {@code sovereign did create} writes them), each created with the
 * producer's Ed25519 payload key as its {@code #key-1}; the enclave accepts them only from evidence
 * the host relays from that ledger, verified against the ledger's organisation CA the policy pins.
 * Without a ledger producers are did:key. Keys are Ed25519, in memory only.
 */
public final class DemoWorld {
  static final List<String> ZONES = List.of("EU", "US", "APAC");
  public static final String DATASET = dev.sovereign.enclave.policy.DevPolicy.DATASET;
  static final String STATUS_BASE = "https://status.sovereign.demo/";

  /** One authority pair of a zone. */
  public record Zone(
      String name,
      ProducerIdentity root,
      ProducerIdentity authority,
      String accreditation,
      StatusListIssuer statusList) {}

  /**
   * A producer, its zone, its credential (with the accreditation above it) and its status list
   * index.
   */
  public record Producer(
      String name,
      String zone,
      ProducerIdentity identity,
      String credential,
      String accreditation,
      long statusIndex) {
    public List<String> credentials() {
      return List.of(credential, accreditation);
    }
  }

  final Map<String, Zone> zones = new LinkedHashMap<>();
  final Map<String, Producer> producers = new LinkedHashMap<>();

  /** A key that belongs to no producer: the forger's. */
  final ProducerIdentity stranger;

  final Map<String, String> statusLists = new LinkedHashMap<>();

  /**
   * The did:fabric network the producers are on and the CA (PEM) of each of its organisations, by
   * MSP id; null and empty without a ledger.
   */
  String fabricNetwork;

  final Map<String, String> fabricOrgCas = new LinkedHashMap<>();

  private DemoWorld(ProducerIdentity stranger) {
    this.stranger = stranger;
  }

  /**
   * Builds the world: authorities, accreditations, producers {@code names} (name -> zone), status
   * lists; producers are did:fabric DIDs created on {@code ledger}, or did:key when it is null.
   */
  public static DemoWorld create(
      Map<String, String> producerZones,
      Set<String> revoked,
      Instant now,
      SecureRandom random,
      EmbeddedLedger ledger)
      throws CredentialSigner.SigningException, RejectedException {
    return ledger == null
        ? create(producerZones, revoked, now, random, null, Map.of())
        : create(
            producerZones,
            revoked,
            now,
            random,
            ledger,
            Map.of(ledger.mspId(), pem(ledger.orgCaCertificate())));
  }

  /**
   * As above on any did:fabric ledger (the embedded one or a Fabric network through its Gateway),
   * whose organisations' CAs ({@code orgCas}, MSP id to PEM) the policy pins.
   */
  public static DemoWorld create(
      Map<String, String> producerZones,
      Set<String> revoked,
      Instant now,
      SecureRandom random,
      DidFabricLedger ledger,
      Map<String, String> orgCas)
      throws CredentialSigner.SigningException, RejectedException {
    DemoWorld w = new DemoWorld(ProducerIdentity.generate(random));
    if (ledger != null) {
      w.fabricNetwork = ledger.network();
      w.fabricOrgCas.putAll(orgCas);
    }
    for (String z : ZONES) {
      ProducerIdentity root = ProducerIdentity.generate(random);
      ProducerIdentity authority = ProducerIdentity.generate(random);
      String accreditation =
          Accreditations.draft(
                  CredentialIssuer.of(root.signer()),
                  authority.did().toString(),
                  EnumSet.of(Accreditations.Role.ATTEST),
                  Scope.of(Set.of(z), Set.of(z), Set.of(DATASET)),
                  now.minus(Duration.ofHours(1)),
                  now.plus(Duration.ofDays(365)))
              .sign();
      StatusListIssuer list =
          StatusListIssuer.create(
              CredentialIssuer.of(authority.signer()),
              STATUS_BASE + z.toLowerCase(java.util.Locale.ROOT) + "/revocation",
              StatusPurpose.REVOCATION);
      w.zones.put(z, new Zone(z, root, authority, accreditation, list));
    }
    long index = 7;
    for (Map.Entry<String, String> p : producerZones.entrySet()) {
      Zone z = w.zones.get(p.getValue());
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      ProducerIdentity id = ProducerIdentity.fromSeed(seed);
      if (ledger != null) {
        // sovereign did create: the genesis operation, signed by the controller key, through the
        // ledger's contract
        SoftwareControllerKey key = SoftwareControllerKey.fromSecret(Multikey.Type.ED25519, seed);
        String did = ledger.submit(FabricDocuments.create(ledger.network(), key)).did();
        id = id.controlling(did, did + "#key-1");
      }
      java.util.Arrays.fill(seed, (byte) 0);
      long i = index;
      index += 13;
      String credential =
          CredentialIssuer.of(z.authority().signer())
              .credential("ProducerCredential")
              .id("urn:sovereign:demo:credential:" + p.getKey())
              .subject(id.did().toString())
              .claim("region", z.name())
              .claim("datasets", List.of(DATASET))
              .validFrom(now.minus(Duration.ofHours(1)))
              .validUntil(now.plus(Duration.ofDays(30)))
              .status(StatusPurpose.REVOCATION, z.statusList().url(), i)
              .sign();
      w.producers.put(
          p.getKey(), new Producer(p.getKey(), z.name(), id, credential, z.accreditation(), i));
      if (revoked.contains(p.getKey())) {
        z.statusList().set(i, true);
      }
    }
    for (Zone z : w.zones.values()) {
      w.statusLists.put(
          z.statusList().url(),
          z.statusList().publish(now, Duration.ofDays(1), Duration.ofHours(1)));
    }
    return w;
  }

  private static String pem(java.security.cert.X509Certificate c) {
    try {
      return "-----BEGIN CERTIFICATE-----\n"
          + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("the ledger's CA certificate does not encode", e);
    }
  }

  /**
   * The world's sovereignty policy for the enclave image with {@code pcr0}: a zone per root
   * authority, the dataset grouped by country with minimum group size 2. Callers add what their
   * world needs (the demo pins its ledger's CA).
   */
  public dev.sovereign.enclave.policy.DevPolicy.Builder policy(String name, byte[] pcr0) {
    // the privacy unit is the producer: at most 4 payloads a round, 10 records per group, refused
    // beyond
    return policy(name, pcr0, 4, 10, false);
  }

  /**
   * The same policy with other per-producer bounds: {@code payloadsPerRound} payloads a round and
   * {@code recordsPerGroup} records per group, surplus records left out ({@code clamp}) or refused.
   */
  dev.sovereign.enclave.policy.DevPolicy.Builder policy(
      String name, byte[] pcr0, int payloadsPerRound, int recordsPerGroup, boolean clamp) {
    dev.sovereign.enclave.policy.DevPolicy.Builder policy =
        dev.sovereign.enclave.policy.DevPolicy.builder(name)
            .pcr0(pcr0)
            .minGroupSize(2)
            .functions("sum", "count", "mean")
            .privacy(payloadsPerRound, 10, recordsPerGroup, clamp, null);
    trustAnchors().forEach(policy::zone);
    return policy;
  }

  /** The producer named {@code name} (e.g. {@code eu-grocer}), or null. */
  public Producer producer(String name) {
    return producers.get(name);
  }

  /**
   * The zone named {@code name} (e.g. {@code EU}: its root, authority and status list), or null.
   */
  public Zone zone(String name) {
    return zones.get(name);
  }

  /** A key that belongs to no producer and no authority: the forger's. */
  public ProducerIdentity stranger() {
    return stranger;
  }

  /** Every producer, in the order they were made. */
  public java.util.Collection<Producer> producers() {
    return java.util.Collections.unmodifiableCollection(producers.values());
  }

  /** The zones' status lists (URL -> signed status list credential), as the host relays them. */
  public Map<String, String> statusLists() {
    return java.util.Collections.unmodifiableMap(statusLists);
  }

  /** The policy's trust anchors: the root authority DID of each zone. */
  public Map<String, String> trustAnchors() {
    Map<String, String> m = new LinkedHashMap<>();
    zones.forEach((k, v) -> m.put(k, v.root().did().toString()));
    return m;
  }

  /** Every producer's chain plus the status lists, as the regulator reads them. */
  public CredentialChains chains() {
    List<CredentialChains.Chain> chains = new ArrayList<>();
    for (Producer p : producers.values()) {
      chains.add(
          new CredentialChains.Chain(
              p.identity().did().toString(), p.credential(), List.of(p.accreditation())));
    }
    return new CredentialChains(chains, statusLists);
  }
}
