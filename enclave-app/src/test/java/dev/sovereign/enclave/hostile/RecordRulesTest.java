package dev.sovereign.enclave.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the socket, from credentialed producers: every record of a payload is checked against its
 * dataset's rules in the policy (the development dataset: metric {@code points} bounded to [0,
 * 100000], grouped by exactly {@code country}, zone EU's countries). The pipeline derives these
 * rules once from the policy (issue 13); the verdicts are those of the per-record checks it had
 * before.
 */
class RecordRulesTest {
  private static final String ROUND = "r-record-rules";

  @TempDir Path dir;
  private Authority authority;
  private InProcessEnclave enclave;

  @BeforeEach
  void boot() throws Exception {
    authority = new Authority();
    enclave =
        InProcessEnclave.bootYaml(
            dir,
            pcr0 ->
                InProcessEnclave.policy(
                        pcr0, authority.rootDid, b -> b.requireCredentialStatus(false))
                    .yaml());
    enclave.open(ROUND);
  }

  @AfterEach
  void stop() throws Exception {
    enclave.close();
  }

  private static ObjectNode record(String metric, BigDecimal value, Map<String, String> group) {
    ObjectNode r =
        InProcessEnclave.JSON.createObjectNode().put("metric", metric).put("value", value);
    ObjectNode g = r.putObject("group");
    group.forEach(g::put);
    return r;
  }

  private static ObjectNode points(String value) {
    return record("points", new BigDecimal(value), Map.of("country", "DE"));
  }

  /** The verdict on one payload carrying {@code records}, from a fresh credentialed producer. */
  private String verdict(ObjectNode... records) throws Exception {
    InProcessEnclave.Producer producer = enclave.stranger();
    String credential = authority.credentialWithoutStatus(producer.did.toString());
    ObjectNode claims = producer.claims(ROUND, credential, authority.accreditation);
    ArrayNode a = claims.putArray("records");
    for (ObjectNode r : records) {
      a.add(r);
    }
    String jwe = producer.payload(claims);
    try (EnclaveClient c = enclave.connect()) {
      Message.Verdict v =
          c.call(new Message.SubmitPayloads(ROUND, List.of(jwe)), Message.PayloadVerdicts.class)
              .verdicts()
              .get(0);
      return v.outcome().equals("accepted") ? "accepted" : v.reason();
    }
  }

  @Test
  void valuesOnTheBoundsAreAcceptedAndValuesBeyondThemAreOutOfBounds() throws Exception {
    List<String> verdicts = new ArrayList<>();
    for (String v : List.of("0", "100000", "100000.0", "-0.000001", "100000.000001", "-1")) {
      verdicts.add(v + " " + verdict(points(v)));
    }
    assertEquals(
        List.of(
            "0 accepted",
            "100000 accepted",
            "100000.0 accepted",
            "-0.000001 value-out-of-bounds",
            "100000.000001 value-out-of-bounds",
            "-1 value-out-of-bounds"),
        verdicts);
  }

  @Test
  void groupKeysMustBeExactlyTheDatasetsGroupBy() throws Exception {
    assertEquals(
        "group-keys-invalid",
        verdict(record("points", BigDecimal.ONE, Map.of("country", "DE", "shop", "7"))));
    assertEquals("group-keys-invalid", verdict(record("points", BigDecimal.ONE, Map.of())));
    assertEquals(
        "group-keys-invalid", verdict(record("points", BigDecimal.ONE, Map.of("shop", "7"))));
    assertEquals("accepted", verdict(record("points", BigDecimal.ONE, Map.of("country", "FR"))));
  }

  @Test
  void aCountryOutsideTheZoneOrAMetricOutsideThePolicyIsRefused() throws Exception {
    assertEquals(
        "country-outside-zone", verdict(record("points", BigDecimal.ONE, Map.of("country", "US"))));
    assertEquals(
        "metric-not-allowed", verdict(record("secret", BigDecimal.ONE, Map.of("country", "DE"))));
  }

  @Test
  void everyRecordIsCheckedNotOnlyTheFirst() throws Exception {
    assertEquals("value-out-of-bounds", verdict(points("1"), points("2"), points("100001")));
    assertEquals(
        "group-keys-invalid",
        verdict(points("1"), record("points", BigDecimal.ONE, Map.of("country", "DE", "x", "y"))));
  }
}
