package dev.sovereign.host;

import dev.sovereign.did.fabric.core.DidFabricLedger;
import dev.sovereign.did.fabric.core.FabricDid;
import dev.sovereign.did.fabric.core.FabricDidEvidence;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.gateway.FabricGatewayConnection;
import dev.sovereign.enclave.protocol.Message;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Fetches the evidence the enclave asks for (docs/enclave-protocol.md, {@code deferEvidence}):
 * payloads are submitted with {@code deferEvidence: true}; for the ones the enclave answers {@code
 * deferred}, the relay gets did:fabric evidence from the host's ledger (the embedded one or a
 * Fabric network through the Fabric Gateway, {@link EmbeddedLedgers}) for a fresh enclave {@link
 * Message.EvidenceNonce} and status list credentials (operator-posted ones first, else an HTTP GET
 * of the URL), supplies them with {@link Message.SupplyEvidence} and sends those payloads again. A
 * payload is sent again with the flag only while the relay supplied something new for it, at most
 * {@link #MAX_PASSES} times; then without, so every payload ends with a final verdict.
 *
 * <p>The relay never sees plaintext: it handles identifiers the enclave named (public DIDs and
 * URLs) and evidence the enclave verifies itself. Its audit entry holds counts and reason codes
 * only (no DIDs, no URLs, no payload ids). It does not know the inbox: the caller hands it the
 * enclave call, the store of status lists and the ledgers.
 */
final class EvidenceRelay implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EvidenceRelay.class);

  /** Submissions of a deferred payload with the flag set, counting the first. */
  static final int MAX_PASSES = 3;

  /** Largest status list credential fetched (the enclave's own limit for one). */
  static final int MAX_STATUS_LIST_BYTES = 1 << 20;

  private static final Pattern COMPACT_JWS =
      Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

  /** The enclave, through the host's error mapping ({@link HostService#call}). */
  interface Enclave {
    <R extends Message.Response> R call(Message.Request request, Class<R> type);
  }

  /**
   * Where status list credentials the host relayed are kept, so a restarted enclave gets them
   * again.
   */
  interface StatusListStore {
    Map<String, String> all() throws Exception;

    void put(String url, String credential) throws Exception;
  }

  /**
   * {@code ask}: submit with {@code deferEvidence} at all; {@code fetch}: GET status lists by URL;
   * {@code privateAddresses}: also from loopback and private ranges; {@code timeout} of one fetch.
   */
  record Settings(boolean ask, boolean fetch, boolean privateAddresses, Duration timeout) {
    /** From {@code sovereign.evidence.*} ({@link EvidenceConfig}). */
    static Settings of(EvidenceConfig c) {
      return new Settings(
          c.relay(), c.fetchStatusLists(), c.fetchPrivateAddresses(), c.fetchTimeout());
    }
  }

  private final Enclave enclave;
  private final StatusListStore store;
  private final Function<String, Optional<DidFabricLedger>> ledgers;
  private final Function<String, Optional<String>> documents;
  private final BiConsumer<String, Map<String, ?>> audit;
  private final Settings settings;
  private final HttpClient http;

  /**
   * @param ledgers the ledger serving a did:fabric network, if the host has one
   * @param audit appends an audit entry (kind, fields)
   */
  EvidenceRelay(
      Enclave enclave,
      StatusListStore store,
      Function<String, Optional<DidFabricLedger>> ledgers,
      BiConsumer<String, Map<String, ?>> audit,
      Settings settings) {
    this(enclave, store, ledgers, did -> Optional.empty(), audit, settings);
  }

  /**
   * @param documents the host's DID Resolution result (JSON) for a did:ethr DID, if it has one; the
   *     enclave takes it on the host's word where its policy accepts did:ethr
   */
  EvidenceRelay(
      Enclave enclave,
      StatusListStore store,
      Function<String, Optional<DidFabricLedger>> ledgers,
      Function<String, Optional<String>> documents,
      BiConsumer<String, Map<String, ?>> audit,
      Settings settings) {
    this.documents = documents;
    this.enclave = enclave;
    this.store = store;
    this.ledgers = ledgers;
    this.audit = audit;
    this.settings = settings;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(settings.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * Submits {@code jwes} to {@code round} and relays evidence for deferred payloads. The answer has
   * one verdict per payload, in order; a verdict is still {@code deferred} only if the enclave
   * became unreachable while relaying (the caller leaves that payload pending and sends it again
   * later).
   *
   * @throws Problem if the first submission fails (nothing was answered)
   */
  Message.PayloadVerdicts submit(String round, List<String> jwes) {
    return submit(round, jwes, false);
  }

  /**
   * As {@link #submit(String, List)}; with {@code reportSeal} (protocol 1.2) the answer carries the
   * enclave's seal sequence before it counted these payloads: the largest reported over the
   * submissions of a relay (a seal between two of them counts every payload as after it).
   */
  Message.PayloadVerdicts submit(String round, List<String> jwes, boolean reportSeal) {
    Boolean askSeal = reportSeal ? true : null;
    Message.PayloadVerdicts first =
        enclave.call(
            new Message.SubmitPayloads(round, jwes, settings.ask() ? true : null, askSeal),
            Message.PayloadVerdicts.class);
    if (first.verdicts().size() != jwes.size()
        || first.verdicts().stream().noneMatch(EvidenceRelay::deferred)) {
      return first;
    }
    Long sealSequence = first.sealSequence();
    List<Message.Verdict> verdicts = new ArrayList<>(first.verdicts());
    Set<String> tried = new TreeSet<>();
    Report report = new Report();
    try {
      for (int pass = 1; ; pass++) {
        List<Integer> waiting = new ArrayList<>();
        Set<String> dids = new TreeSet<>();
        Set<String> lists = new TreeSet<>();
        Set<String> docs = new TreeSet<>();
        for (int i = 0; i < verdicts.size(); i++) {
          Message.Verdict v = verdicts.get(i);
          if (deferred(v)) {
            waiting.add(i);
            if (v.needs() != null) {
              Optional.ofNullable(v.needs().didLogs()).ifPresent(dids::addAll);
              Optional.ofNullable(v.needs().statusLists()).ifPresent(lists::addAll);
              Optional.ofNullable(v.needs().didDocuments()).ifPresent(docs::addAll);
            }
          }
        }
        if (waiting.isEmpty()) {
          break;
        }
        report.deferred += pass == 1 ? waiting.size() : 0;
        dids.removeIf(d -> tried.contains("did " + d));
        lists.removeIf(u -> tried.contains("url " + u));
        docs.removeIf(d -> tried.contains("doc " + d));
        dids.forEach(d -> tried.add("did " + d));
        lists.forEach(u -> tried.add("url " + u));
        docs.forEach(d -> tried.add("doc " + d));
        int supplied = relay(dids, lists, docs, report);
        boolean again = supplied > 0 && pass < MAX_PASSES;
        List<String> resend = waiting.stream().map(jwes::get).toList();
        Message.PayloadVerdicts next =
            enclave.call(
                new Message.SubmitPayloads(round, resend, again ? true : null, askSeal),
                Message.PayloadVerdicts.class);
        if (next.sealSequence() != null) {
          sealSequence =
              sealSequence == null
                  ? next.sealSequence()
                  : Math.max(sealSequence, next.sealSequence());
        }
        if (next.verdicts().size() != resend.size()) {
          throw Problem.unavailable(
              "enclave-error", "the enclave answered the wrong number of verdicts");
        }
        report.resent += resend.size();
        for (int j = 0; j < waiting.size(); j++) {
          verdicts.set(waiting.get(j), next.verdicts().get(j));
        }
        if (!again) {
          break;
        }
      }
    } catch (Problem p) {
      // The enclave went away while relaying: what it answered stands, deferred payloads stay
      // pending.
      report.failure("enclave-" + p.code());
      LOG.warnf("evidence relay interrupted: %s", p.code());
    } catch (RuntimeException e) {
      report.failure("relay-failed");
      LOG.warnf("evidence relay failed: %s", e.getClass().getSimpleName());
    }
    report.stillDeferred = (int) verdicts.stream().filter(EvidenceRelay::deferred).count();
    audit.accept("evidence-relayed", report.fields(round));
    return new Message.PayloadVerdicts(first.round(), verdicts, sealSequence);
  }

  static boolean deferred(Message.Verdict v) {
    return "deferred".equals(v.outcome());
  }

  /** Fetches and supplies what is needed; returns how many items the enclave stored. */
  private int relay(Set<String> dids, Set<String> urls, Set<String> docs, Report report) {
    report.didLogsNeeded += dids.size();
    report.didDocumentsNeeded += docs.size();
    Map<String, String> resolved = new TreeMap<>();
    for (String did : docs) {
      Optional<String> r;
      try {
        r = did.startsWith("did:ethr:") ? documents.apply(did) : Optional.empty();
      } catch (RuntimeException e) {
        r = Optional.empty();
      }
      if (r.isPresent()) {
        resolved.put(did, r.get());
      } else {
        report.failure("did-document-unresolved");
      }
    }
    report.statusListsNeeded += urls.size();
    Map<String, String> lists = new TreeMap<>();
    Map<String, String> fetched = new TreeMap<>();
    Map<String, String> stored = Map.of();
    if (!urls.isEmpty()) {
      try {
        stored = store.all();
      } catch (Exception e) {
        report.failure("store-unavailable");
      }
    }
    for (String url : urls) {
      String jwt = stored.get(url);
      if (jwt == null) {
        jwt = fetch(url, report);
        if (jwt != null) {
          fetched.put(url, jwt); // remembered once the enclave has verified and stored it
        }
      }
      if (jwt != null) {
        lists.put(url, jwt);
      }
    }
    List<byte[]> bundles = new ArrayList<>();
    if (!dids.isEmpty()) {
      String nonce =
          enclave.call(new Message.EvidenceNonce(), Message.EvidenceNonceIssued.class).nonce();
      for (String did : dids) {
        bundle(did, nonce, report).ifPresent(bundles::add);
      }
    }
    if (bundles.isEmpty() && lists.isEmpty() && resolved.isEmpty()) {
      return 0;
    }
    try {
      // as bytes: the protocol parses them (the host must not hand the codec Jackson nodes of its
      // own)
      Message.EvidenceStored s =
          enclave.call(
              Message.SupplyEvidence.of(bundles, lists, resolved), Message.EvidenceStored.class);
      report.didLogsSupplied += s.didLogs();
      report.statusListsSupplied += s.statusLists();
      s.refusedStatusLists().values().forEach(code -> report.failure(code));
      rememberVerified(fetched, s.refusedStatusLists().keySet(), report);
      report.didDocumentsSupplied += s.didDocumentsStored();
      return s.didLogs() + s.statusLists() + s.didDocumentsStored();
    } catch (Problem p) {
      if (!p.code().equals("evidence-rejected")) {
        throw p;
      }
      // Some evidence did not verify; the enclave stored the rest. The resend tells each payload's
      // fate.
      report.failure("evidence-rejected");
      // the answer that would name refused lists was not sent: only lists are stored that the
      // enclave verifies again when they are supplied from the store (a refused one is named then)
      return bundles.size() + lists.size() + resolved.size();
    }
  }

  /** Keeps the fetched lists the enclave did not refuse, for a restarted enclave. */
  private void rememberVerified(Map<String, String> fetched, Set<String> refused, Report report) {
    for (Map.Entry<String, String> e : fetched.entrySet()) {
      if (!refused.contains(e.getKey())) {
        try {
          store.put(e.getKey(), e.getValue());
        } catch (Exception x) {
          report.failure("store-unavailable");
        }
      }
    }
  }

  private Optional<byte[]> bundle(String did, String nonce, Report report) {
    try {
      Optional<DidFabricLedger> ledger = ledgers.apply(FabricDid.parse(did).network());
      if (ledger.isEmpty()) {
        report.failure("ledger-unavailable");
        return Optional.empty();
      }
      return Optional.of(FabricDidEvidence.bundle(ledger.get(), did, nonce));
    } catch (RejectedException e) {
      report.failure("ledger-" + e.reason().code());
    } catch (RuntimeException e) {
      report.failure("ledger-unavailable");
    }
    return Optional.empty();
  }

  /** GETs a status list credential: http(s) only, no redirects, bounded in time and size. */
  private String fetch(String url, Report report) {
    if (!settings.fetch()) {
      report.failure("status-list-fetch-disabled");
      return null;
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      report.failure("status-list-url-refused");
      return null;
    }
    if (!allowed(uri)) {
      report.failure("status-list-url-refused");
      return null;
    }
    try {
      HttpResponse<InputStream> r =
          http.send(
              HttpRequest.newBuilder(uri)
                  .timeout(settings.timeout())
                  .header("Accept", "application/vc+jwt, application/jwt, text/plain")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          report.failure("status-list-http-" + (r.statusCode() / 100) + "xx");
          return null;
        }
        byte[] body = in.readNBytes(MAX_STATUS_LIST_BYTES + 1);
        if (body.length > MAX_STATUS_LIST_BYTES) {
          report.failure("status-list-too-large");
          return null;
        }
        String jwt = new String(body, StandardCharsets.US_ASCII).strip();
        if (!COMPACT_JWS.matcher(jwt).matches()) {
          report.failure("status-list-not-a-jwt");
          return null;
        }
        return jwt;
      }
    } catch (IOException e) {
      report.failure("status-list-unreachable");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      report.failure("status-list-unreachable");
    } catch (IllegalArgumentException e) {
      report.failure("status-list-url-refused");
    }
    return null;
  }

  /**
   * http or https with a host, no user info; every address the host resolves to must be public
   * (loopback and private ranges only with {@code privateAddresses}; link-local, e.g. a cloud
   * metadata service, multicast and the wildcard address never). The name is resolved again when
   * connecting, so a DNS answer that changes in between is not caught (docs/threat-model.md).
   */
  private boolean allowed(URI uri) {
    String scheme = uri.getScheme();
    if (!("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))
        || uri.getHost() == null
        || uri.getRawUserInfo() != null) {
      return false;
    }
    try {
      for (InetAddress a : InetAddress.getAllByName(uri.getHost())) {
        if (a.isLinkLocalAddress() || a.isMulticastAddress() || a.isAnyLocalAddress()) {
          return false;
        }
        if ((a.isLoopbackAddress() || a.isSiteLocalAddress() || uniqueLocal(a))
            && !settings.privateAddresses()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean uniqueLocal(InetAddress a) {
    byte[] b = a.getAddress();
    return b.length == 16 && (b[0] & 0xfe) == 0xfc;
  }

  @Override
  public void close() {
    if (ledgers instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warnf("ledger did not close cleanly: %s", e.getClass().getSimpleName());
      }
    }
  }

  /**
   * did:ethr resolution results from the host's own resolvers ({@code sovereign.host.did.*}, e.g.
   * {@code ethr.rpc} and {@code ethr.registry} for the web3j resolver), made on first use. Only a
   * result with a document is relayed; the enclave takes it on the host's word.
   */
  static Function<String, Optional<String>> resolvedDocuments(Map<String, String> didSettings) {
    return new Function<>() {
      private dev.sovereign.did.DidResolver resolver;

      @Override
      public synchronized Optional<String> apply(String did) {
        if (resolver == null) {
          resolver = dev.sovereign.did.DidResolvers.standard(didSettings);
        }
        dev.sovereign.did.DidResolutionResult r = resolver.resolve(did);
        return r.error().isPresent() || r.didDocument().isEmpty()
            ? Optional.empty()
            : Optional.of(dev.sovereign.did.DidJson.write(r));
      }
    };
  }

  /**
   * The host's did:fabric ledgers, from the DID settings ({@code sovereign.host.did.*}, the same
   * ones the resolver endpoint and the CLI's {@code --ledger-setting} use). With {@code
   * fabric.gateway} set, the Fabric network reached through the Fabric Gateway client ({@link
   * FabricGatewayConnection}: {@code fabric.tlsCa}, {@code fabric.mspId}, {@code fabric.cert},
   * {@code fabric.key}, {@code fabric.pinnedCa}, optional {@code fabric.channel}, {@code
   * fabric.chaincode}, {@code fabric.authority}), which serves the network named like its channel;
   * it connects on first use and again after a failed connect. Otherwise the embedded ledgers under
   * {@code data.dir} ({@code <data.dir>/did-fabric/<network>}, as {@code
   * EmbeddedFabricResolverProvider} lays them out), opened on first use and only if they exist.
   * (Named for the embedded case, which came first.)
   */
  static final class EmbeddedLedgers
      implements Function<String, Optional<DidFabricLedger>>, AutoCloseable {
    private final java.nio.file.Path dataDir;
    private final Map<String, String> gatewaySettings;
    private final Map<String, dev.sovereign.did.fabric.ledger.EmbeddedLedger> open =
        new TreeMap<>();
    private FabricGatewayConnection gateway;

    EmbeddedLedgers(Map<String, String> didSettings) {
      boolean fabric = didSettings.get(FabricGatewayConnection.GATEWAY) != null;
      String dir = didSettings.get("data.dir");
      this.gatewaySettings = fabric ? Map.copyOf(didSettings) : null;
      this.dataDir = dir == null || fabric ? null : java.nio.file.Path.of(dir);
    }

    @Override
    public synchronized Optional<DidFabricLedger> apply(String network) {
      if (gatewaySettings != null) {
        if (gateway == null) {
          try {
            gateway = FabricGatewayConnection.connect(gatewaySettings);
          } catch (java.io.IOException | RuntimeException e) {
            // the class only: a message may quote a file path or a raw crypto error
            LOG.warnf(
                "Fabric Gateway connection not made (fabric.* settings): %s",
                e.getClass().getSimpleName());
            throw e instanceof RuntimeException r
                ? r
                : new java.io.UncheckedIOException((java.io.IOException) e);
          }
        }
        return gateway.ledger().network().equals(network)
            ? Optional.of(gateway.ledger())
            : Optional.empty();
      }
      if (dataDir == null) {
        return Optional.empty();
      }
      dev.sovereign.did.fabric.ledger.EmbeddedLedger l = open.get(network);
      if (l == null) {
        if (!java.nio.file.Files.exists(
            dataDir.resolve("did-fabric").resolve(network).resolve("ledger.sqlite"))) {
          return Optional.empty();
        }
        registerSqliteDriver();
        l =
            dev.sovereign.did.fabric.ledger.EmbeddedFabricResolverProvider.openLedger(
                dataDir, network);
        open.put(network, l);
      }
      return Optional.of(l);
    }

    /**
     * The ledger connects through {@link java.sql.DriverManager}, which finds only drivers visible
     * to the ledger's class loader; under Quarkus that is not the system loader, so the driver is
     * loaded there.
     */
    static void registerSqliteDriver() {
      try {
        Class.forName(
            "org.sqlite.JDBC",
            true,
            dev.sovereign.did.fabric.ledger.EmbeddedLedger.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("sqlite-jdbc is not on the class path", e);
      }
    }

    @Override
    public synchronized void close() {
      open.values().forEach(dev.sovereign.did.fabric.ledger.EmbeddedLedger::close);
      open.clear();
      if (gateway != null) {
        gateway.close();
        gateway = null;
      }
    }
  }

  /** Counts for the audit entry: no identifiers. */
  private static final class Report {
    int deferred;
    int resent;
    int stillDeferred;
    int didLogsNeeded;
    int didLogsSupplied;
    int statusListsNeeded;
    int statusListsSupplied;
    int didDocumentsNeeded;
    int didDocumentsSupplied;
    final Map<String, Integer> failures = new TreeMap<>();

    void failure(String code) {
      failures.merge(code, 1, Integer::sum);
    }

    Map<String, Object> fields(String round) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("round", round);
      f.put("deferred", deferred);
      f.put("resent", resent);
      f.put("stillDeferred", stillDeferred);
      f.put("didLogsNeeded", didLogsNeeded);
      f.put("didLogsSupplied", didLogsSupplied);
      f.put("statusListsNeeded", statusListsNeeded);
      f.put("statusListsSupplied", statusListsSupplied);
      if (didDocumentsNeeded > 0) {
        f.put("didDocumentsNeeded", didDocumentsNeeded);
        f.put("didDocumentsSupplied", didDocumentsSupplied);
      }
      f.put("failures", failures);
      return f;
    }
  }
}
