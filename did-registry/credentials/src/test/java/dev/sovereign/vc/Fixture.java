package dev.sovereign.vc;

import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.KeyType;
import dev.sovereign.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One issuer with a revocation and a suspension list, a mutable clock and an evidence map of lists.
 */
final class Fixture {
  static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");
  static final String REVOCATION_URL = "https://authority.example/status/revocation/1";
  static final String SUSPENSION_URL = "https://authority.example/status/suspension/1";

  final VersionedDidResolver resolver =
      new VersionedDidResolver(DidResolvers.builder().withDidKey().build());
  final TestIssuer issuer = TestIssuer.didKey(KeyType.ED25519);
  final StatusListIssuer revocations =
      StatusListIssuer.create(issuer.issuer(), REVOCATION_URL, StatusPurpose.REVOCATION);
  final StatusListIssuer suspensions =
      StatusListIssuer.create(issuer.issuer(), SUSPENSION_URL, StatusPurpose.SUSPENSION);
  final Map<String, String> published = new ConcurrentHashMap<>();
  final AtomicInteger fetches = new AtomicInteger();
  final MutableClock clock = new MutableClock(T0);

  Fixture() throws Exception {
    publishLists();
  }

  void publishLists() throws Exception {
    published.put(
        REVOCATION_URL,
        revocations.publish(clock.instant(), Duration.ofDays(7), Duration.ofMinutes(5)));
    published.put(
        SUSPENSION_URL,
        suspensions.publish(clock.instant(), Duration.ofDays(7), Duration.ofMinutes(5)));
  }

  StatusListSource source() {
    return url -> {
      fetches.incrementAndGet();
      String jwt = published.get(url);
      if (jwt == null) {
        throw new StatusListSource.UnreachableException(url, "HTTP 404 for " + url);
      }
      return jwt;
    };
  }

  CredentialVerifier.Builder verifierBuilder() {
    return CredentialVerifier.builder(resolver).clock(clock).statusLists(source());
  }

  CredentialVerifier verifier() {
    return verifierBuilder().build();
  }

  /** A producer credential with both status entries at {@code index}. */
  CredentialIssuer.Draft credential(long index) {
    return issuer
        .issuer()
        .credential("ProducerAuthorization")
        .id("urn:uuid:cred-" + index)
        .subject("did:example:producer")
        .claim("region", "EU")
        .claim("datasets", java.util.List.of("loyalty-points"))
        .validFrom(T0.minus(Duration.ofDays(1)))
        .validUntil(T0.plus(Duration.ofDays(30)))
        .status(StatusPurpose.REVOCATION, REVOCATION_URL, index)
        .status(StatusPurpose.SUSPENSION, SUSPENSION_URL, index);
  }
}
