package dev.sovereign.enclave.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's invariant where a host lost the verdicts of a batch the enclave counted (a host killed
 * with its batch in flight and reattached to the same enclave, on Nitro): it sends the same bytes
 * again. Before protocol 1.7 each such payload was counted once as accepted and again as a {@code
 * replay} rejection. Now, through the socket: the same bytes get the verdict they got first and are
 * not counted again (accepted, rejected with a producer, or unauthenticated noise, and copies in
 * one batch); another payload reusing a {@code jti} (the same signed claims encrypted again) is
 * still a {@code replay}, counted once however often it is sent.
 */
class TheSameBytesSentAgainGetTheirFirstVerdictTest {
  private static final String ROUND = "r-resent";

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
  void aResentPayloadGetsItsFirstVerdictAndIsCountedOnceWhileAReusedJtiIsStillAReplay()
      throws Exception {
    InProcessEnclave.Producer alice = enclave.stranger();
    ObjectNode aliceClaims =
        alice.claims(
            ROUND, authority.credential(alice.did.toString()).jwt(), authority.accreditation);
    String a = alice.payload(aliceClaims);
    String aAgainEncrypted = alice.payload(aliceClaims); // other bytes, the same jti
    InProcessEnclave.Producer bob = enclave.stranger();
    String b =
        bob.payload(
            bob.claims(
                ROUND, authority.credential(bob.did.toString()).jwt(), authority.accreditation));
    InProcessEnclave.Producer revoked = enclave.stranger();
    Authority.Issued revokedCredential = authority.credential(revoked.did.toString());
    authority.lists.set(revokedCredential.index(), true);
    String r =
        revoked.payload(revoked.claims(ROUND, revokedCredential.jwt(), authority.accreditation));
    String junk = "junk.resent";

    try (EnclaveClient c = enclave.connect()) {
      c.call(
          new Message.SupplyEvidence(
              null, null, Map.of(Authority.STATUS_URL, authority.publish(Duration.ofMinutes(1)))),
          Message.EvidenceStored.class);
      Message.Verdict acceptedA = new Message.Verdict("accepted", null, leaf(a));
      Message.Verdict acceptedB = new Message.Verdict("accepted", null, leaf(b));
      Message.Verdict replay = new Message.Verdict("rejected", "replay", null);
      Message.Verdict revokedVerdict = new Message.Verdict("rejected", "credential-revoked", null);
      Message.Verdict malformed = new Message.Verdict("rejected", "malformed-jwe", null);

      assertEquals(List.of(acceptedA), submit(c, List.of(a)), "first sight");
      // the batch the host sent before it died (a batch is verified in parallel: a went first, so
      // which of a and its re-encryption holds the jti is settled), then the same batch again
      List<String> batch = List.of(a, aAgainEncrypted, r, junk);
      List<Message.Verdict> first = List.of(acceptedA, replay, revokedVerdict, malformed);
      assertEquals(first, submit(c, batch), "the batch");
      assertEquals(first, submit(c, batch), "the same bytes again: the same verdicts");
      assertEquals(first, submit(c, batch), "and a third time");
      // three copies of one payload in one batch, verified in parallel: one count, one verdict
      assertEquals(List.of(acceptedB, acceptedB, acceptedB), submit(c, List.of(b, b, b)));

      JsonNode inputs =
          OnePayloadCannotFreezeRoundsTest.subject(
                  c.call(new Message.CloseRound(ROUND), Message.RoundResult.class).credential())
              .get("inputs");
      assertEquals(2, inputs.get("accepted").asLong(), inputs.toString());
      assertEquals(
          InProcessEnclave.JSON.readTree("{\"credential-revoked\":1,\"replay\":1}"),
          inputs.get("rejectedByReason"),
          "each rejected payload counted once: " + inputs);
      assertEquals(2, inputs.get("rejected").asLong(), inputs.toString());
      assertEquals(1, inputs.get("unauthenticated").asLong(), inputs.toString());
    }
  }

  private static List<Message.Verdict> submit(EnclaveClient c, List<String> payloads)
      throws Exception {
    return c.call(new Message.SubmitPayloads(ROUND, payloads), Message.PayloadVerdicts.class)
        .verdicts();
  }

  private static String leaf(String jwe) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(jwe.getBytes(StandardCharsets.US_ASCII)));
  }
}
