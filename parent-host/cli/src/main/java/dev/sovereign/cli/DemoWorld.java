package dev.sovereign.cli;

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
 * status list per authority, and producers holding credentials from their zone's authority. Keys
 * are did:key Ed25519, in memory only.
 */
final class DemoWorld {
  static final List<String> ZONES = List.of("EU", "US", "APAC");
  static final String DATASET = dev.sovereign.enclave.policy.DevPolicy.DATASET;
  static final String STATUS_BASE = "https://status.sovereign.demo/";

  /** One authority pair of a zone. */
  record Zone(String name, ProducerIdentity root, ProducerIdentity authority, String accreditation,
      StatusListIssuer statusList) {}

  /** A producer, its zone, its credential (with the accreditation above it) and its status list index. */
  record Producer(String name, String zone, ProducerIdentity identity, String credential, String accreditation,
      long statusIndex) {
    List<String> credentials() {
      return List.of(credential, accreditation);
    }
  }

  final Map<String, Zone> zones = new LinkedHashMap<>();
  final Map<String, Producer> producers = new LinkedHashMap<>();
  /** A key that belongs to no producer: the forger's. */
  final ProducerIdentity stranger;
  final Map<String, String> statusLists = new LinkedHashMap<>();

  private DemoWorld(ProducerIdentity stranger) {
    this.stranger = stranger;
  }

  /** Builds the world: authorities, accreditations, producers {@code names} (name -> zone), status lists. */
  static DemoWorld create(Map<String, String> producerZones, Set<String> revoked, Instant now, SecureRandom random)
      throws CredentialSigner.SigningException {
    DemoWorld w = new DemoWorld(ProducerIdentity.generate(random));
    for (String z : ZONES) {
      ProducerIdentity root = ProducerIdentity.generate(random);
      ProducerIdentity authority = ProducerIdentity.generate(random);
      String accreditation = Accreditations.draft(CredentialIssuer.of(root.signer()), authority.did().toString(),
          EnumSet.of(Accreditations.Role.ATTEST), Scope.of(Set.of(z), Set.of(z), Set.of(DATASET)),
          now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365))).sign();
      StatusListIssuer list = StatusListIssuer.create(CredentialIssuer.of(authority.signer()),
          STATUS_BASE + z.toLowerCase(java.util.Locale.ROOT) + "/revocation", StatusPurpose.REVOCATION);
      w.zones.put(z, new Zone(z, root, authority, accreditation, list));
    }
    long index = 7;
    for (Map.Entry<String, String> p : producerZones.entrySet()) {
      Zone z = w.zones.get(p.getValue());
      ProducerIdentity id = ProducerIdentity.generate(random);
      long i = index;
      index += 13;
      String credential = CredentialIssuer.of(z.authority().signer()).credential("ProducerCredential")
          .id("urn:sovereign:demo:credential:" + p.getKey())
          .subject(id.did().toString())
          .claim("region", z.name())
          .claim("datasets", List.of(DATASET))
          .validFrom(now.minus(Duration.ofHours(1)))
          .validUntil(now.plus(Duration.ofDays(30)))
          .status(StatusPurpose.REVOCATION, z.statusList().url(), i)
          .sign();
      w.producers.put(p.getKey(), new Producer(p.getKey(), z.name(), id, credential, z.accreditation(), i));
      if (revoked.contains(p.getKey())) {
        z.statusList().set(i, true);
      }
    }
    for (Zone z : w.zones.values()) {
      w.statusLists.put(z.statusList().url(), z.statusList().publish(now, Duration.ofDays(1), Duration.ofHours(1)));
    }
    return w;
  }

  /** The policy's trust anchors: the root authority DID of each zone. */
  Map<String, String> trustAnchors() {
    Map<String, String> m = new LinkedHashMap<>();
    zones.forEach((k, v) -> m.put(k, v.root().did().toString()));
    return m;
  }

  /** Every producer's chain plus the status lists, as the regulator reads them. */
  CredentialChains chains() {
    List<CredentialChains.Chain> chains = new ArrayList<>();
    for (Producer p : producers.values()) {
      chains.add(new CredentialChains.Chain(p.identity().did().toString(), p.credential(), List.of(p.accreditation())));
    }
    return new CredentialChains(chains, statusLists);
  }
}
