package dev.sovereign.enclave.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.ECKey;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, attack 8 (second half), through the enclave's socket: 2,000 JWEs that fail before any
 * signature verifies (garbage, a JWE for another key, a tampered ciphertext, a payload in a genuine
 * producer's name signed with someone else's key) are submitted among a few genuine payloads. Such
 * junk used to be counted under its reason codes in the signed result's {@code rejectedByReason},
 * beside the rejections of real producers. Now the signed result counts the genuine payloads and
 * the rejections of authenticated producers exactly as without the junk, and the junk only as one
 * {@code unauthenticated} count.
 */
class UnauthenticatedJunkCannotInflateTheResultTest {
  private static final String ROUND = "r-junk";
  private static final int JUNK_OF_EACH_KIND = 500;

  @TempDir Path dir;
  private Authority authority;
  private InProcessEnclave enclave;

  @BeforeEach
  void boot() throws Exception {
    authority = new Authority();
    enclave = InProcessEnclave.boot(dir, authority);
    enclave.open(ROUND);
  }

  @AfterEach
  void stop() throws Exception {
    if (enclave != null) {
      enclave.close();
    }
  }

  @Test
  void twoThousandJunkPayloadsAreOneUnauthenticatedCountAndLeaveTheProducersFiguresAlone()
      throws Exception {
    // genuine traffic: three accredited producers, one revoked, one replay, one stranger with a
    // junk credential sending the same rejected payload kind 25 times
    List<InProcessEnclave.Producer> honest = new ArrayList<>();
    List<String> genuine = new ArrayList<>();
    ObjectNode firstClaims = null;
    for (int i = 0; i < 3; i++) {
      InProcessEnclave.Producer p = enclave.stranger();
      honest.add(p);
      ObjectNode claims =
          p.claims(ROUND, authority.credential(p.did.toString()).jwt(), authority.accreditation);
      firstClaims = firstClaims == null ? claims : firstClaims;
      genuine.add(p.payload(claims));
    }
    InProcessEnclave.Producer revoked = enclave.stranger();
    Authority.Issued revokedCredential = authority.credential(revoked.did.toString());
    authority.lists.set(revokedCredential.index(), true);
    genuine.add(
        revoked.payload(revoked.claims(ROUND, revokedCredential.jwt(), authority.accreditation)));
    // the first producer's signed claims encrypted again (other bytes, same jti): replay
    genuine.add(honest.get(0).payload(firstClaims));
    InProcessEnclave.Producer mallory = enclave.stranger();
    for (int i = 0; i < 25; i++) {
      genuine.add(mallory.payload(mallory.claims(ROUND)));
    }
    try (EnclaveClient c = enclave.connect()) {
      c.call(
          new Message.SupplyEvidence(
              null, null, Map.of(Authority.STATUS_URL, authority.publish(Duration.ofMinutes(1)))),
          Message.EvidenceStored.class);
    }

    List<String> junk = junk(honest.get(1));
    assertEquals(2_000, junk.size());

    // junk and genuine payloads interleaved, in batches of 100
    List<String> all = new ArrayList<>(junk);
    all.addAll(genuine);
    Collections.shuffle(all, new Random(11));
    Map<String, Integer> verdictReasons = new TreeMap<>();
    try (EnclaveClient c = enclave.connect()) {
      for (int from = 0; from < all.size(); from += 100) {
        List<String> batch = all.subList(from, Math.min(all.size(), from + 100));
        Message.PayloadVerdicts v =
            c.call(new Message.SubmitPayloads(ROUND, batch), Message.PayloadVerdicts.class);
        assertEquals(batch.size(), v.verdicts().size());
        v.verdicts()
            .forEach(
                x ->
                    verdictReasons.merge(
                        x.outcome().equals("accepted") ? "accepted" : x.reason(), 1, Integer::sum));
      }
      // the host still learns every payload's own reason code
      assertEquals(
          Map.of(
              "accepted",
              3,
              "credential-invalid",
              25,
              "credential-revoked",
              1,
              "replay",
              1,
              "malformed-jwe",
              JUNK_OF_EACH_KIND,
              "jwe-kid-mismatch",
              JUNK_OF_EACH_KIND,
              "decryption-failed",
              JUNK_OF_EACH_KIND,
              "signature-invalid",
              JUNK_OF_EACH_KIND),
          verdictReasons);

      Message.RoundResult result = c.call(new Message.CloseRound(ROUND), Message.RoundResult.class);
      JsonNode inputs = OnePayloadCannotFreezeRoundsTest.subject(result.credential()).get("inputs");
      assertEquals(3, inputs.get("accepted").asLong(), inputs.toString());
      assertEquals(
          InProcessEnclave.JSON.readTree(
              "{\"credential-invalid\":25,\"credential-revoked\":1,\"replay\":1}"),
          inputs.get("rejectedByReason"),
          "only authenticated producers' rejections are counted by reason");
      assertEquals(27, inputs.get("rejected").asLong());
      assertEquals(
          InProcessEnclave.JSON.readTree(
              "{\"credential-invalid\":1,\"credential-revoked\":1,\"replay\":1}"),
          inputs.get("rejectedProducersByReason"),
          "25 rejections of one stranger are one producer");
      assertEquals(2_000, inputs.get("unauthenticated").asLong());
      assertEquals(false, inputs.has("rejectedProducersCapped"));
    }
  }

  /**
   * 500 each of: garbage, a JWE for another key, a JWE for this key with a flipped ciphertext byte,
   * and a payload naming {@code victim} as its producer but signed with another key.
   */
  private List<String> junk(InProcessEnclave.Producer victim) throws Exception {
    List<String> out = new ArrayList<>();
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    java.security.interfaces.ECPublicKey otherKey =
        (java.security.interfaces.ECPublicKey) ec.generateKeyPair().getPublic();
    InProcessEnclave.Producer forger = enclave.stranger();
    ECKey attested = ECKey.parse(enclave.attestation.encryptionKey());
    for (int i = 0; i < JUNK_OF_EACH_KIND; i++) {
      out.add("junk." + i);
      ObjectNode claims = forger.claims(ROUND);
      out.add(
          InProcessEnclave.jwe(
              forger.jws(InProcessEnclave.JSON.writeValueAsBytes(claims)),
              "another-kid",
              otherKey));
      String good =
          InProcessEnclave.jwe(
              forger.jws(InProcessEnclave.JSON.writeValueAsBytes(claims)),
              enclave.attestation.kid(),
              attested.toECPublicKey());
      String[] parts = good.split("\\.");
      char[] ct = parts[3].toCharArray();
      ct[0] = ct[0] == 'A' ? 'B' : 'A';
      parts[3] = new String(ct);
      out.add(String.join(".", parts));
      // in the victim's name: iss and kid are the victim's DID, the signature the forger's
      ObjectNode forged = forger.claims(ROUND);
      forged.put("iss", victim.did.toString());
      forged.put("jti", "forged-" + i);
      out.add(
          enclave.jwe(forger.jwsAs(victim.did, InProcessEnclave.JSON.writeValueAsBytes(forged))));
    }
    return out;
  }
}
