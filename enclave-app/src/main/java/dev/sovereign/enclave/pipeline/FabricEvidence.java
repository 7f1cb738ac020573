package dev.sovereign.enclave.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.did.fabric.core.EndorsementVerifier;
import dev.sovereign.did.fabric.core.FabricDid;
import dev.sovereign.did.fabric.core.FabricDidEvidence;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.VerifiedDidLog;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * did:fabric evidence inside the enclave (method spec section 11.1). The enclave issues nonces; the
 * host answers with evidence objects {@code {"did", "log", "endorsedRead"}} whose endorsed read is
 * for one of those nonces. Each object is verified with the did-fabric-core verifiers against the
 * organisation CAs and chaincode the policy pins for the DID's network: the log's hash chain and
 * controller signatures, the endorsements, the nonce, and that the log ends at the endorsed
 * version. Only verified logs are stored; evidence that fails leaves its reason code (unless a
 * verified log for the DID is already held, which bad evidence never replaces).
 */
public final class FabricEvidence {
  /** How long an issued nonce is accepted in an endorsed read. */
  public static final Duration NONCE_TTL = Duration.ofMinutes(10);

  /** Outstanding nonces; the oldest are dropped beyond this. */
  public static final int MAX_NONCES = 256;

  /** DIDs whose evidence the enclave holds at once. */
  public static final int MAX_DIDS = 100_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Network> networks = new HashMap<>();
  private final Clock clock;
  private final SecureRandom random;
  private final Map<String, Instant> nonces = new ConcurrentHashMap<>();
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  private record Network(EndorsementVerifier verifier, Duration maxAge) {}

  /** What the enclave knows about one did:fabric DID. */
  public sealed interface Lookup {}

  /** Evidence verified at {@code verifiedAt}, within its network's maximum age. */
  public record Verified(VerifiedDidLog log, Instant verifiedAt) implements Lookup {}

  /** The last evidence supplied for the DID failed with {@code reason}; no verified log is held. */
  public record Invalid(ReasonCode reason) implements Lookup {}

  /**
   * No evidence, evidence older than the network's maximum age, or a network the policy does not
   * pin.
   */
  public record Missing(String why) implements Lookup {}

  private record Held(VerifiedDidLog log, Instant verifiedAt, ReasonCode failure) {}

  public FabricEvidence(SovereigntyPolicy policy, Clock clock, SecureRandom random) {
    this.clock = clock;
    this.random = random;
    for (SovereigntyPolicy.FabricNetwork n : policy.fabricNetworks().values()) {
      Map<String, java.util.List<java.security.cert.X509Certificate>> cas =
          new HashMap<>(n.organisations());
      networks.put(
          n.network(),
          new Network(
              EndorsementVerifier.create(cas, n.minEndorsingOrgs(), n.chaincode()),
              n.evidenceMaxAge()));
    }
  }

  /** A fresh 128-bit nonce (base64url) for endorsed reads, accepted for {@link #NONCE_TTL}. */
  public String issueNonce() {
    Instant now = clock.instant();
    nonces.entrySet().removeIf(e -> !e.getValue().isAfter(now));
    while (nonces.size() >= MAX_NONCES) {
      nonces.entrySet().stream()
          .min(Map.Entry.comparingByValue())
          .ifPresent(e -> nonces.remove(e.getKey()));
    }
    byte[] b = new byte[16];
    random.nextBytes(b);
    String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    nonces.put(nonce, now.plus(NONCE_TTL));
    return nonce;
  }

  /** When an issued nonce expires, if it is outstanding. */
  public Optional<Instant> nonceExpiry(String nonce) {
    return Optional.ofNullable(nonces.get(nonce));
  }

  /**
   * Verifies one evidence object and stores its log. Throws with the did:fabric reason code when it
   * does not verify (and records the failure for the DID unless a verified log is held).
   */
  public VerifiedDidLog supply(JsonNode evidence) throws RejectedException {
    String did =
        evidence != null && evidence.path("did").isTextual() ? evidence.get("did").asText() : null;
    if (did == null) {
      throw new RejectedException(ReasonCode.LOG_MALFORMED, null, "evidence has no did member");
    }
    try {
      VerifiedDidLog log = verify(did, evidence);
      if (held.size() >= MAX_DIDS && !held.containsKey(did)) {
        throw new RejectedException(
            ReasonCode.LOG_MALFORMED, did, "the enclave holds evidence for " + MAX_DIDS + " DIDs");
      }
      held.put(did, new Held(log, clock.instant(), null));
      return log;
    } catch (RejectedException e) {
      if (e.reason() != ReasonCode.MALFORMED_DID
          && (held.size() < MAX_DIDS || held.containsKey(did))) {
        held.compute(
            did,
            (k, old) -> old != null && old.log() != null ? old : new Held(null, null, e.reason()));
      }
      throw e;
    }
  }

  private VerifiedDidLog verify(String did, JsonNode evidence) throws RejectedException {
    FabricDid parsed = FabricDid.parse(did);
    Network network = networks.get(parsed.network());
    if (network == null) {
      throw new RejectedException(
          ReasonCode.WRONG_NETWORK, did, "the policy pins no CAs for network " + parsed.network());
    }
    String nonce = unverifiedNonce(did, evidence);
    Instant expiry = nonces.get(nonce);
    Instant now = clock.instant();
    if (expiry == null || !expiry.isAfter(now)) {
      throw new RejectedException(
          ReasonCode.ENDORSEMENT_MISMATCH,
          did,
          "the endorsed read is not for a nonce this enclave issued in the last "
              + NONCE_TTL.toMinutes()
              + " minutes");
    }
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(evidence);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new RejectedException(ReasonCode.LOG_MALFORMED, did, "evidence does not serialise");
    }
    return FabricDidEvidence.verify(did, nonce, bytes, network.verifier(), now);
  }

  /** The nonce the (not yet verified) head statement names; verification then binds it. */
  private static String unverifiedNonce(String did, JsonNode evidence) throws RejectedException {
    try {
      byte[] payload =
          Base64.getUrlDecoder().decode(evidence.path("endorsedRead").path("payload").asText(""));
      JsonNode statement = JSON.readTree(new String(payload, StandardCharsets.UTF_8));
      if (statement != null && statement.path("nonce").isTextual()) {
        return statement.get("nonce").asText();
      }
    } catch (IllegalArgumentException | java.io.IOException e) {
      // falls through to the rejection below
    }
    throw new RejectedException(
        ReasonCode.ENDORSEMENT_INVALID, did, "the endorsed read carries no head statement nonce");
  }

  /**
   * Whether evidence for {@code did} could verify here: a well-formed did:fabric DID of a network
   * the policy pins. Only such DIDs are named to the host as missing.
   */
  public boolean verifiable(String did) {
    try {
      return networks.containsKey(FabricDid.parse(did).network());
    } catch (RejectedException | RuntimeException e) {
      return false;
    }
  }

  /** What the enclave holds for {@code did} now. */
  public Lookup lookup(String did) {
    Held h = held.get(did);
    if (h == null) {
      return new Missing("no evidence supplied for " + did);
    }
    if (h.log() == null) {
      return new Invalid(h.failure());
    }
    String network = did.split(":", 4).length == 4 ? did.split(":", 4)[2] : "";
    Network n = networks.get(network);
    if (n == null) {
      return new Missing("the policy pins no CAs for network " + network);
    }
    if (clock.instant().isAfter(h.verifiedAt().plus(n.maxAge()))) {
      return new Missing("evidence for " + did + " is older than " + n.maxAge());
    }
    return new Verified(h.log(), h.verifiedAt());
  }
}
