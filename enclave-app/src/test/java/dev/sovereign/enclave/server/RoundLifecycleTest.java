package dev.sovereign.enclave.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sovereign.did.DidResolvers;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.pipeline.DidProducerKeys;
import dev.sovereign.enclave.pipeline.PayloadPipeline;
import dev.sovereign.enclave.pipeline.ProducerAuthorization;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.Codec;
import dev.sovereign.enclave.protocol.Frames;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.round.ResultIssuer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A round's lifecycle as the enclave reports it (protocol 1.2): {@code open}, then {@code closed}
 * or {@code expired}, each final and named by its own error code, so that the host can tell a round
 * it must give up from one a successor enclave has not seen yet ({@code unknown-round}).
 */
class RoundLifecycleTest {
  private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");
  private final ExecutorService verifiers = Executors.newFixedThreadPool(2);
  private Instant now = T0;
  private EnclaveService service;
  private SovereigntyPolicy policy;

  @BeforeEach
  void start() throws Exception {
    policy =
        PolicyLoader.parse(
            """
        version: 1
        policyId: lifecycle
        enclave:
          region: eu-central-1
          acceptedMeasurements:
            - pcr0: "%s"
        zones:
          EU:
            countries: [DE]
            processingRegions: [eu-central-1]
            trustAnchors: ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]
        datasets:
          loyalty-points:
            zones: [EU]
            groupBy: [country]
            minGroupSize: 1
            metrics:
              points:
                functions: [sum]
                bounds: [0, 100000]
        retention:
          roundTtl: PT1H
        """
                .formatted("00".repeat(48)));
    EnclaveIdentity identity = EnclaveIdentity.generate(new SecureRandom());
    Clock clock =
        new Clock() {
          @Override
          public Instant instant() {
            return now;
          }

          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }
        };
    PayloadPipeline pipeline =
        new PayloadPipeline(
            policy,
            identity.encryptionPrivateKey(),
            identity.encryptionKid(),
            new DidProducerKeys(DidResolvers.builder().withDidKey().build(), clock),
            (producer, jti, credentials, presentation, zone, dataset, anchors, at) ->
                new ProducerAuthorization(
                    producer, Set.of(zone), Set.of(dataset), List.of(anchors.get(0))),
            clock);
    service =
        new EnclaveService(
            policy,
            identity,
            null,
            pipeline,
            new ResultIssuer(identity, policy, new byte[0], new SecureRandom()),
            verifiers,
            new EvidenceStore(),
            null,
            clock);
  }

  @AfterEach
  void stop() {
    verifiers.shutdownNow();
  }

  private Message.Response send(Message.Request r) throws Exception {
    // through the codec, as on the socket: the 1.2 messages must survive the strict reader
    Message.Request decoded = (Message.Request) roundTrip(r);
    return (Message.Response) roundTrip(service.handle(decoded));
  }

  private static Message roundTrip(Message m) throws Exception {
    Codec codec = new Codec(Frames.DEFAULT_MAX_FRAME);
    return codec.read(new java.io.ByteArrayInputStream(Codec.encode(m))).orElseThrow();
  }

  private void open(String round) throws Exception {
    assertInstanceOf(
        Message.RoundOpened.class,
        send(new Message.OpenRound(round, "loyalty-points", policy.sha256Hex())));
  }

  private static String code(Message.Response r) {
    return assertInstanceOf(Message.Error.class, r).code();
  }

  @Test
  void anOpenRoundSaysWhenItExpires() throws Exception {
    open("r1");
    Message.RoundDescription d =
        assertInstanceOf(Message.RoundDescription.class, send(new Message.DescribeRound("r1")));
    assertEquals("open", d.state());
    assertEquals(T0.plus(Duration.ofHours(1)).toString(), d.expiresAt());
    assertNull(d.credential());
  }

  @Test
  void aRoundPastItsTimeToLiveIsExpiredForSubmitsAndCloseNotUnknown() throws Exception {
    open("r1");
    now = T0.plus(Duration.ofHours(1)).plusSeconds(1);
    assertEquals("round-expired", code(send(new Message.SubmitPayloads("r1", List.of("x.y")))));
    assertEquals("round-expired", code(send(new Message.CloseRound("r1"))));
    assertEquals(
        "expired",
        assertInstanceOf(Message.RoundDescription.class, send(new Message.DescribeRound("r1")))
            .state());
  }

  @Test
  void aClosedRoundIsClosedForSubmitsAndASecondCloseGetsTheSameResultWhichItKeepsForTheHost()
      throws Exception {
    open("r1");
    String credential =
        assertInstanceOf(Message.RoundResult.class, send(new Message.CloseRound("r1")))
            .credential();
    assertEquals("round-closed", code(send(new Message.SubmitPayloads("r1", List.of("x.y")))));
    assertEquals(
        credential,
        assertInstanceOf(Message.RoundResult.class, send(new Message.CloseRound("r1")))
            .credential(),
        "protocol 1.4: a second close answers the one result, byte for byte, never a second one");
    Message.RoundDescription d =
        assertInstanceOf(Message.RoundDescription.class, send(new Message.DescribeRound("r1")));
    assertEquals("closed", d.state());
    assertEquals(credential, d.credential());
  }

  @Test
  void aRoundThisEnclaveNeverSawIsUnknown() throws Exception {
    assertEquals("unknown-round", code(send(new Message.SubmitPayloads("r9", List.of("x.y")))));
    assertEquals("unknown-round", code(send(new Message.DescribeRound("r9"))));
  }
}
