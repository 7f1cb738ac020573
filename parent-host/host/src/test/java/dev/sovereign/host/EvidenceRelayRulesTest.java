package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.sovereign.enclave.protocol.Message;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay's rules against a scripted enclave: it never loops (a payload deferred again for what
 * was already supplied is sent without the flag), it does not fetch status list URLs that point
 * inside (link-local, loopback, other schemes, user info), and an enclave that goes away mid-relay
 * leaves the deferred payload deferred (pending) while the verdicts already given stand.
 */
class EvidenceRelayRulesTest {
  private static final String URL = "https://status.example/list/1";
  private static final Message.Verdict UNVERIFIED =
      new Message.Verdict("rejected", "credential-status-unverified", null);
  private final List<Message.Request> requests = new ArrayList<>();
  private final List<Map<String, ?>> audit = new ArrayList<>();
  private final Map<String, String> store = new HashMap<>();
  private HttpServer inside;
  private final AtomicInteger insideGets = new AtomicInteger();

  @AfterEach
  void stop() {
    if (inside != null) {
      inside.stop(0);
    }
  }

  private EvidenceRelay relay(
      Function<Message.Request, Message.Response> enclave, boolean privateAddresses) {
    return relay(enclave, privateAddresses, did -> Optional.empty());
  }

  private EvidenceRelay relay(
      Function<Message.Request, Message.Response> enclave,
      boolean privateAddresses,
      Function<String, Optional<String>> documents) {
    EvidenceRelay.Enclave e =
        new EvidenceRelay.Enclave() {
          @Override
          public <R extends Message.Response> R call(Message.Request request, Class<R> type) {
            requests.add(request);
            Message.Response r = enclave.apply(request);
            if (r instanceof Message.Error err) {
              throw Problem.unavailable("enclave-error", err.code());
            }
            return type.cast(r);
          }
        };
    EvidenceRelay.StatusListStore s =
        new EvidenceRelay.StatusListStore() {
          @Override
          public Map<String, String> all() {
            return Map.copyOf(store);
          }

          @Override
          public void put(String url, String credential) {
            store.put(url, credential);
          }
        };
    return new EvidenceRelay(
        e,
        s,
        network -> Optional.empty(),
        documents,
        (kind, fields) -> audit.add(fields),
        new EvidenceRelay.Settings(true, true, privateAddresses, Duration.ofSeconds(2)));
  }

  private static Message.Verdict deferredFor(List<String> dids, List<String> urls) {
    return new Message.Verdict(
        "deferred", "credential-status-unverified", null, new Message.Needs(dids, urls));
  }

  private List<Boolean> flags() {
    return requests.stream()
        .filter(r -> r instanceof Message.SubmitPayloads)
        .map(r -> ((Message.SubmitPayloads) r).deferEvidence())
        .toList();
  }

  @Test
  void aPayloadDeferredAgainForWhatWasAlreadySuppliedIsSentWithoutTheFlag() {
    store.put(URL, "a.b.c");
    EvidenceRelay relay =
        relay(
            r -> {
              if (r instanceof Message.SubmitPayloads s) {
                return new Message.PayloadVerdicts(
                    "r1",
                    List.of(
                        Boolean.TRUE.equals(s.deferEvidence())
                            ? deferredFor(List.of(), List.of(URL))
                            : UNVERIFIED));
              }
              if (r instanceof Message.SupplyEvidence e) {
                return new Message.EvidenceStored(0, 0, e.statusLists().size());
              }
              throw new AssertionError(r.toString());
            },
            false);

    Message.PayloadVerdicts v = relay.submit("r1", List.of("jwe"));
    assertEquals(
        new Message.Verdict("rejected", "credential-status-unverified", null), v.verdicts().get(0));
    assertEquals(
        java.util.Arrays.asList(true, true, null), flags(), "first, after supplying, then final");
    assertEquals(
        1,
        requests.stream().filter(r -> r instanceof Message.SupplyEvidence).count(),
        "the operator-posted list was supplied once");
  }

  @Test
  void statusListUrlsPointingInsideOrNotHttpAreNeverFetched() throws Exception {
    inside = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    inside.createContext(
        "/",
        x -> {
          insideGets.incrementAndGet();
          x.sendResponseHeaders(200, 5);
          try (OutputStream o = x.getResponseBody()) {
            o.write("a.b.c".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          }
        });
    inside.start();
    int port = inside.getAddress().getPort();
    List<String> urls =
        List.of(
            "http://169.254.169.254/latest/meta-data/iam",
            "http://127.0.0.1:" + port + "/s",
            "http://localhost:" + port + "/s",
            "ftp://status.example/s",
            "http://user@127.0.0.1:" + port + "/s");
    EvidenceRelay relay =
        relay(
            r -> {
              if (r instanceof Message.SubmitPayloads s) {
                return new Message.PayloadVerdicts(
                    "r1",
                    List.of(
                        Boolean.TRUE.equals(s.deferEvidence())
                            ? deferredFor(List.of(), urls)
                            : UNVERIFIED));
              }
              throw new AssertionError("nothing may be supplied: " + r);
            },
            false);

    assertEquals("rejected", relay.submit("r1", List.of("jwe")).verdicts().get(0).outcome());
    assertEquals(0, insideGets.get(), "the host fetched from a loopback address");
    assertEquals(Map.of("status-list-url-refused", urls.size()), audit.get(0).get("failures"));
    assertTrue(store.isEmpty());
  }

  @Test
  void loopbackIsFetchedOnlyWhenAllowedAndABodyThatIsNoJwtIsRefused() throws Exception {
    inside = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    inside.createContext(
        "/",
        x -> {
          insideGets.incrementAndGet();
          byte[] b =
              "<html>not a credential</html>".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
          x.sendResponseHeaders(200, b.length);
          try (OutputStream o = x.getResponseBody()) {
            o.write(b);
          }
        });
    inside.start();
    String url = "http://127.0.0.1:" + inside.getAddress().getPort() + "/s";
    EvidenceRelay relay =
        relay(
            r -> {
              if (r instanceof Message.SubmitPayloads s) {
                return new Message.PayloadVerdicts(
                    "r1",
                    List.of(
                        Boolean.TRUE.equals(s.deferEvidence())
                            ? deferredFor(List.of(), List.of(url))
                            : UNVERIFIED));
              }
              throw new AssertionError("nothing may be supplied: " + r);
            },
            true);

    relay.submit("r1", List.of("jwe"));
    assertEquals(1, insideGets.get());
    assertEquals(Map.of("status-list-not-a-jwt", 1), audit.get(0).get("failures"));
  }

  @Test
  void didEthrDocumentsComeFromTheHostsResolverAndOnlyForDidEthr() {
    String ethr = "did:ethr:0x" + "ab".repeat(20);
    String key = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    List<String> asked = new ArrayList<>();
    EvidenceRelay relay =
        relay(
            r -> {
              if (r instanceof Message.SubmitPayloads s) {
                return new Message.PayloadVerdicts(
                    "r1",
                    List.of(
                        Boolean.TRUE.equals(s.deferEvidence()) && flags().size() == 1
                            ? new Message.Verdict(
                                "deferred",
                                "producer-did-unresolvable",
                                null,
                                new Message.Needs(List.of(), List.of(), List.of(ethr, key)))
                            : new Message.Verdict("accepted", null, "00")));
              }
              if (r instanceof Message.SupplyEvidence e) {
                assertEquals(Map.of(ethr, "{\"resolved\":true}"), e.didDocuments());
                return new Message.EvidenceStored(0, 0, 0, e.didDocuments().size());
              }
              throw new AssertionError(r.toString());
            },
            false,
            did -> {
              asked.add(did);
              return Optional.of("{\"resolved\":true}");
            });

    assertEquals("accepted", relay.submit("r1", List.of("jwe")).verdicts().get(0).outcome());
    assertEquals(List.of(ethr), asked, "only did:ethr is resolved on the host's word");
    assertEquals(1, audit.get(0).get("didDocumentsSupplied"));
    assertEquals(Map.of("did-document-unresolved", 1), audit.get(0).get("failures"));
  }

  @Test
  void anEnclaveGoneMidRelayLeavesTheDeferredPayloadPendingAndKeepsTheOtherVerdicts() {
    String did = "did:fabric:sovereign:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    EvidenceRelay relay =
        relay(
            r -> {
              if (r instanceof Message.SubmitPayloads) {
                return new Message.PayloadVerdicts(
                    "r1",
                    List.of(
                        new Message.Verdict("accepted", null, "00"),
                        new Message.Verdict(
                            "deferred",
                            "did-evidence-missing",
                            null,
                            new Message.Needs(List.of(did), List.of()))));
              }
              return new Message.Error("unavailable", "gone");
            },
            false);

    Message.PayloadVerdicts v = relay.submit("r1", List.of("jwe1", "jwe2"));
    assertEquals("accepted", v.verdicts().get(0).outcome());
    assertTrue(EvidenceRelay.deferred(v.verdicts().get(1)));
    assertEquals(1, audit.get(0).get("stillDeferred"));
    assertTrue(audit.get(0).toString().indexOf(did) < 0, "the audit entry names no DID");
  }
}
