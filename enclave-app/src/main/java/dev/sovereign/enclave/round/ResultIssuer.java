package dev.sovereign.enclave.round;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.MerkleTree;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Issues a round's result as a VCDM 2.0 credential secured with VC-JOSE-COSE: a compact JWS with
 * header {@code {"alg":"EdDSA","kid":<enclave verification method>,"typ":"vc+jwt"}} whose payload
 * is the credential itself, serialized with sorted keys, no whitespace and plain decimal numbers.
 */
public final class ResultIssuer {
  /** The result credential's type after {@code VerifiableCredential}. */
  public static final String TYPE = "SovereignAggregateResult";

  /** The JSON-LD context that defines the result's terms. */
  public static final String CONTEXT = "https://sovereign.dev/ns/aggregate/v1";

  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .nodeFactory(JsonNodeFactory.instance)
          .build();

  private final EnclaveIdentity identity;
  private final SovereigntyPolicy policy;
  private final byte[] attestationDocument;
  private final SecureRandom random;

  public ResultIssuer(
      EnclaveIdentity identity,
      SovereigntyPolicy policy,
      byte[] attestationDocument,
      SecureRandom random) {
    this.identity = identity;
    this.policy = policy;
    this.attestationDocument = attestationDocument.clone();
    this.random = random;
  }

  /** The signed result credential (compact JWS) of a closed round without noise or sealing. */
  public String issue(Round.Snapshot s, Instant now) {
    return issue(s, now, null, null);
  }

  /**
   * The signed result credential (compact JWS) of a closed round; {@code spend}: the privacy budget
   * after this round's spend (null when the dataset has no epsilon); {@code sealSequence}, when not
   * null, is the sequence of the seal that records this round as closed with this result.
   */
  public String issue(Round.Snapshot s, Instant now, PrivacyBudget.Spend spend, Long sealSequence) {
    byte[] root = MerkleTree.root(s.leaves());
    Aggregator.Disclosure d = s.aggregator().disclose(random);
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode vc = f.objectNode();
    vc.putArray("@context").add("https://www.w3.org/ns/credentials/v2").add(CONTEXT);
    vc.put("id", "urn:sovereign:result:" + s.round() + ":" + HexFormat.of().formatHex(root));
    vc.putArray("type").add("VerifiableCredential").add(TYPE);
    vc.put("issuer", identity.did());
    vc.put("validFrom", now.truncatedTo(ChronoUnit.SECONDS).toString());
    ObjectNode subject = vc.putObject("credentialSubject");
    subject.put("id", "urn:sovereign:round:" + s.round());
    subject.put("round", s.round());
    subject.put("dataset", s.dataset().name());
    subject.put("policySha256", policy.sha256Hex());
    subject.put("enclaveDid", identity.did());
    subject.put("enclaveRegion", policy.enclaveRegion());
    if (sealSequence != null) {
      subject.put("sealSequence", sealSequence.longValue());
    }
    if (policy.didMethods().contains("ethr")) {
      // did:ethr documents come from the host unverified (HostWordDidDocuments): say so in every
      // result
      subject.putArray("unverifiedDidMethods").add("ethr");
    }
    subject.set("aggregates", d.cells());
    subject.put("minGroupSize", s.dataset().minGroupSize());
    subject.put("suppressedGroups", d.suppressed());
    if (d.differentialPrivacy() != null) {
      subject.set("differentialPrivacy", d.differentialPrivacy());
    }
    ObjectNode privacy = s.dataset().privacyStatement();
    if (spend != null) {
      ObjectNode b = privacy.putObject("budget");
      b.put("epsilonSpentThisRound", Aggregator.plain(spend.epsilon()));
      b.put("epsilonSpent", Aggregator.plain(spend.spent()));
      b.put("epsilonRemaining", Aggregator.plain(spend.remaining()));
    }
    subject.set("privacy", privacy);
    ObjectNode inputs = subject.putObject("inputs");
    inputs.put("accepted", s.accepted());
    inputs.put("rejected", s.rejected());
    inputs.put("recordsLeftOut", s.aggregator().leftOut());
    inputs.put("valuesClamped", s.aggregator().clamped());
    // rejections of producers whose signature verified, by reason, with their distinct producers;
    // payloads that failed before any signature verified are one count apart (protocol 1.5)
    ObjectNode byReason = inputs.putObject("rejectedByReason");
    s.rejectedByReason().forEach(byReason::put);
    ObjectNode producersByReason = inputs.putObject("rejectedProducersByReason");
    s.rejectedProducersByReason().forEach(producersByReason::put);
    if (s.rejectedProducersCapped()) {
      inputs.put("rejectedProducersCapped", true);
    }
    inputs.put("unauthenticated", s.unauthenticated());
    ObjectNode merkle = subject.putObject("merkle");
    merkle.put("algorithm", "rfc6962-sha256");
    merkle.put("leaf", "sha256(compact JWE bytes)");
    merkle.put("leafOrder", "ascending");
    merkle.put("leaves", s.leaves().size());
    merkle.put("root", HexFormat.of().formatHex(root));
    if (policy.output().includeAttestation()) {
      subject.put("attestationDocument", Base64.getEncoder().encodeToString(attestationDocument));
    }
    return sign(vc);
  }

  private String sign(ObjectNode vc) {
    ObjectNode header = JsonNodeFactory.instance.objectNode();
    header.put("alg", "EdDSA");
    header.put("kid", identity.verificationMethod());
    header.put("typ", "vc+jwt");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input = b64.encodeToString(canonical(header)) + "." + b64.encodeToString(canonical(vc));
    return input
        + "."
        + b64.encodeToString(identity.sign(input.getBytes(StandardCharsets.US_ASCII)));
  }

  /** Sorted keys (recursively), no whitespace, plain numbers. */
  static byte[] canonical(ObjectNode node) {
    try {
      Object tree = CANONICAL.treeToValue(node, Object.class);
      return CANONICAL.writeValueAsBytes(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
