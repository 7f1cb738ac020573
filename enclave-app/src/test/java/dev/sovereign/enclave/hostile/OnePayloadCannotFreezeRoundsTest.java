package dev.sovereign.enclave.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, attack 1, as a stranger does it: a fresh did:key with no credential signs a payload
 * whose {@code iat} no {@code Instant} can hold, encrypts it to the attested key and submits it
 * over the enclave's socket in a batch with others. The enclave used to answer the whole batch
 * {@code internal} (the host's queue then stopped behind it); now that payload alone is rejected
 * with a reason code, the others get their own verdicts and the round closes with every one
 * counted.
 */
class OnePayloadCannotFreezeRoundsTest {
  private static final String ROUND = "r-stranger";

  @TempDir Path dir;
  private InProcessEnclave enclave;

  @BeforeEach
  void boot() throws Exception {
    enclave = InProcessEnclave.boot(dir);
    enclave.open(ROUND);
  }

  @AfterEach
  void stop() throws Exception {
    if (enclave != null) {
      enclave.close();
    }
  }

  @Test
  void aStrangersPayloadWithAnIatNoInstantCanHoldIsRejectedAloneAndTheRoundStillCloses()
      throws Exception {
    InProcessEnclave.Producer mallory = enclave.stranger();
    List<String> batch = new ArrayList<>();
    for (String iat :
        List.of("9223372036854775807", "-9223372036854775807", "1e17", "1E+17", "253402300800")) {
      String claims =
          InProcessEnclave.JSON
              .writeValueAsString(mallory.claims(ROUND))
              .replaceFirst("\"iat\":\\d+", "\"iat\":" + iat);
      batch.add(mallory.payloadOfText(claims));
    }
    // an ordinary stranger's payload in the same batch: it fails on its junk credential
    batch.add(mallory.payload(mallory.claims(ROUND)));

    try (EnclaveClient c = enclave.connect()) {
      Message.Response r = c.call(new Message.SubmitPayloads(ROUND, batch));
      Message.PayloadVerdicts v = assertInstanceOf(Message.PayloadVerdicts.class, r, r.toString());
      assertEquals(batch.size(), v.verdicts().size());
      for (int i = 0; i < 5; i++) {
        assertEquals("rejected", v.verdicts().get(i).outcome(), "payload " + i);
        assertEquals("claims-invalid", v.verdicts().get(i).reason(), "payload " + i);
      }
      assertEquals("rejected", v.verdicts().get(5).outcome());
      assertEquals("credential-invalid", v.verdicts().get(5).reason());

      // the round is not wedged: it closes, and its signed result counts all six
      Message.RoundResult result = c.call(new Message.CloseRound(ROUND), Message.RoundResult.class);
      JsonNode inputs = subject(result.credential()).get("inputs");
      assertEquals(0, inputs.get("accepted").asLong());
      assertEquals(6, inputs.get("rejected").asLong());
    }
  }

  @Test
  void aStrangersIatOfTheLastSecondTheEnclaveCanRepresentIsJustNotCurrent() throws Exception {
    InProcessEnclave.Producer mallory = enclave.stranger();
    String claims =
        InProcessEnclave.JSON
            .writeValueAsString(mallory.claims(ROUND))
            .replaceFirst("\"iat\":\\d+", "\"iat\":253402300799");
    try (EnclaveClient c = enclave.connect()) {
      Message.PayloadVerdicts v =
          c.call(
              new Message.SubmitPayloads(ROUND, List.of(mallory.payloadOfText(claims))),
              Message.PayloadVerdicts.class);
      assertEquals("payload-not-current", v.verdicts().get(0).reason());
    }
  }

  static JsonNode subject(String compactJws) throws Exception {
    String payload = compactJws.split("\\.")[1];
    return InProcessEnclave.JSON
        .readTree(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8))
        .get("credentialSubject");
  }
}
