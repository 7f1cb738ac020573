package dev.sovereign.enclave.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, attacks 3 and 5, as the host does them over the enclave's socket: a status list is
 * verified before it is stored (garbage, or a list signed by someone else, is refused with a reason
 * code and changes nothing), and a URL's list only moves forward (re-posting the list from before a
 * revocation is refused, so the revoked producer stays revoked).
 */
class StatusListsMoveOnlyForwardTest {
  private static final String ROUND = "r-status";
  private static final String URL = Authority.STATUS_URL;

  @TempDir Path dir;
  private Authority authority;
  private InProcessEnclave enclave;
  private InProcessEnclave.Producer producer;
  private Authority.Issued credential;

  @BeforeEach
  void boot() throws Exception {
    authority = new Authority();
    enclave = InProcessEnclave.boot(dir, authority);
    enclave.open(ROUND);
    producer = enclave.stranger();
    credential = authority.credential(producer.did.toString());
  }

  @AfterEach
  void stop() throws Exception {
    if (enclave != null) {
      enclave.close();
    }
  }

  private Message.EvidenceStored supply(String jwt) throws Exception {
    try (EnclaveClient c = enclave.connect()) {
      return c.call(
          new Message.SupplyEvidence(null, null, Map.of(URL, jwt)), Message.EvidenceStored.class);
    }
  }

  private String submit() throws Exception {
    String jwe =
        producer.payload(producer.claims(ROUND, credential.jwt(), authority.accreditation));
    try (EnclaveClient c = enclave.connect()) {
      Message.Verdict v =
          c.call(new Message.SubmitPayloads(ROUND, List.of(jwe)), Message.PayloadVerdicts.class)
              .verdicts()
              .get(0);
      return v.outcome().equals("accepted") ? "accepted" : v.reason();
    }
  }

  @Test
  void aListFromBeforeTheRevocationIsRefusedAndTheRevokedProducerStaysRevoked() throws Exception {
    String beforeRevocation = authority.publish(Duration.ofMinutes(30));
    assertEquals(1, supply(beforeRevocation).statusLists());
    assertEquals("accepted", submit());

    authority.lists.set(credential.index(), true);
    String revoked = authority.publish(Duration.ofMinutes(1));
    assertEquals(1, supply(revoked).statusLists());
    assertEquals("credential-revoked", submit());

    // the host re-posts the older list, still inside the maximum age
    Message.EvidenceStored again = supply(beforeRevocation);
    assertEquals(0, again.statusLists());
    assertEquals(Map.of(URL, "status-list-older-than-held"), again.refusedStatusLists());
    assertEquals("credential-revoked", submit());

    // the same list again is no change, and no refusal
    Message.EvidenceStored same = supply(revoked);
    assertEquals(Map.of(), same.refusedStatusLists());
    assertEquals("credential-revoked", submit());
  }

  @Test
  void aListIssuedAtTheSameTimeAsTheHeldOneWithOtherContentIsAConflict() throws Exception {
    java.time.Instant at = java.time.Instant.now().minusSeconds(120);
    String clear = authority.lists.publish(at, Duration.ofDays(2), Duration.ofMinutes(5));
    authority.lists.set(credential.index(), true);
    String revoked = authority.lists.publish(at, Duration.ofDays(2), Duration.ofMinutes(5));
    assertEquals(1, supply(revoked).statusLists());
    assertEquals(Map.of(URL, "status-list-conflict"), supply(clear).refusedStatusLists());
    assertEquals("credential-revoked", submit());
  }

  @Test
  void garbageIsRefusedWithAReasonAndLeavesTheHeldListInPlaceAndAForeignListOnlyFailsClosed()
      throws Exception {
    authority.lists.set(credential.index(), true);
    assertEquals(1, supply(authority.publish(Duration.ofMinutes(5))).statusLists());
    assertEquals("credential-revoked", submit());

    assertEquals(Map.of(URL, "status-list-invalid"), supply("garbage").refusedStatusLists());
    assertEquals("credential-revoked", submit());

    // a newer, well-formed list for the URL signed by another issuer (the producer itself) is not
    // a list of the credential's issuer: refused on use, and the enclave keeps failing closed
    Authority other = new Authority();
    String foreign = other.publish(Duration.ZERO);
    supply(foreign);
    assertEquals("credential-status-unverified", submit());
  }

  @Test
  void aListOlderThanTheMaximumAgeIsRefusedAsStale() throws Exception {
    String old = authority.publish(Duration.ofDays(1).plusMinutes(5));
    assertEquals(Map.of(URL, "status-list-stale"), supply(old).refusedStatusLists());
  }
}
