package dev.sovereign.enclave.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, attack 3's window, through the socket: the policy's {@code evidence.statusListMaxAge}
 * bounds how old a status list the host can hand a fresh enclave. A list issued two hours ago is
 * stored under the default (one day) and refused {@code status-list-stale} under a policy of one
 * hour.
 */
class StatusListMaxAgeTest {
  @TempDir Path dir;

  private Map<String, String> refusedAfterSupplyingATwoHourOldList(Duration maxAge)
      throws Exception {
    Authority authority = new Authority();
    Path d = Files.createDirectory(dir.resolve(maxAge == null ? "default" : maxAge.toString()));
    try (InProcessEnclave enclave =
        InProcessEnclave.bootYaml(
            d,
            pcr0 ->
                InProcessEnclave.policy(
                        pcr0,
                        authority.rootDid,
                        b -> {
                          if (maxAge != null) {
                            b.statusListMaxAge(maxAge);
                          }
                        })
                    .yaml())) {
      String twoHoursOld = authority.publish(Duration.ofHours(2));
      try (EnclaveClient c = enclave.connect()) {
        return c.call(
                new Message.SupplyEvidence(null, null, Map.of(Authority.STATUS_URL, twoHoursOld)),
                Message.EvidenceStored.class)
            .refusedStatusLists();
      }
    }
  }

  @Test
  void aListTwoHoursOldIsStoredUnderTheDefaultMaximumAgeOfOneDay() throws Exception {
    assertEquals(Map.of(), refusedAfterSupplyingATwoHourOldList(null));
  }

  @Test
  void aPolicyWithAOneHourMaximumAgeRefusesTheSameListAsStale() throws Exception {
    assertEquals(
        Map.of(Authority.STATUS_URL, "status-list-stale"),
        refusedAfterSupplyingATwoHourOldList(Duration.ofHours(1)));
  }
}
