package dev.sovereign.host;

import dev.sovereign.enclave.protocol.ErrorCode;
import dev.sovereign.enclave.protocol.Message;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Brings a new enclave up to what the host acknowledged: restores the last seal (its keys, rounds
 * and replay sets), reopens the rounds the seal does not hold, and resends each open round's
 * answered payloads the seal does not cover. Also the admin restore.
 *
 * <p>Verdicts already recorded stay (the inbox ignores a second verdict for a payload), so each
 * payload is counted once. If the enclave refuses the seal, every payload is resent (those
 * encrypted to the lost key are then rejected inside).
 */
final class Recovery {
  private static final Logger LOG = Logger.getLogger(Recovery.class);

  private final EnclaveGateway enclave;
  private final Inbox inbox;
  private final Sealer sealer;
  private final HostAudit audit;
  private final Supplier<EvidenceRelay> relay;
  private final EnclaveTurn turn;
  private final int batch;
  private final RoundEnds ends;
  private final Clock clock;

  /**
   * Recoveries that completed and still left a round unknown to the enclave, by round; at {@link
   * #MAX_RECOVERIES_PER_ROUND} the round is lost ({@link RoundEnds#lost}) instead of recovered
   * again.
   */
  private final Map<String, Integer> unknownAfterRecovery = new ConcurrentHashMap<>();

  /** Completed recoveries a round may trigger by being unknown to the enclave. */
  static final int MAX_RECOVERIES_PER_ROUND = 3;

  /** Every recovery completed in this host's life (tests count key releases by it). */
  private final AtomicLong completed = new AtomicLong();

  /**
   * False while a recovery is incomplete: a seal then would claim payloads the enclave has not
   * seen.
   */
  private volatile boolean consistent = true;

  Recovery(
      EnclaveGateway enclave,
      Inbox inbox,
      Sealer sealer,
      HostAudit audit,
      Supplier<EvidenceRelay> relay,
      RoundEnds ends,
      EnclaveTurn turn,
      int batch,
      Clock clock) {
    this.enclave = enclave;
    this.inbox = inbox;
    this.sealer = sealer;
    this.audit = audit;
    this.relay = relay;
    this.turn = turn;
    this.batch = batch;
    this.ends = ends;
    this.clock = clock;
  }

  /** How many recoveries completed in this host's life. */
  long completed() {
    return completed.get();
  }

  /**
   * The enclave answered {@code unknown-round} for {@code round}: recovers, unless completed
   * recoveries already failed to give this round back {@link #MAX_RECOVERIES_PER_ROUND} times; then
   * the round is lost and its undelivered payloads get a final {@code round-lost}. A recovery that
   * did not complete (the enclave away, the store failing) does not count: it is no verdict.
   */
  void roundUnknown(String round) {
    try (EnclaveTurn.Held held = turn.take()) {
      int tries = unknownAfterRecovery.getOrDefault(round, 0);
      if (tries >= MAX_RECOVERIES_PER_ROUND) {
        unknownAfterRecovery.remove(round);
        ends.lost(round);
        return;
      }
      long before = completed.get();
      recover();
      if (completed.get() > before) {
        unknownAfterRecovery.put(round, tries + 1);
      }
    }
  }

  /** The enclave took payloads for {@code round}: it knows the round again. */
  void roundKnown(String round) {
    if (!unknownAfterRecovery.isEmpty()) {
      unknownAfterRecovery.remove(round);
    }
  }

  boolean consistent() {
    return consistent;
  }

  /**
   * After a host restart: if the inbox has open rounds the enclave does not know (a new enclave, or
   * one that restarted with the host), restore the last seal and resend the inbox tail.
   */
  void afterHostStart() {
    try {
      if (inbox.openRounds().isEmpty() || !enclave.policyReady()) {
        return; // nothing to recover, or an enclave not (yet) seen running this host's policy
      }
      Message.HealthStatus h = enclave.direct(new Message.Health(), Message.HealthStatus.class);
      enclave.workingWith(h.enclaveDid());
      if (h.openRounds() == 0) {
        recover();
      }
    } catch (Exception e) {
      LOG.warnf("start-up recovery deferred: %s", e.getClass().getSimpleName());
    }
  }

  /** Feeds a sealed blob to the enclave (admin restore); the enclave decides whether it opens. */
  Message.Restored restore(byte[] blob) {
    try (EnclaveTurn.Held held = turn.take()) {
      Message.Restored r;
      try {
        r =
            enclave.call(
                new Message.Restore(Base64.getEncoder().encodeToString(blob)),
                Message.Restored.class);
      } catch (Problem p) {
        audit.record(
            "restore-refused",
            Map.of(
                "trigger", "admin", "sealedSha256", HostAudit.sha256Hex(blob), "code", p.code()));
        throw p;
      }
      Message.HealthStatus h = enclave.call(new Message.Health(), Message.HealthStatus.class);
      enclave.workingWith(h.enclaveDid());
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
      sealer.changed(1);
      // The enclave now holds the blob's rounds and payloads: what the host answered since goes in
      // again. Coverage is known for the host's own latest seal; for any other blob every answered
      // payload is resent (those the blob holds get their first verdict again and are not counted
      // twice, protocol 1.7).
      Optional<SealStore.Seal> known = Optional.empty();
      try {
        Optional<SealStore.Seal> latest = sealer.store().latest();
        if (latest.isPresent() && Arrays.equals(latest.get().blob(), blob)) {
          known = latest;
        }
        sealer.restored(known, blob);
        consistent = false;
        catchUp(
            known.map(SealStore.Seal::rounds).orElse(Set.of()),
            known.map(SealStore.Seal::coveredPayloads).orElse(Set.of()));
        consistent = true;
      } catch (Problem p) {
        throw p;
      } catch (Exception e) {
        LOG.warnf(
            "after the restore the enclave is not caught up yet: %s", e.getClass().getSimpleName());
        enclave.forget(); // the next call recovers
      }
      return r;
    }
  }

  /** Recovers the enclave now (see the class comment); a failure leaves it to the next attempt. */
  void recover() {
    try (EnclaveTurn.Held held = turn.take()) {
      consistent = false;
      try {
        Set<String> restoredRounds = Set.of();
        boolean restoredASeal = false;
        Set<String> covered = Set.of();
        Optional<SealStore.Seal> latest =
            sealer.enabled() ? sealer.store().latest() : Optional.empty();
        if (latest.isPresent()) {
          try {
            Message.Restored restored =
                enclave.direct(
                    new Message.Restore(Base64.getEncoder().encodeToString(latest.get().blob())),
                    Message.Restored.class);
            restoredRounds = latest.get().rounds();
            restoredASeal = true;
            covered = latest.get().coveredPayloads();
            sealer.restored(latest, latest.get().blob());
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
            sealer.restored(Optional.empty(), null);
          }
        } else {
          sealer.restored(Optional.empty(), null);
        }
        catchUp(restoredRounds, covered);
        consistent = true;
        completed.incrementAndGet();
        if (!restoredASeal && !inbox.openRounds().isEmpty()) {
          // nothing restored: the enclave's keys are new, and payloads encrypted to them will be
          // acknowledged from now on
          sealer.sealKeys("recovery");
        }
      } catch (Exception e) {
        LOG.warnf("recovery incomplete, will retry: %s", e.getClass().getSimpleName());
        enclave.forget();
      }
    }
  }

  /**
   * Brings an enclave that holds {@code restoredRounds} and {@code covered} up to the host's
   * record: status lists, rounds reopened, answered payloads it lacks resent.
   */
  private void catchUp(Set<String> restoredRounds, Set<String> covered) throws Exception {
    Message.HealthStatus h = enclave.direct(new Message.Health(), Message.HealthStatus.class);
    enclave.workingWith(h.enclaveDid());
    Map<String, String> lists = inbox.statusLists();
    if (!lists.isEmpty()) {
      enclave.direct(new Message.SupplyEvidence(null, null, lists), Message.EvidenceStored.class);
    }
    for (Inbox.RoundRecord r : inbox.openRounds()) {
      if (r.expiresAt().isPresent() && !clock.instant().isBefore(r.expiresAt().get())) {
        // Reopening it in a new enclave would give it a new time to live: it ends here.
        ends.expired(r.round());
        continue;
      }
      if (!restoredRounds.contains(r.round())) {
        try {
          enclave.direct(
              new Message.OpenRound(r.round(), r.dataset(), r.policySha256()),
              Message.RoundOpened.class);
        } catch (EnclaveLink.EnclaveErrorException e) {
          if (!EnclaveGateway.is(e, ErrorCode.ROUND_EXISTS)) {
            LOG.warnf("recovery: round could not be reopened (%s)", e.code());
            continue;
          }
        }
      }
      try {
        resend(r.round(), covered);
      } catch (Problem p) {
        if (!RoundEnds.isFinal(p.code())) {
          throw p;
        }
        ends.endedInEnclave(r.round(), p.code()); // e.g. the restored round is past its TTL
      }
    }
  }

  /**
   * Resends the round's answered payloads the seal does not cover; unanswered ones are left to the
   * forwarder, which may already hold them in a batch (the enclave would answer a copy with the
   * first verdict, protocol 1.7, but it need not see it twice).
   */
  private void resend(String round, Set<String> covered) throws Exception {
    List<Inbox.Entry> tail =
        inbox.allOf(round).stream()
            .filter(e -> e.verdict().isPresent() && !covered.contains(e.payloadId()))
            .toList();
    for (int i = 0; i < tail.size(); i += batch) {
      List<Inbox.Entry> part = tail.subList(i, Math.min(tail.size(), i + batch));
      // through the relay: the new enclave holds no did:fabric evidence yet (EvidenceRelay)
      Message.PayloadVerdicts v =
          relay.get().submit(round, part.stream().map(Inbox.Entry::jwe).toList(), sealer.enabled());
      List<Map<String, Object>> resent = new ArrayList<>(part.size());
      List<String> answered = new ArrayList<>(part.size());
      for (int j = 0; j < part.size(); j++) {
        Message.Verdict verdict = v.verdicts().get(j);
        if (EvidenceRelay.deferred(verdict)) {
          continue; // the enclave went away again mid-relay; the next recovery sends it
        }
        String outcome = verdict.outcome().equals("accepted") ? "accepted" : verdict.reason();
        inbox.recordVerdict(part.get(j).payloadId(), outcome, verdict.leaf());
        resent.add(resentEntry(round, part.get(j).payloadId(), verdict));
        answered.add(part.get(j).payloadId());
      }
      // Every payload here already had a verdict recorded: these entries say what the recovered
      // enclave answered to the re-send (it counts in that enclave's result), marked resent.
      audit.recordAll("submission", resent);
      sealer.processed(v, answered);
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
}
