package dev.sovereign.host;

import dev.sovereign.enclave.policy.InvalidPolicyException;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.server.ListenAddress;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The host's core: the durable inbox, the link to the enclave (and, in development, the enclave
 * child process), and the forwarder that drains the inbox into the enclave.
 *
 * <p>Delivery is at-least-once and the enclave's replay protection makes duplicates harmless. The
 * host remembers the enclave identity it last saw; when it changes (a crashed or restarted
 * enclave), every open round is opened again and every payload of those rounds is sent again, so
 * nothing accepted before the crash is lost, and verdicts already recorded are kept (a payload is
 * counted once).
 */
@ApplicationScoped
public class HostService {
  private static final Logger LOG = Logger.getLogger(HostService.class);

  /** How long a stopping host waits for the forwarder's current drain or seal. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

  private final HostConfig config;
  private final Clock clock = Clock.systemUTC();
  private Inbox inbox;
  private EnclaveLink link;
  private EnclaveLauncher launcher;
  private ScheduledExecutorService forwarder;
  private final AtomicReference<String> enclaveDid = new AtomicReference<>();
  private final Object drainLock = new Object();
  private DevKeyBroker devBroker;
  private SealStore seals;
  private volatile boolean sealing;

  /**
   * False while a recovery is incomplete: a seal then would claim payloads the enclave has not
   * seen.
   */
  private volatile boolean consistent = true;

  private final AtomicLong changesSinceSeal = new AtomicLong();
  private final AtomicLong acceptedSinceSeal = new AtomicLong();
  private Instant nextStartAttempt = Instant.MIN;

  /**
   * {@code sovereign.host.enclave.load-policy}: the policy this host loads into an enclave booted
   * without one.
   */
  private Path loadPolicyFile;

  private EnclavePolicy enclavePolicy;

  /** True once the enclave behind the link was seen running {@link #enclavePolicy}. */
  private volatile boolean policyChecked;

  private final int auditSignEvery;
  private volatile HostAudit audit;
  private EvidenceRelay evidenceRelay;

  public HostService(HostConfig config) {
    this(config, 64);
  }

  @jakarta.inject.Inject
  public HostService(HostConfig config, AuditConfig auditConfig) {
    this(config, auditConfig.signEvery());
  }

  private HostService(HostConfig config, int auditSignEvery) {
    this.config = config;
    this.auditSignEvery = auditSignEvery;
  }

  @jakarta.inject.Inject
  void loadPolicy(EnclavePolicyConfig c) {
    loadPolicyFile = c.loadPolicy().map(Path::of).orElse(null);
  }

  void onStart(@Observes StartupEvent ev) throws Exception {
    Path data = Path.of(config.dataDir()).toAbsolutePath();
    enclavePolicy = loadPolicyFile == null ? null : EnclavePolicy.read(loadPolicyFile);
    Files.createDirectories(data);
    inbox = Inbox.open(data.resolve("inbox"));
    seals = new SealStore(data.resolve("seals"), config.seal().keep());
    ListenAddress address =
        ListenAddress.parse(
            config.enclave().address().orElse("unix:" + data.resolve("enclave.sock")));
    List<String> brokerArgs = new ArrayList<>();
    if (config.keyBroker().endpoint().isPresent() && config.keyBroker().keyId().isPresent()) {
      brokerArgs.addAll(
          List.of(
              "--key-broker",
              config.keyBroker().endpoint().get(),
              "--key-id",
              config.keyBroker().keyId().get()));
    }
    if (config.enclave().launch() && address instanceof ListenAddress.Unix u) {
      Path jar = Path.of(config.enclave().jar().orElse(defaultEnclaveJar().toString()));
      // With load-policy the dev enclave boots without --policy and the host loads it, as on Nitro.
      Path policy =
          enclavePolicy != null
              ? enclavePolicy.file()
              : config.enclave().policy().map(Path::of).orElse(null);
      if (policy == null) {
        throw new IllegalArgumentException(
            "sovereign.host.enclave.policy (or load-policy) is required to launch a"
                + " development enclave (./sovereign demo writes one)");
      }
      Path enclaveState = data.resolve("enclave-state");
      if (brokerArgs.isEmpty()
          && config.keyBroker().embedded()
          && policy != null
          && Files.isRegularFile(jar)) {
        devBroker = startDevBroker(data, enclaveState, jar, policy);
        if (devBroker != null) {
          brokerArgs.addAll(
              List.of(
                  "--key-broker", devBroker.endpoint().toString(), "--key-id", devBroker.keyArn()));
        }
      }
      launcher =
          new EnclaveLauncher(
              jar,
              u.path(),
              enclavePolicy != null ? null : policy,
              enclaveState,
              data.resolve("enclave.log"),
              brokerArgs);
      launcher.start(Duration.ofSeconds(60));
    }
    sealing = config.seal().enabled() && !brokerArgs.isEmpty();
    link = new EnclaveLink(address, config.enclave().timeout());
    audit =
        HostAudit.open(
            data.resolve("audit").resolve("audit.jsonl"),
            auditSignEvery,
            (seq, head) ->
                call(new Message.SignAuditHead(seq, head), Message.AuditHeadSigned.class).jws(),
            clock);
    forwarder =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sovereign-forwarder");
              t.setDaemon(true);
              return t;
            });
    try {
      ensurePolicy();
    } catch (IOException | Problem e) {
      LOG.warnf(
          "the enclave's policy is not checked yet (%s); checked again before every use",
          e instanceof Problem p ? p.code() : "enclave unreachable");
    }
    recoverAfterHostStart();
    forwarder.scheduleWithFixedDelay(this::drainQuietly, 0, 200, TimeUnit.MILLISECONDS);
    if (sealing) {
      long every = Math.max(1000, config.seal().interval().toMillis());
      forwarder.scheduleWithFixedDelay(this::sealQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  private static DevKeyBroker startDevBroker(Path data, Path enclaveState, Path jar, Path policy) {
    try {
      String hash = PolicyLoader.load(policy).sha256Hex();
      return DevKeyBroker.start(data.resolve("key-broker"), enclaveState, jar, hash);
    } catch (InvalidPolicyException | IOException e) {
      LOG.warnf(
          "dev key broker not started (%s); the enclave runs without sealing",
          e.getClass().getSimpleName());
      return null;
    }
  }

  /**
   * After a host restart: if the inbox has open rounds the enclave does not know (a new enclave, or
   * one that restarted with the host), restore the last seal and resend the inbox tail.
   */
  private void recoverAfterHostStart() {
    try {
      if (inbox.openRounds().isEmpty() || (enclavePolicy != null && !policyChecked)) {
        return; // nothing to recover, or an enclave not (yet) seen running this host's policy
      }
      Message.HealthStatus h = link.call(new Message.Health(), Message.HealthStatus.class);
      enclaveDid.set(h.enclaveDid());
      if (h.openRounds() == 0) {
        recover();
      }
    } catch (Exception e) {
      LOG.warnf("start-up recovery deferred: %s", e.getClass().getSimpleName());
    }
  }

  void onStop(@Observes ShutdownEvent ev) {
    if (forwarder != null) {
      // Let a drain or seal in progress finish: interrupting it mid-append would close the audit
      // file under it and lose the entry of a seal already stored. Periodic runs stop here.
      forwarder.shutdown();
      try {
        if (!forwarder.awaitTermination(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn(
              "the forwarder did not finish within the shutdown grace period; interrupting it");
          forwarder.shutdownNow();
        }
      } catch (InterruptedException e) {
        forwarder.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (audit != null) {
      audit.close();
    }
    if (link != null) {
      link.close();
    }
    if (launcher != null) {
      launcher.close();
    }
    if (devBroker != null) {
      devBroker.close();
    }
    if (evidenceRelay != null) {
      evidenceRelay.close();
    }
    try {
      if (inbox != null) {
        inbox.close();
      }
    } catch (SQLException e) {
      LOG.warn("inbox did not close cleanly");
    }
  }

  private static Path defaultEnclaveJar() {
    String home = System.getenv("SOVEREIGN_HOME");
    Path root = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
    for (Path dir = root; dir != null; dir = dir.getParent()) {
      Path jar = dir.resolve("enclave-app/target/sovereign-enclave.jar");
      if (Files.isRegularFile(jar)) {
        return jar;
      }
    }
    return root.resolve("enclave-app/target/sovereign-enclave.jar");
  }

  /** The inbox (for tests and status). */
  public Inbox inbox() {
    return inbox;
  }

  /** The dev launcher, if this host started its enclave. */
  public Optional<EnclaveLauncher> launcher() {
    return Optional.ofNullable(launcher);
  }

  /** Sends one request to the enclave, restarting a dead dev enclave first. */
  public <R extends Message.Response> R call(Message.Request request, Class<R> type) {
    try {
      ensureEnclave();
      ensurePolicy();
      try {
        return link.call(request, type);
      } catch (EnclaveLink.EnclaveErrorException e) {
        if (enclavePolicy == null || !e.code().equals("policy-not-loaded")) {
          throw e;
        }
        // A new enclave booted without a policy behind the host's back: ours goes in first, then
        // recovery.
        policyChecked = false;
        ensurePolicy();
        recover();
        return link.call(request, type);
      }
    } catch (EnclaveLink.EnclaveErrorException e) {
      if (e.code().equals("seal-rejected")
          && e.detail() != null
          && e.detail().matches("[A-Z0-9_:]{1,120}")) {
        throw new Problem(
            422, "seal-rejected", "the enclave refused the sealed state: " + e.detail());
      }
      throw enclaveProblem(e.code());
    } catch (EnclaveLink.LinkException | IOException e) {
      LOG.warnf("enclave unavailable: %s", e.getMessage());
      throw Problem.unavailable("enclave-unavailable", "the enclave is not reachable; retry later");
    }
  }

  private static Problem enclaveProblem(String code) {
    return switch (code) {
      case "unknown-round" ->
          Problem.notFound("unknown-round", "the enclave has no such open round");
      case "round-exists" -> new Problem(409, "round-exists", "the round id is already in use");
      case "policy-mismatch" ->
          new Problem(409, "policy-mismatch", "the enclave loaded another policy");
      case "dataset-not-in-policy" ->
          Problem.badRequest("dataset-not-in-policy", "the dataset is not in the policy");
      case "policy-forbids" ->
          Problem.badRequest("policy-forbids", "the policy forbids this request");
      case "evidence-rejected" ->
          Problem.badRequest("evidence-rejected", "the enclave rejected the evidence");
      case "seal-rejected" ->
          Problem.badRequest("seal-rejected", "the enclave rejected the sealed state");
      case "unavailable" ->
          Problem.unavailable(
              "enclave-component-unavailable", "the enclave lacks a component for this");
      default ->
          Problem.unavailable(
              "enclave-error", "the enclave could not serve the request (" + code + ")");
    };
  }

  private void ensureEnclave() throws IOException {
    if (launcher != null && !launcher.alive()) {
      synchronized (drainLock) {
        if (!launcher.alive()) {
          if (clock.instant().isBefore(nextStartAttempt)) {
            throw new IOException(
                "the enclave failed to start; next attempt at " + nextStartAttempt);
          }
          LOG.warn("the enclave process is gone; starting a new one");
          link.reset();
          try {
            launcher.start(Duration.ofSeconds(60));
          } catch (IOException e) {
            // A child that cannot boot (e.g. a rebuilt jar the policy does not list) is not retried
            // every tick.
            nextStartAttempt = clock.instant().plusSeconds(5);
            throw e;
          }
          policyChecked = false;
          ensurePolicy();
          recover();
        }
      }
    }
  }

  /**
   * With {@code load-policy}: makes sure the enclave runs this host's policy before anything else
   * is sent to it, loading the policy into an enclave that booted without one; an enclave running
   * another policy is refused (503 {@code policy-mismatch}), never overwritten.
   */
  private void ensurePolicy() throws IOException {
    if (enclavePolicy == null || policyChecked) {
      return;
    }
    synchronized (drainLock) {
      if (policyChecked) {
        return;
      }
      try {
        enclavePolicy.ensure(link);
        policyChecked = true;
      } catch (EnclavePolicy.Refused r) {
        throw Problem.unavailable(r.code(), r.getMessage());
      } catch (EnclaveLink.LinkException e) {
        throw new IOException("the enclave is not reachable", e);
      }
    }
  }

  /** The enclave's health; also notices a restarted enclave and recovers its rounds. */
  public Message.HealthStatus health() {
    Message.HealthStatus h = call(new Message.Health(), Message.HealthStatus.class);
    if (enclavePolicy != null && !enclavePolicy.runsIn(h)) {
      policyChecked = false; // looked at again (and refused, unless replaced) on the next call
      LOG.errorf(
          "enclave %s runs policy sha256 %s, not this host's %s; refusing to use it",
          h.enclaveDid(), h.policySha256(), enclavePolicy.sha256());
      throw Problem.unavailable(
          "policy-mismatch", "the enclave runs another policy than this host's");
    }
    String previous = enclaveDid.getAndSet(h.enclaveDid());
    if (previous != null && !previous.equals(h.enclaveDid())) {
      recover();
    }
    return h;
  }

  /** Opens a round in the enclave and records it. */
  public Message.RoundOpened openRound(String round, String dataset) {
    Message.HealthStatus h = health();
    Message.RoundOpened opened =
        call(new Message.OpenRound(round, dataset, h.policySha256()), Message.RoundOpened.class);
    try {
      inbox.openRound(round, dataset, opened.policySha256(), clock.instant());
      changesSinceSeal.incrementAndGet();
      audit.record(
          "round-opened",
          Map.of("round", round, "dataset", dataset, "policySha256", opened.policySha256()));
    } catch (Inbox.UnavailableException e) {
      throw Problem.unavailable("store-unavailable", "the host could not record the round");
    }
    return opened;
  }

  /**
   * Relays status list credentials to the enclave (which verifies them; the host's word counts for
   * nothing) and remembers them for a restarted enclave.
   */
  public Message.EvidenceStored supplyStatusLists(Map<String, String> statusLists) {
    Message.EvidenceStored stored =
        call(new Message.SupplyEvidence(null, null, statusLists), Message.EvidenceStored.class);
    try {
      for (Map.Entry<String, String> e : statusLists.entrySet()) {
        inbox.putStatusList(e.getKey(), e.getValue());
      }
    } catch (Inbox.UnavailableException e) {
      throw Problem.unavailable("store-unavailable", "the host could not record the evidence");
    }
    return stored;
  }

  /** Stores a payload durably (the caller answers 202 only after this returns). */
  public Inbox.Stored submit(String round, String jwe) {
    JweEnvelope env = JweEnvelope.read(jwe);
    if (!config.zones().contains(env.zone())) {
      throw new Problem(
          421,
          "zone-not-served",
          "this host does not serve zone " + env.zone() + "; send it to that zone's host");
    }
    Inbox.RoundRecord r = roundRecord(round);
    if (!r.state().equals("open")) {
      throw new Problem(409, "round-closed", "the round is closed");
    }
    try {
      Inbox.Stored stored = inbox.put(round, env.zone(), jwe, clock.instant());
      requestDrain();
      return stored;
    } catch (Inbox.UnavailableException e) {
      LOG.error("inbox write failed; payload not acknowledged");
      throw Problem.unavailable(
          "store-unavailable",
          "the host could not store the payload durably; nothing was accepted");
    }
  }

  /** The host's record of a round or a 404 problem. */
  public Inbox.RoundRecord roundRecord(String round) {
    try {
      return inbox
          .round(round)
          .orElseThrow(() -> Problem.notFound("unknown-round", "no such round"));
    } catch (SQLException e) {
      throw Problem.unavailable("store-unavailable", "the host could not read its store");
    }
  }

  /** Verdict counts of a round (reason codes only). */
  public Map<String, Long> counts(String round) {
    try {
      return inbox.verdictCounts(round);
    } catch (SQLException e) {
      throw Problem.unavailable("store-unavailable", "the host could not read its store");
    }
  }

  /** Drains the round's pending payloads into the enclave, then closes the round there. */
  public String closeRound(String round) {
    Inbox.RoundRecord r = roundRecord(round);
    if (r.state().equals("closed")) {
      return r.result().orElseThrow();
    }
    health();
    drainFully();
    Message.RoundResult result = call(new Message.CloseRound(round), Message.RoundResult.class);
    try {
      inbox.closeRound(round, result.credential());
    } catch (Inbox.UnavailableException e) {
      throw Problem.unavailable("store-unavailable", "the host could not record the result");
    }
    changesSinceSeal.incrementAndGet();
    audit.record(
        "round-closed",
        Map.of(
            "round",
            round,
            "resultSha256",
            HostAudit.sha256Hex(
                result.credential().getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
    sealQuietly();
    audit.signHead();
    return result.credential();
  }

  /**
   * Queues a drain on the forwarder unless one is already queued: one queued drain serves every
   * submit stored before it starts, so concurrent submits make larger batches, not more drains.
   */
  private void requestDrain() {
    if (drainQueued.compareAndSet(false, true)) {
      forwarder.execute(
          () -> {
            // cleared before reading the inbox: a payload stored from now on queues the next drain
            drainQueued.set(false);
            drainQuietly();
          });
    }
  }

  /** Set while a drain requested by a submit waits on the forwarder. */
  private final AtomicBoolean drainQueued = new AtomicBoolean();

  private void drainQuietly() {
    try {
      // a full batch answered means more may be waiting; a partial one took everything stored
      // before it
      for (int i = 0; i < 1_000 && drainOnce() >= config.enclave().batch(); i++) {
        // next batch
      }
    } catch (Problem p) {
      // the enclave is away; payloads stay in the inbox and are sent when it is back
    } catch (Exception e) {
      LOG.warnf("forwarder: %s", e.getClass().getSimpleName());
    }
  }

  private void drainFully() {
    for (int i = 0; i < 100_000; i++) {
      try {
        if (inbox.pendingCount() == 0) {
          return;
        }
      } catch (SQLException e) {
        throw Problem.unavailable("store-unavailable", "the host could not read its store");
      }
      try {
        drainOnce();
      } catch (SQLException e) {
        throw Problem.unavailable("store-unavailable", "the host could not read its store");
      }
    }
  }

  /**
   * Sends one batch of pending payloads (grouped by round) and records the verdicts; returns how
   * many got one (a payload the enclave deferred stays pending and is not counted).
   */
  private int drainOnce() throws SQLException {
    synchronized (drainLock) {
      List<Inbox.Entry> batch = inbox.pending(config.enclave().batch());
      if (batch.isEmpty()) {
        return 0;
      }
      Map<String, List<Inbox.Entry>> byRound = new LinkedHashMap<>();
      for (Inbox.Entry e : batch) {
        byRound.computeIfAbsent(e.round(), k -> new ArrayList<>()).add(e);
      }
      int recorded = 0;
      for (Map.Entry<String, List<Inbox.Entry>> g : byRound.entrySet()) {
        recorded += sendAndRecord(g.getKey(), g.getValue());
      }
      return recorded;
    }
  }

  private int sendAndRecord(String round, List<Inbox.Entry> entries) {
    List<String> jwes = entries.stream().map(Inbox.Entry::jwe).toList();
    Message.PayloadVerdicts v;
    try {
      v = evidenceRelay().submit(round, jwes);
    } catch (Problem p) {
      if (p.code().equals("unknown-round")) {
        // The enclave lost the round (restarted without restore): recover and resend.
        recover();
      }
      throw p;
    }
    if (v.verdicts().size() != entries.size()) {
      throw Problem.unavailable(
          "enclave-error", "the enclave answered the wrong number of verdicts");
    }
    List<Inbox.VerdictRow> rows = new ArrayList<>(entries.size());
    List<Map<String, String>> outcomes = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      Message.Verdict verdict = v.verdicts().get(i);
      if (EvidenceRelay.deferred(verdict)) {
        continue; // the enclave went away while evidence was relayed: left pending, sent again
        // later
      }
      String outcome = verdict.outcome().equals("accepted") ? "accepted" : verdict.reason();
      rows.add(new Inbox.VerdictRow(entries.get(i).payloadId(), outcome, verdict.leaf()));
      Map<String, String> f = new LinkedHashMap<>();
      f.put("round", round);
      f.put("payloadId", entries.get(i).payloadId());
      f.put("outcome", verdict.outcome().equals("accepted") ? "accepted" : "rejected");
      if (!verdict.outcome().equals("accepted")) {
        f.put("reason", verdict.reason());
      }
      outcomes.add(f);
    }
    try {
      // the batch's verdicts in one transaction: all recorded (then audited) or none (sent again
      // later)
      inbox.recordVerdicts(rows);
    } catch (Inbox.UnavailableException e) {
      throw Problem.unavailable("store-unavailable", "the host could not record a verdict");
    }
    audit.recordAll("submission", outcomes);
    noteProcessed(v);
    return rows.size();
  }

  /**
   * Submits payloads and relays the evidence the enclave asks for ({@link EvidenceRelay}); made on
   * first use.
   */
  private synchronized EvidenceRelay evidenceRelay() {
    if (evidenceRelay == null) {
      evidenceRelay =
          new EvidenceRelay(
              this::call,
              new EvidenceRelay.StatusListStore() {
                @Override
                public Map<String, String> all() throws Exception {
                  return inbox.statusLists();
                }

                @Override
                public void put(String url, String credential) throws Exception {
                  inbox.putStatusList(url, credential);
                }
              },
              new EvidenceRelay.EmbeddedLedgers(config.did()),
              EvidenceRelay.resolvedDocuments(config.did()),
              (kind, fields) -> audit.record(kind, fields),
              EvidenceRelay.Settings.fromConfig());
    }
    return evidenceRelay;
  }

  private void noteProcessed(Message.PayloadVerdicts v) {
    long accepted = v.verdicts().stream().filter(x -> x.outcome().equals("accepted")).count();
    changesSinceSeal.addAndGet(v.verdicts().size());
    if (sealing && acceptedSinceSeal.addAndGet(accepted) >= config.seal().everyPayloads()) {
      sealQuietly();
    }
  }

  /**
   * Counts a request refused at the edge under its problem code, for the audit log's per-minute
   * {@code edge-refused} entries (no client address is kept). Codes that are not edge refusals are
   * ignored.
   */
  public void refusedAtEdge(String code) {
    HostAudit a = audit;
    if (a != null) {
      a.refused(code);
    }
  }

  /** The audit log's bytes (JSON lines), after an attempt to have the enclave sign its head. */
  public byte[] exportAudit() {
    try {
      return audit.export();
    } catch (IOException e) {
      throw Problem.unavailable("store-unavailable", "the host could not read its audit log");
    }
  }

  /** The embedded development key broker, if this host runs one. */
  public Optional<DevKeyBroker> devKeyBroker() {
    return Optional.ofNullable(devBroker);
  }

  /** Whether this host seals its enclave's state. */
  public boolean sealing() {
    return sealing;
  }

  /** The sealed blobs this host keeps. */
  public SealStore seals() {
    return seals;
  }

  /**
   * Asks the enclave to seal now and stores the blob with what it covers: the open rounds and every
   * payload of theirs that has a verdict (the enclave has counted it). Drains are paused meanwhile.
   */
  public SealStore.Seal sealNow() {
    return sealNow("admin");
  }

  /** {@link #sealNow()} recording who asked: {@code admin} or {@code host} (its own schedule). */
  private SealStore.Seal sealNow(String trigger) {
    if (!sealing) {
      throw Problem.unavailable(
          "sealing-unavailable", "this host's enclave runs without a key broker");
    }
    synchronized (drainLock) {
      // An enclave restarted behind the host's back (a new DID) must be recovered first: sealing
      // its empty successor would make the latest seal forget every accepted payload.
      health();
      if (!consistent) {
        throw Problem.unavailable(
            "enclave-recovering", "the enclave is being recovered; retry later");
      }
      try {
        Set<String> rounds = new LinkedHashSet<>();
        Set<String> covered = new HashSet<>();
        for (Inbox.RoundRecord r : inbox.openRounds()) {
          rounds.add(r.round());
          covered.addAll(inbox.answeredIds(r.round()));
        }
        long changes = changesSinceSeal.get();
        Message.Sealed sealed;
        try {
          sealed = call(new Message.Seal(), Message.Sealed.class);
        } catch (Problem p) {
          audit.record("seal-refused", Map.of("trigger", trigger, "code", p.code()));
          throw p;
        }
        byte[] blob = Base64.getDecoder().decode(sealed.sealedState());
        SealStore.Seal stored = seals.store(blob, clock.instant(), rounds, covered);
        audit.record(
            "backup-sealed",
            Map.of(
                "trigger",
                trigger,
                "sealedSha256",
                HostAudit.sha256Hex(blob),
                "rounds",
                rounds.size(),
                "coveredPayloads",
                covered.size(),
                "keyRelease",
                "granted"));
        changesSinceSeal.addAndGet(-changes);
        acceptedSinceSeal.set(0);
        return stored;
      } catch (SQLException | IOException e) {
        throw Problem.unavailable("store-unavailable", "the host could not store the sealed state");
      }
    }
  }

  /** Feeds a sealed blob to the enclave (admin restore); the enclave decides whether it opens. */
  public Message.Restored restore(byte[] blob) {
    synchronized (drainLock) {
      Message.Restored r;
      try {
        r =
            call(
                new Message.Restore(Base64.getEncoder().encodeToString(blob)),
                Message.Restored.class);
      } catch (Problem p) {
        audit.record(
            "restore-refused",
            Map.of(
                "trigger", "admin", "sealedSha256", HostAudit.sha256Hex(blob), "code", p.code()));
        throw p;
      }
      Message.HealthStatus h = call(new Message.Health(), Message.HealthStatus.class);
      enclaveDid.set(h.enclaveDid());
      audit.record(
          "restored",
          Map.of(
              "trigger",
              "admin",
              "sealedSha256",
              HostAudit.sha256Hex(blob),
              "rounds",
              r.rounds(),
              "enclaveDid",
              h.enclaveDid(),
              "keyRelease",
              "granted"));
      changesSinceSeal.incrementAndGet();
      return r;
    }
  }

  private void sealQuietly() {
    if (!sealing || changesSinceSeal.get() == 0) {
      return;
    }
    try {
      sealNow("host");
    } catch (Problem p) {
      LOG.warnf("seal skipped: %s", p.code());
    } catch (RuntimeException e) {
      LOG.warnf("seal failed: %s", e.getClass().getSimpleName());
    }
  }

  /**
   * The audit fields of a payload resent during recovery: as a first verdict's, plus {@code resent:
   * true}.
   */
  private static Map<String, Object> resentEntry(
      String round, String payloadId, Message.Verdict verdict) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("round", round);
    f.put("payloadId", payloadId);
    f.put("outcome", verdict.outcome().equals("accepted") ? "accepted" : "rejected");
    if (!verdict.outcome().equals("accepted")) {
      f.put("reason", verdict.reason());
    }
    f.put("resent", true);
    return f;
  }

  /**
   * After the enclave restarted: restore the last seal (its keys, rounds and replay sets), then
   * send each open round's payloads that the seal does not cover; rounds the seal does not hold are
   * opened again and all their payloads resent. Verdicts already recorded stay (the inbox ignores a
   * second verdict for a payload), so each payload is counted once. If the enclave refuses the
   * seal, every payload is resent (those encrypted to the lost key are then rejected inside).
   */
  private void recover() {
    synchronized (drainLock) {
      consistent = false;
      try {
        Set<String> restoredRounds = Set.of();
        Set<String> covered = Set.of();
        Optional<SealStore.Seal> latest = sealing ? seals.latest() : Optional.empty();
        if (latest.isPresent()) {
          try {
            Message.Restored restored =
                link.call(
                    new Message.Restore(Base64.getEncoder().encodeToString(latest.get().blob())),
                    Message.Restored.class);
            restoredRounds = latest.get().rounds();
            covered = latest.get().coveredPayloads();
            audit.record(
                "restored",
                Map.of(
                    "trigger",
                    "recovery",
                    "sealedSha256",
                    HostAudit.sha256Hex(latest.get().blob()),
                    "rounds",
                    restored.rounds(),
                    "keyRelease",
                    "granted"));
            LOG.infof(
                "recovery: restored the seal of %s (%d open rounds)",
                latest.get().createdAt(), restored.rounds());
          } catch (EnclaveLink.EnclaveErrorException e) {
            LOG.warnf(
                "recovery: the enclave refused the last seal (%s); resending every payload",
                e.getMessage());
            audit.record("restore-refused", Map.of("trigger", "recovery", "code", e.code()));
          }
        }
        Message.HealthStatus h = link.call(new Message.Health(), Message.HealthStatus.class);
        enclaveDid.set(h.enclaveDid());
        Map<String, String> lists = inbox.statusLists();
        if (!lists.isEmpty()) {
          link.call(new Message.SupplyEvidence(null, null, lists), Message.EvidenceStored.class);
        }
        for (Inbox.RoundRecord r : inbox.openRounds()) {
          if (!restoredRounds.contains(r.round())) {
            try {
              link.call(
                  new Message.OpenRound(r.round(), r.dataset(), r.policySha256()),
                  Message.RoundOpened.class);
            } catch (EnclaveLink.EnclaveErrorException e) {
              if (!e.code().equals("round-exists")) {
                LOG.warnf("recovery: round could not be reopened (%s)", e.code());
                continue;
              }
            }
          }
          // Answered payloads the seal does not cover; unanswered ones are left to the forwarder,
          // which
          // may already hold them in a batch (sending them here too would count a replay inside).
          Set<String> skip = covered;
          List<Inbox.Entry> tail =
              inbox.allOf(r.round()).stream()
                  .filter(e -> e.verdict().isPresent() && !skip.contains(e.payloadId()))
                  .toList();
          for (int i = 0; i < tail.size(); i += config.enclave().batch()) {
            List<Inbox.Entry> part =
                tail.subList(i, Math.min(tail.size(), i + config.enclave().batch()));
            // through the relay: the new enclave holds no did:fabric evidence yet (EvidenceRelay)
            Message.PayloadVerdicts v =
                evidenceRelay().submit(r.round(), part.stream().map(Inbox.Entry::jwe).toList());
            List<Map<String, Object>> resent = new ArrayList<>(part.size());
            for (int j = 0; j < part.size(); j++) {
              Message.Verdict verdict = v.verdicts().get(j);
              if (EvidenceRelay.deferred(verdict)) {
                continue; // the enclave went away again mid-relay; the next recovery sends it
              }
              String outcome = verdict.outcome().equals("accepted") ? "accepted" : verdict.reason();
              inbox.recordVerdict(part.get(j).payloadId(), outcome, verdict.leaf());
              resent.add(resentEntry(r.round(), part.get(j).payloadId(), verdict));
            }
            // Every payload here already had a verdict recorded: these entries say what the
            // recovered
            // enclave answered to the re-send (it counts in that enclave's result), marked resent.
            audit.recordAll("submission", resent);
            changesSinceSeal.addAndGet(part.size());
          }
        }
        consistent = true;
      } catch (Exception e) {
        LOG.warnf("recovery incomplete, will retry: %s", e.getClass().getSimpleName());
        enclaveDid.set(null);
      }
    }
  }
}
