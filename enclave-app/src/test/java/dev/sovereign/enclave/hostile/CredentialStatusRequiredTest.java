package dev.sovereign.enclave.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sovereign.enclave.protocol.EnclaveClient;
import dev.sovereign.enclave.protocol.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, attack 8 (first half), through the socket: a producer credential without {@code
 * credentialStatus} can never be revoked. A policy with {@code evidence.requireCredentialStatus}
 * refuses it with {@code credential-status-missing}; without the setting it is accepted as before.
 */
class CredentialStatusRequiredTest {
  private static final String ROUND = "r-status-required";

  @TempDir Path dir;

  private String verdict(boolean require) throws Exception {
    Authority authority = new Authority();
    Path d = Files.createDirectory(dir.resolve(require ? "required" : "optional"));
    try (InProcessEnclave enclave =
        InProcessEnclave.bootYaml(
            d,
            pcr0 ->
                InProcessEnclave.policy(
                        pcr0, authority.rootDid, b -> b.requireCredentialStatus(require))
                    .yaml())) {
      enclave.open(ROUND);
      InProcessEnclave.Producer producer = enclave.stranger();
      String credential = authority.credentialWithoutStatus(producer.did.toString());
      String jwe = producer.payload(producer.claims(ROUND, credential, authority.accreditation));
      try (EnclaveClient c = enclave.connect()) {
        Message.Verdict v =
            c.call(new Message.SubmitPayloads(ROUND, List.of(jwe)), Message.PayloadVerdicts.class)
                .verdicts()
                .get(0);
        return v.outcome().equals("accepted") ? "accepted" : v.reason();
      }
    }
  }

  @Test
  void aCredentialWithoutStatusIsRefusedWhereThePolicyRequiresOne() throws Exception {
    assertEquals("credential-status-missing", verdict(true));
  }

  @Test
  void withoutTheSettingACredentialWithoutStatusIsStillAccepted() throws Exception {
    assertEquals("accepted", verdict(false));
  }
}
