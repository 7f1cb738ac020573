package dev.sovereign.host;

import dev.sovereign.enclave.policy.InvalidPolicyException;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.protocol.ListenAddress;
import dev.sovereign.enclave.protocol.Message;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The host's lifecycle and its round API: starts the pieces (the durable {@link Inbox}, the {@link
 * EnclaveGateway} and in development the enclave child process, the {@link Forwarder}, the {@link
 * Sealer} and {@link Recovery}), and answers the REST resource's calls (open, submit, close).
 *
 * <p>Each piece keeps its own state; they share only {@link EnclaveTurn}, so that a drain, a seal,
 * a restore and a recovery never interleave.
 */
@ApplicationScoped
public class HostService {
  private static final Logger LOG = Logger.getLogger(HostService.class);

  /**
   * {@code Retry-After} of a 503 {@code keys-not-sealed}: about when the host's next seal try ends.
   */
  static final int KEYS_NOT_SEALED_RETRY_SECONDS = 2;

  /** Whose turn it is to change what the enclave holds (drains, seals, restores, closes). */
  private EnclaveTurn turn;

  private final HostConfig config;
  private final int auditSignEvery;
  private final EvidenceConfig evidenceConfig;
  private final Optional<String> loadPolicy;
  private final Clock clock = Clock.systemUTC();

  private Inbox inbox;
  private DevKeyBroker devBroker;
  private HostAudit audit;
  private EnclaveGateway enclave;
  private Sealer sealer;
  private Recovery recovery;
  private RoundEnds ends;
  private Forwarder forwarder;

  /** The JWEs stored since this host started, for the forwarder (bounded; the store is durable). */
  private final Outbox outbox = new Outbox(Outbox.DEFAULT_BUDGET_CHARS);

  private EvidenceRelay evidenceRelay;

  @Inject
  public HostService(
      HostConfig config,
      AuditConfig auditConfig,
      EvidenceConfig evidenceConfig,
      EnclavePolicyConfig policyConfig) {
    this.config = config;
    this.auditSignEvery = auditConfig.signEvery();
    this.evidenceConfig = evidenceConfig;
    this.loadPolicy = policyConfig.loadPolicy();
  }

  void onStart(@Observes StartupEvent ev) throws Exception {
    Path data = Path.of(config.dataDir()).toAbsolutePath();
    EnclavePolicy enclavePolicy = HostSettings.loadPolicy(loadPolicy.map(Path::of).orElse(null));
    Files.createDirectories(data);
    inbox = Inbox.open(data.resolve("inbox"));
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
    EnclaveLauncher launcher = null;
    if (config.enclave().launch() && address instanceof ListenAddress.Unix u) {
      Path jar = Path.of(config.enclave().jar().orElse(defaultEnclaveJar().toString()));
      // With load-policy the dev enclave boots without --policy and the host loads it, as on Nitro.
      Path policy =
          enclavePolicy != null
              ? enclavePolicy.file()
              : config.enclave().policy().map(Path::of).orElse(null);
      HostSettings.checkLaunch(jar, policy);
      Path enclaveState = data.resolve("enclave-state");
      if (brokerArgs.isEmpty() && config.keyBroker().embedded() && Files.isRegularFile(jar)) {
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
    turn = new EnclaveTurn();
    enclave =
        new EnclaveGateway(
            new EnclaveLink(address, config.enclave().timeout()),
            launcher,
            enclavePolicy,
            turn,
            clock);
    audit =
        HostAudit.open(
            data.resolve("audit").resolve("audit.jsonl"), auditSignEvery, this::call, clock);
    sealer =
        new Sealer(
            new SealStore(data.resolve("seals"), config.seal().keep()),
            config.seal().enabled() && !brokerArgs.isEmpty(),
            config.seal().everyPayloads(),
            enclave,
            inbox,
            audit,
            turn,
            clock);
    ends = new RoundEnds(enclave, inbox, audit, sealer);
    recovery =
        new Recovery(
            enclave,
            inbox,
            sealer,
            audit,
            this::evidenceRelay,
            ends,
            turn,
            config.enclave().batch(),
            clock);
    sealer.consistentWhen(recovery::consistent);
    enclave.onNewEnclave(recovery::recover);
    forwarder =
        new Forwarder(
            inbox,
            outbox,
            this::evidenceRelay,
            audit,
            sealer,
            recovery,
            ends,
            turn,
            config.enclave().batch());
    enclave.checkPolicyQuietly();
    recovery.afterHostStart();
    forwarder.start(config.seal().interval());
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

  void onStop(@Observes ShutdownEvent ev) {
    if (forwarder != null) {
      forwarder.close();
    }
    if (audit != null) {
      audit.close();
    }
    if (enclave != null) {
      enclave.close();
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

  /**
   * A crash, for tests: the forwarder stops mid-way (no grace, no last seal), the dev enclave child
   * is killed (SIGKILL), and the stores are let go without any orderly shutdown step. Another host
   * may then start on the same data directory.
   */
  Forwarder forwarderForTesting() {
    return forwarder;
  }

  void haltForTesting() throws InterruptedException {
    forwarder.halt();
    enclave
        .launcher()
        .ifPresent(l -> ProcessHandle.of(l.pid()).ifPresent(ProcessHandle::destroyForcibly));
    enclave.close();
    if (devBroker != null) {
      devBroker.close();
    }
    audit.close();
    try {
      inbox.close();
    } catch (SQLException e) {
      // a crash does not close it either
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
    return enclave.launcher();
  }

  /** Sends one request to the enclave, restarting a dead dev enclave first. */
  public <R extends Message.Response> R call(Message.Request request, Class<R> type) {
    return enclave.call(request, type);
  }

  /** The enclave's health; also notices a restarted enclave and recovers its rounds. */
  public Message.HealthStatus health() {
    return enclave.health();
  }

  /** Opens a round in the enclave and records it. */
  public Message.RoundOpened openRound(String round, String dataset) {
    Message.HealthStatus h = health();
    Message.RoundOpened opened =
        call(new Message.OpenRound(round, dataset, h.policySha256()), Message.RoundOpened.class);
    Instant expiresAt = expiresAt(round);
    try {
      inbox.openRound(round, dataset, opened.policySha256(), clock.instant(), expiresAt);
      sealer.changed(1);
      audit.record(
          "round-opened",
          Map.of("round", round, "dataset", dataset, "policySha256", opened.policySha256()));
    } catch (Inbox.UnavailableException e) {
      throw Problem.unavailable("store-unavailable", "the host could not record the round");
    }
    // The enclave's keys must be on the host's disk (in a seal) before any payload encrypted to
    // them is acknowledged: a host killed before its first scheduled seal left a successor that
    // restored nothing, and every 202 of the round came out jwe-kid-mismatch.
    sealer.sealKeys("round-opened");
    return opened;
  }

  /**
   * When the enclave stops taking the round's payloads, or null from an enclave before protocol 1.2
   * (which cannot describe a round).
   */
  private Instant expiresAt(String round) {
    try {
      return Instant.parse(
          call(new Message.DescribeRound(round), Message.RoundDescription.class).expiresAt());
    } catch (Problem | java.time.format.DateTimeParseException e) {
      LOG.warnf("the enclave did not say when round %s expires", round);
      return null;
    }
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
        if (!stored.refusedStatusLists().containsKey(e.getKey())) {
          inbox.putStatusList(e.getKey(), e.getValue()); // only what the enclave verified
        }
      }
    } catch (Inbox.UnavailableException e) {
      throw Problem.unavailable("store-unavailable", "the host could not record the evidence");
    }
    return stored;
  }

  /**
   * Stores a payload durably (the caller answers 202 only after this returns): its outcome, {@code
   * stored} or {@code already-stored}, with its payload id (computed once, here).
   */
  public BatchOutcome submit(String round, String jwe) {
    JweEnvelope env = JweEnvelope.read(jwe);
    checkZone(env);
    checkTakesPayloads(roundRecord(round));
    Inbox.Item item = Inbox.Item.of(env.zone(), jwe);
    try {
      Inbox.Stored stored = inbox.putAll(round, List.of(item), clock.instant()).get(0);
      keepForTheForwarder(item, stored); // JweEnvelope.read accepted it above
      forwarder.requestDrain();
      return BatchOutcome.of(item, stored);
    } catch (Inbox.UnavailableException e) {
      LOG.error("inbox write failed; payload not acknowledged");
      throw Problem.unavailable(
          "store-unavailable",
          "the host could not store the payload durably; nothing was accepted");
    }
  }

  /**
   * One item's outcome in a batch: {@code stored} or {@code already-stored} with its payload id
   * (acknowledged as a 202 acknowledges a single payload), or {@code refused} with a problem code
   * and detail (nothing of it stored).
   */
  public record BatchOutcome(String payloadId, String status, String code, String detail) {
    static BatchOutcome refused(Problem p) {
      return new BatchOutcome(null, "refused", p.code(), p.getMessage());
    }

    static BatchOutcome of(Inbox.Item item, Inbox.Stored stored) {
      return new BatchOutcome(
          item.payloadId(), stored == Inbox.Stored.NEW ? "stored" : "already-stored", null, null);
    }

    /** Whether the host stored this item durably (newly or before). */
    public boolean acknowledged() {
      return payloadId != null;
    }
  }

  /**
   * Stores a batch of payloads durably in one transaction (the caller answers only after this
   * returns). The round and the keys' seal are checked once for the whole batch: a refusal there
   * ({@code unknown-round}, {@code round-closed}, {@code round-expired}, {@code keys-not-sealed})
   * or a failed commit ({@code store-unavailable}) throws a {@link Problem} and stores nothing.
   * Otherwise each item gets its own outcome: refused alone when it is not a compact JWE ({@code
   * malformed-payload}, {@code null} items included), too large ({@code payload-too-large}) or for
   * another zone ({@code zone-not-served}), while the others are stored; an item stored before, or
   * earlier in the same batch, is {@code already-stored}. The forwarder is woken once.
   */
  public List<BatchOutcome> submitBatch(String round, List<String> jwes) {
    Inbox.RoundRecord r = roundRecord(round);
    checkTakesPayloads(r);
    BatchOutcome[] out = new BatchOutcome[jwes.size()];
    List<Inbox.Item> items = new ArrayList<>(jwes.size());
    int[] index = new int[jwes.size()];
    for (int i = 0; i < jwes.size(); i++) {
      try {
        Inbox.Item item = batchItem(jwes.get(i));
        index[items.size()] = i;
        items.add(item);
      } catch (Problem p) {
        refusedAtEdge(p.code());
        out[i] = BatchOutcome.refused(p);
      }
    }
    if (!items.isEmpty()) {
      List<Inbox.Stored> stored;
      try {
        stored = inbox.putAll(round, items, clock.instant());
      } catch (Inbox.UnavailableException e) {
        LOG.error("inbox write failed; batch not acknowledged");
        throw Problem.unavailable(
            "store-unavailable",
            "the host could not store the batch durably; none of its payloads was accepted");
      }
      for (int k = 0; k < items.size(); k++) {
        keepForTheForwarder(
            items.get(k), stored.get(k)); // batchItem's JweEnvelope.read accepted it
      }
      forwarder.requestDrain();
      for (int k = 0; k < items.size(); k++) {
        out[index[k]] = BatchOutcome.of(items.get(k), stored.get(k));
      }
    }
    return List.of(out);
  }

  /**
   * A newly stored payload, already checked by {@link JweEnvelope#read}, kept for the forwarder.
   */
  private void keepForTheForwarder(Inbox.Item item, Inbox.Stored stored) {
    if (stored == Inbox.Stored.NEW) {
      outbox.keep(item.payloadId(), item.jwe());
    }
  }

  /**
   * A payload body as both submit endpoints take it: not blank ({@code malformed-payload} with
   * {@code malformedDetail}), at most {@code max-payload-bytes} ({@code payload-too-large}),
   * stripped of surrounding white space.
   */
  String compactJweBody(String body, String malformedDetail) {
    if (body == null || body.isBlank()) {
      throw Problem.badRequest("malformed-payload", malformedDetail);
    }
    if (body.length() > config.maxPayloadBytes()) {
      throw new Problem(
          413, "payload-too-large", "the payload exceeds " + config.maxPayloadBytes() + " bytes");
    }
    return body.strip();
  }

  /** One batch item checked as the single endpoint checks its body, or a {@link Problem}. */
  private Inbox.Item batchItem(String body) {
    String jwe = compactJweBody(body, "each item must be a compact JWE string");
    JweEnvelope env = JweEnvelope.read(jwe);
    checkZone(env);
    return Inbox.Item.of(env.zone(), jwe);
  }

  private void checkZone(JweEnvelope env) {
    if (!config.zones().contains(env.zone())) {
      throw new Problem(
          421,
          "zone-not-served",
          "this host does not serve zone " + env.zone() + "; send it to that zone's host");
    }
  }

  /** Refuses a payload for a round that takes none now, or while the keys are in no seal. */
  private void checkTakesPayloads(Inbox.RoundRecord r) {
    if (!r.takesPayloadsAt(clock.instant())) {
      // Acknowledged only while the enclave can still count it: past the round's expiry a 202
      // would promise what no result can hold.
      throw r.state().equals("open") || r.state().equals("expired")
          ? new Problem(409, "round-expired", "the round is past its time to live")
          : new Problem(409, "round-closed", "the round is closed");
    }
    if (!sealer.keysSealed()) {
      // The enclave's keys are in no seal this host holds (the seal at the round's open or after
      // a recovery failed): a host killed now would leave a successor without them, and this
      // payload, encrypted to them, would come out of the result unopened. The host retries the
      // seal by itself.
      throw new Problem(
          503,
          "keys-not-sealed",
          "the enclave's keys are not yet in a seal this host holds; nothing was accepted",
          KEYS_NOT_SEALED_RETRY_SECONDS);
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

  /**
   * Stops taking payloads for the round ({@code closing}), drains its pending payloads into the
   * enclave, then closes the round there. A round the enclave already closed (a close this host did
   * not make) or let expire ends with a final rejection for each payload not delivered.
   */
  public String closeRound(String round) {
    Inbox.RoundRecord r = roundRecord(round);
    if (r.state().equals("closed")) {
      return r.result()
          .orElseThrow(
              () -> new Problem(409, "round-closed", "the round was closed without a result here"));
    }
    if (r.state().equals("expired")) {
      throw new Problem(409, "round-expired", "the round is past its time to live");
    }
    health();
    try {
      inbox.markClosing(round);
    } catch (Inbox.UnavailableException e) {
      throw Problem.unavailable("store-unavailable", "the host could not record the round");
    }
    forwarder.drainFully();
    Message.RoundResult result;
    // An enclave with a key broker seals inside CloseRound, in two steps (protocol 1.6): the
    // host stores the close's seal before the enclave raises the broker's mark and releases the
    // result, all under one turn; then it seals again as after any change.
    try (EnclaveTurn.Held held = turn.take()) {
      try {
        result = closeInEnclave(round);
      } catch (Problem p) {
        if (!RoundEnds.isFinal(p.code())) {
          throw p;
        }
        return ends.endedInEnclave(round, p.code()).orElseThrow(() -> p);
      }
      try {
        inbox.closeRound(round, result.credential());
      } catch (Inbox.UnavailableException e) {
        throw Problem.unavailable("store-unavailable", "the host could not record the result");
      }
      sealer.changed(1);
      audit.record(
          "round-closed",
          Map.of(
              "round",
              round,
              "resultSha256",
              HostAudit.sha256Hex(result.credential().getBytes(StandardCharsets.US_ASCII))));
      sealer.sealQuietly();
    }
    audit.signHead();
    return result.credential();
  }

  /**
   * Closes the round in the enclave. With sealing, in two steps (protocol 1.6): the enclave closes
   * the round, seals it without raising the key broker's rollback mark and answers the blob; the
   * host stores it as its latest seal; only then a second {@code CloseRound} raises the mark to
   * that seal and releases the result. A close's seal must raise the mark before the result leaves
   * (no snapshot with the round open may be restored after it), and a raised mark above every seal
   * the host holds would make its latest seal unrestorable: so the host holds the close's blob
   * first, and a host and enclave killed at any point in between lose nothing.
   */
  private Message.RoundResult closeInEnclave(String round) {
    if (!sealer.enabled()) {
      return call(new Message.CloseRound(round), Message.RoundResult.class);
    }
    Message.Response first = call(new Message.CloseRound(round, true), Message.Response.class);
    if (first instanceof Message.RoundResult r) {
      return r; // its result had left already: the same bytes again
    }
    if (!(first instanceof Message.Sealed sealed)) {
      throw Problem.unavailable("enclave-unavailable", "the enclave answered a close unexpectedly");
    }
    sealer.storeCloseSeal(sealed);
    return call(new Message.CloseRound(round), Message.RoundResult.class);
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
              EvidenceRelay.Settings.of(evidenceConfig));
    }
    return evidenceRelay;
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

  /** What this host has done since it started (counts; null before start). */
  HostActivity activity() {
    HostAudit a = audit;
    return a == null ? null : a.activity();
  }

  /** Where the audit log is kept (read by the status endpoint without asking for a signature). */
  Path auditFile() {
    return Path.of(config.dataDir()).toAbsolutePath().resolve("audit").resolve("audit.jsonl");
  }

  /** The audit log up to a head the enclave signed over every entry in it (JSON lines). */
  public HostAudit.Export exportAudit() {
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
    return sealer.enabled();
  }

  /** The sealed blobs this host keeps. */
  public SealStore seals() {
    return sealer.store();
  }

  /**
   * Asks the enclave to seal now and stores the blob with what it covers: the open rounds and every
   * payload of theirs that has a verdict (the enclave has counted it). Drains are paused meanwhile.
   */
  public SealStore.Seal sealNow() {
    return sealer.seal("admin");
  }

  /** Feeds a sealed blob to the enclave (admin restore); the enclave decides whether it opens. */
  public Message.Restored restore(byte[] blob) {
    return recovery.restore(blob);
  }

  /** How many recoveries completed in this host's life (each restores a seal: a key release). */
  long recoveries() {
    return recovery.completed();
  }
}
