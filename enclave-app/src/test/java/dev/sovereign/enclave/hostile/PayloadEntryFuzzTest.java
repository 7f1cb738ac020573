package dev.sovereign.enclave.hostile;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.DidProducerKeys;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.pipeline.RejectionReason;
import dev.sovereign.enclave.pipeline.VcProducerCredentials;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.server.EnclaveService;
import dev.sovereign.enclave.server.EvidenceStore;
import dev.sovereign.vc.CredentialVerifier;
import dev.sovereign.vc.StatusListSource;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * Jazzer fuzz target at the enclave's payload entry ({@code SubmitPayloads} of one payload, through
 * the real pipeline: JWE, JWS, did:key, credentials with a status list, policy, replay,
 * aggregation): whatever the bytes, the answer is one verdict, {@code accepted} or {@code rejected}
 * with a known reason code. An {@code Error} answer, an escaped throwable, or {@code
 * payload-unprocessable} (a stage threw: contained, but a check is missing) is a finding.
 *
 * <p>The first input byte picks the form: {@code 'J'} sends the rest as the compact JWE itself;
 * anything else takes the rest as the inner claims JSON, signs it with an accredited producer's
 * did:key and encrypts it to the enclave (so the fuzzer works past decryption and the signature).
 * In the claims text {@code $ISS}, {@code $CRED}, {@code $ACC}, {@code $NOW} and {@code $ROUND}
 * stand for the producer's DID, its credential, its issuer's accreditation, now (epoch seconds) and
 * the round, so stored inputs stay valid across runs.
 *
 * <p>Default suite: Jazzer's regression mode over {@code PayloadEntryFuzzTestInputs/}. Long run:
 * {@code ./mvnw -pl enclave-app test -Dsovereign.long=true -Dtest=PayloadEntryFuzzTest}.
 */
class PayloadEntryFuzzTest {
  private static final String ROUND = "r-fuzz";
  private static final Set<String> CODES =
      Arrays.stream(RejectionReason.values())
          .map(RejectionReason::code)
          .collect(Collectors.toUnmodifiableSet());

  private static final Fixture F = Fixture.create();

  private record Fixture(
      EnclaveService service,
      EnclaveIdentity identity,
      InProcessEnclave.Producer producer,
      String credential,
      String accreditation) {
    static Fixture create() {
      try {
        Authority authority = new Authority();
        SovereigntyPolicy policy =
            PolicyLoader.parse(
                InProcessEnclave.policy("00".repeat(48), authority.rootDid, b -> {}).yaml());
        EnclaveIdentity identity = EnclaveIdentity.generate(new SecureRandom());
        Clock clock = Clock.systemUTC();
        DidResolver resolver = DidResolvers.builder().withDidKey().build();
        EvidenceStore evidence = new EvidenceStore();
        CredentialVerifier verifier =
            CredentialVerifier.builder(resolver)
                .clock(clock)
                .statusLists(
                    url ->
                        evidence
                            .statusList(url)
                            .orElseThrow(
                                () -> new StatusListSource.UnreachableException(url, "none")))
                .build();
        if (evidence
            .offer(
                Authority.STATUS_URL,
                authority.publish(Duration.ofMinutes(1)),
                clock.instant(),
                verifier::verifyStatusList)
            .isPresent()) {
          throw new IllegalStateException("the fixture's status list did not verify");
        }
        PayloadPipeline pipeline =
            new PayloadPipeline(
                policy,
                identity.encryptionPrivateKey(),
                identity.encryptionKid(),
                new DidProducerKeys(resolver, clock),
                new VcProducerCredentials(verifier, identity::did),
                clock);
        ExecutorService pool =
            Executors.newFixedThreadPool(
                1,
                r -> {
                  Thread t = new Thread(r, "fuzz-verifier");
                  t.setDaemon(true);
                  return t;
                });
        EnclaveService service =
            new EnclaveService(policy, identity, null, pipeline, null, pool, evidence, null, clock);
        service.handle(new Message.OpenRound(ROUND, InProcessEnclave.DATASET, policy.sha256Hex()));
        InProcessEnclave.Producer producer = InProcessEnclave.producerFor(identity);
        return new Fixture(
            service,
            identity,
            producer,
            authority.credential(producer.did.toString()).jwt(),
            authority.accreditation);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @FuzzTest(maxDuration = "10m")
  void a_payload_only_ever_gets_an_accepted_or_a_rejected_verdict(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    String rest = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
    String jwe =
        input[0] == 'J'
            ? rest
            : F.producer()
                .payloadOfText(
                    rest.replace("$ISS", F.producer().did.toString())
                        .replace("$CRED", F.credential())
                        .replace("$ACC", F.accreditation())
                        .replace("$NOW", Long.toString(Instant.now().getEpochSecond()))
                        .replace("$ROUND", ROUND));
    Message.Response r = F.service().handle(new Message.SubmitPayloads(ROUND, List.of(jwe)));
    if (!(r instanceof Message.PayloadVerdicts v) || v.verdicts().size() != 1) {
      throw new AssertionError("not one verdict: " + r);
    }
    Message.Verdict verdict = v.verdicts().get(0);
    boolean ok =
        switch (verdict.outcome()) {
          case "accepted" -> verdict.reason() == null && verdict.leaf() != null;
          case "rejected" ->
              CODES.contains(verdict.reason())
                  && !RejectionReason.PAYLOAD_UNPROCESSABLE.code().equals(verdict.reason())
                  && verdict.leaf() == null;
          default -> false;
        };
    if (!ok) {
      throw new AssertionError("verdict outside the contract: " + verdict);
    }
  }
}
