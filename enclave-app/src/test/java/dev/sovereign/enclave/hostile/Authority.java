package dev.sovereign.enclave.hostile;

import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.key.DidKey;
import dev.sovereign.vc.Accreditations;
import dev.sovereign.vc.CredentialIssuer;
import dev.sovereign.vc.CredentialSigner;
import dev.sovereign.vc.LocalSigners;
import dev.sovereign.vc.Scope;
import dev.sovereign.vc.StatusListIssuer;
import dev.sovereign.vc.StatusPurpose;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The EU zone's root and one accredited authority that issues producer credentials with a
 * revocation entry in its status list at {@link #STATUS_URL}, built with the credentials module's
 * issuing side (as an authority outside the enclave would).
 */
final class Authority {
  static final String STATUS_URL = "https://authority.example/status/EU";
  private static final SecureRandom RANDOM = new SecureRandom();

  final String rootDid;
  final CredentialSigner root;
  final String did;
  final CredentialSigner signer;
  final String accreditation;
  final StatusListIssuer lists;
  private long next;

  Authority() throws Exception {
    byte[] rootSeed = LocalSigners.generatePrivateKey(KeyType.ED25519, RANDOM);
    rootDid = did(rootSeed);
    root = LocalSigners.ed25519(rootSeed, kid(rootDid));
    byte[] seed = LocalSigners.generatePrivateKey(KeyType.ED25519, RANDOM);
    did = did(seed);
    signer = LocalSigners.ed25519(seed, kid(did));
    Instant now = Instant.now();
    accreditation =
        Accreditations.draft(
                CredentialIssuer.of(root),
                did,
                Set.of(Accreditations.Role.ATTEST),
                Scope.of(Set.of("EU"), Set.of("EU"), Set.of(InProcessEnclave.DATASET)),
                now.minusSeconds(3600),
                now.plus(Duration.ofDays(365)))
            .sign();
    lists =
        StatusListIssuer.create(CredentialIssuer.of(signer), STATUS_URL, StatusPurpose.REVOCATION);
  }

  /** A producer credential for {@code producerDid}; its status entry index is {@code index()}. */
  Issued credential(String producerDid) throws Exception {
    long index = next++;
    Instant now = Instant.now();
    String jwt =
        CredentialIssuer.of(signer)
            .credential("ProducerCredential")
            .subject(producerDid)
            .claim("region", "EU")
            .claim("datasets", List.of(InProcessEnclave.DATASET))
            .validFrom(now.minusSeconds(3600))
            .validUntil(now.plus(Duration.ofDays(30)))
            .status(StatusPurpose.REVOCATION, STATUS_URL, index)
            .sign();
    return new Issued(jwt, index);
  }

  /** A producer credential without {@code credentialStatus}: it can never be revoked. */
  String credentialWithoutStatus(String producerDid) throws Exception {
    Instant now = Instant.now();
    return CredentialIssuer.of(signer)
        .credential("ProducerCredential")
        .subject(producerDid)
        .claim("region", "EU")
        .claim("datasets", List.of(InProcessEnclave.DATASET))
        .validFrom(now.minusSeconds(3600))
        .validUntil(now.plus(Duration.ofDays(30)))
        .sign();
  }

  record Issued(String jwt, long index) {}

  /** The current list, signed as issued {@code ago} before now. */
  String publish(Duration ago) throws Exception {
    return lists.publish(Instant.now().minus(ago), Duration.ofDays(2), Duration.ofMinutes(5));
  }

  private static String did(byte[] seed) {
    byte[] pub = LocalSigners.publicKeyOf(KeyType.ED25519, seed).rawPublicKey();
    return DidKey.fromKey(PublicKeyMaterial.of(KeyType.ED25519, pub)).toString();
  }

  private static String kid(String did) {
    return did + "#" + did.substring("did:key:".length());
  }
}
