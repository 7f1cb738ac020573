package dev.sovereign.enclave.seal;

import dev.sovereign.attestation.kms.KeyBroker;
import dev.sovereign.attestation.kms.KeyBrokerException;
import dev.sovereign.attestation.kms.KeyBrokerRefusedException;
import dev.sovereign.attestation.kms.SecretAccess;
import dev.sovereign.attestation.kms.SecretBytes;
import dev.sovereign.attestation.nsm.Nsm;
import dev.sovereign.attestation.seal.SealBinding;
import dev.sovereign.attestation.seal.SealRejectedException;
import dev.sovereign.attestation.seal.SealedState;
import dev.sovereign.attestation.seal.StateSealer;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.enclave.protocol.ErrorCode;
import dev.sovereign.enclave.protocol.Message;
import dev.sovereign.enclave.round.Round;
import dev.sovereign.enclave.server.EnclaveService;
import dev.sovereign.enclave.server.RequestHandler;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Answers {@link Message.Seal} and {@link Message.Restore} through the key broker and passes every
 * other request to the current {@link EnclaveService}. A restore replaces that service by one built
 * on the sealed identity (same DID, same encryption key, so producers' payloads still open) and the
 * sealed rounds. Seal and restore exclude every other request while they run, so a snapshot never
 * holds a half-counted payload.
 *
 * <p>A live enclave never goes back: a restore below its last seal is refused ({@code ROLLBACK}), a
 * close seals, and once a payload was counted or a round closed since its last seal or restore a
 * restore of the same identity is refused ({@code STATE_ADVANCED}); the last audit head it signed
 * survives a restore of its own seal. A round's result leaves the enclave only after a seal holding
 * the closed round and that result succeeded, so the key broker's rollback mark is past every seal
 * in which the round is still open: no restore can bring it back to sign a second result.
 *
 * <p>Refusals are {@code seal-rejected} errors whose detail is one reason code (docs/sealing.md): a
 * {@code SealRejection} name, {@code KEY_RELEASE_REFUSED:<KeyReleaseRefusal>[:<sub-code>]}, {@code
 * EXPIRED}, {@code ROLLBACK}, {@code STATE_ADVANCED} or {@code STATE_MISMATCH}.
 */
public final class SealingService implements RequestHandler {
  /** Builds the request handler of an enclave life with the given identity. */
  @FunctionalInterface
  public interface ServiceFactory {
    /**
     * A fresh service (no rounds) whose keys, DID and result attestation are {@code identity}'s.
     */
    EnclaveService create(EnclaveIdentity identity);
  }

  private final SovereigntyPolicy policy;
  private final Nsm nsm;
  private final KeyBroker broker;
  private final SealBinding binding;
  private final ServiceFactory factory;
  private final SecureRandom random;
  private final Clock clock;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile EnclaveService current;
  private volatile EnclaveIdentity identity;
  private StateSealer sealer;

  /** The sequence of the last seal made or restored here; written under the write lock. */
  private long lastSequence;

  /** The blob of the last seal made here (ciphertext), for {@link Message.LatestSeal}. */
  private byte[] lastBlob;

  /** The highest sequence named in a result, sealed or not: later seals go above it. */
  private long reservedSequence;

  /** Whether this identity's state changed since its last seal or restore (or its start). */
  private volatile boolean moved;

  /**
   * Rounds whose result is signed but whose close's seal failed: their result stays inside (also
   * from {@link Message.DescribeRound}) until a seal holds it. Written under the write lock.
   */
  private final java.util.Set<String> withheld = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Rounds closed with {@code holdResult} (protocol 1.6) whose seal held the key broker's mark: the
   * sequence the mark must reach before their result leaves. Under the write lock.
   */
  private final java.util.Map<String, Long> pendingRaise = new java.util.HashMap<>();

  public SealingService(
      SovereigntyPolicy policy,
      Nsm nsm,
      KeyBroker broker,
      SealBinding binding,
      EnclaveIdentity identity,
      EnclaveService service,
      ServiceFactory factory,
      SecureRandom random,
      Clock clock) {
    this.policy = policy;
    this.nsm = nsm;
    this.broker = broker;
    this.binding = binding;
    this.identity = identity;
    this.current = service;
    this.factory = factory;
    this.random = random;
    this.clock = clock;
  }

  /** The binding this enclave seals under. */
  public SealBinding binding() {
    return binding;
  }

  @Override
  public Message.Response handle(Message.Request request) {
    if (request instanceof Message.Seal) {
      lock.writeLock().lock();
      try {
        return seal();
      } finally {
        lock.writeLock().unlock();
      }
    }
    if (request instanceof Message.Restore r) {
      lock.writeLock().lock();
      try {
        return restore(r);
      } finally {
        lock.writeLock().unlock();
      }
    }
    if (request instanceof Message.CloseRound c) {
      lock.writeLock().lock();
      try {
        return closeAndSeal(c);
      } finally {
        lock.writeLock().unlock();
      }
    }
    lock.readLock().lock();
    try {
      // Under the read lock a seal cannot run: the sequence reported with a batch's verdicts is
      // that of the last seal before the batch was counted, exactly.
      if (request instanceof Message.SealStatus) {
        return new Message.SealStatusReport(lastSequence);
      }
      if (request instanceof Message.LatestSeal) {
        return lastBlob == null
            ? Message.Error.of(ErrorCode.UNAVAILABLE, "this enclave has not sealed yet")
            : new Message.Sealed(Base64.getEncoder().encodeToString(lastBlob));
      }
      Message.Response r = current.handle(request);
      if (r instanceof Message.RoundDescription d
          && d.credential() != null
          && withheld.contains(d.round())) {
        return new Message.RoundDescription(d.round(), d.state(), d.expiresAt(), null);
      }
      if (moves(request, r)) {
        moved = true; // under the read lock: no seal or restore runs between the change and this
      }
      if (request instanceof Message.SubmitPayloads s
          && Boolean.TRUE.equals(s.reportSeal())
          && r instanceof Message.PayloadVerdicts v) {
        return new Message.PayloadVerdicts(v.round(), v.verdicts(), lastSequence);
      }
      return r;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Whether answering {@code request} with {@code response} moved the state past the last seal or
   * restore: a payload counted (any verdict but {@code deferred}, which leaves nothing in the
   * round) or a round closed. A live enclave never goes back: a restore of its own identity is then
   * refused until a new seal holds the state (issue 17).
   */
  private static boolean moves(Message.Request request, Message.Response response) {
    if (response instanceof Message.Error) {
      return false;
    }
    if (request instanceof Message.CloseRound) {
      return true;
    }
    return response instanceof Message.PayloadVerdicts v
        && v.verdicts().stream().anyMatch(x -> !"deferred".equals(x.outcome()));
  }

  /**
   * Closes the round and seals before the result leaves: the result names the seal's sequence. If
   * the seal fails the result stays inside (signed once, held in memory) and the same bytes are
   * released by a later CloseRound whose seal succeeds.
   */
  private Message.Response closeAndSeal(Message.CloseRound c) {
    if (Boolean.TRUE.equals(c.holdResult())) {
      return closeHoldingResult(c);
    }
    Long pending = pendingRaise.get(c.round());
    if (pending != null) {
      return raiseAndRelease(c, pending);
    }
    boolean signed = current.result(c.round()).isPresent();
    long sequence = nextSequence();
    Message.Response result = current.close(c, signed ? null : sequence);
    if (result instanceof Message.Error) {
      return result;
    }
    if (!signed) {
      moved = true;
      reservedSequence = Math.max(reservedSequence, sequence);
    }
    // a result still withheld was held only by seals that left the mark where it was (or none)
    if (moved || withheld.contains(c.round())) {
      Message.Response sealed = seal(sequence, true);
      if (sealed instanceof Message.Error e) {
        withheld.add(c.round());
        return new Message.Error(
            e.code(),
            e.detail()
                + " (the result is signed but withheld until a seal holds it: retry CloseRound)");
      }
    }
    return result;
  }

  /**
   * First step of a two-phase close (protocol 1.6): closes the round (signing its result once),
   * seals it holding the key broker's mark and answers that blob; the result stays inside. Until
   * the host has stored the blob, nothing makes its own latest seal unrestorable: a host and
   * enclave that both die here lose nothing (the round is closed again from the host's seal).
   */
  private Message.Response closeHoldingResult(Message.CloseRound c) {
    boolean signed = current.result(c.round()).isPresent();
    if (signed && !withheld.contains(c.round())) {
      return current.close(c, null); // its result already left: the same bytes again
    }
    long sequence = nextSequence();
    Message.Response result = current.close(c, signed ? null : sequence);
    if (result instanceof Message.Error) {
      return result;
    }
    if (!signed) {
      moved = true;
      reservedSequence = Math.max(reservedSequence, sequence);
    }
    withheld.add(c.round());
    Message.Response sealed = seal(sequence, false);
    if (sealed instanceof Message.Error e) {
      return new Message.Error(
          e.code(),
          e.detail()
              + " (the result is signed but withheld until a seal holds it: retry CloseRound)");
    }
    pendingRaise.put(c.round(), sequence);
    return sealed;
  }

  /**
   * Second step: raises the mark to the sequence of the close's seal (which the host stored), so
   * every snapshot in which the round is open becomes unrestorable, then releases the result. A
   * mark already at or past it (a restore or a later close raised it) releases it too.
   */
  private Message.Response raiseAndRelease(Message.CloseRound c, long sequence) {
    try {
      sealer().raiseMark(sequence);
    } catch (SealRejectedException e) {
      String code = code(e);
      if (!code.equals("KEY_RELEASE_REFUSED:ROLLBACK_REFUSED:SEQUENCE_NOT_INCREASING")) {
        return rejected(code);
      }
    } catch (KeyBrokerException e) {
      return Message.Error.of(ErrorCode.UNAVAILABLE, "the key broker could not be reached");
    }
    pendingRaise.remove(c.round());
    withheld.remove(c.round());
    return current.close(c, null);
  }

  private long nextSequence() {
    // Monotonic across enclave lives without a local counter: a fresh enclave that restored nothing
    // still seals above anything sealed before (milliseconds), a restored one above its snapshot.
    return Math.max(Math.max(lastSequence, reservedSequence) + 1, clock.millis());
  }

  private StateSealer sealer() {
    if (sealer == null) {
      sealer = StateSealer.create(nsm, broker, binding, identity.did(), random);
    }
    return sealer;
  }

  /**
   * {@code Seal}: a snapshot for the host to keep, guarding nothing released, so it leaves the key
   * broker's rollback mark where it is. Were it raised, a blob that never reached the host's disk
   * (a {@code Seal} from another process, or the host killed before it stored the blob) followed by
   * this enclave's death would leave the host no seal the broker opens, and every payload counted
   * since the host's last stored seal would be lost with the keys.
   */
  private Message.Response seal() {
    return seal(nextSequence(), false);
  }

  /**
   * @param raiseMark whether the key broker's rollback mark moves to {@code sequence} (a close's
   *     seal: every older snapshot, in which the round is open, becomes unrestorable before the
   *     result leaves) or stays (a plain {@code Seal})
   */
  private Message.Response seal(long sequence, boolean raiseMark) {
    byte[] body =
        SealedBody.encode(
            identity,
            policy.sha256Hex(),
            current.rounds(),
            current.privacyBudget().snapshot(),
            clock.instant(),
            current.evidence().sealable(),
            new SealedBody.Signed(current.auditHead(), current.results()));
    try {
      byte[] blob =
          raiseMark ? sealer().seal(sequence, body) : sealer().sealHoldingMark(sequence, body);
      lastSequence = sequence;
      lastBlob = blob;
      moved = false;
      if (raiseMark) {
        // this seal holds every result signed so far, and the mark is past every snapshot in
        // which one of their rounds is open
        withheld.clear();
        pendingRaise.clear();
      }
      return new Message.Sealed(Base64.getEncoder().encodeToString(blob));
    } catch (SealRejectedException e) {
      return rejected(code(e));
    } catch (KeyBrokerException e) {
      return Message.Error.of(ErrorCode.UNAVAILABLE, "the key broker could not be reached");
    } finally {
      Arrays.fill(body, (byte) 0);
    }
  }

  private Message.Response restore(Message.Restore r) {
    if (r.sealedState() == null) {
      return Message.Error.of(ErrorCode.MALFORMED_MESSAGE, "sealedState is required");
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(r.sealedState());
    } catch (IllegalArgumentException e) {
      return Message.Error.of(ErrorCode.MALFORMED_MESSAGE, "sealedState is not base64");
    }
    SealedState.OpenedState opened;
    try {
      long sequence = SealedState.parse(blob).unverifiedHeader().sequence();
      if (sequence < lastSequence) {
        return rejected("ROLLBACK");
      }
      opened = sealer().open(blob);
    } catch (SealRejectedException e) {
      return rejected(code(e));
    } catch (KeyBrokerException e) {
      return Message.Error.of(ErrorCode.UNAVAILABLE, "the key broker could not be reached");
    }
    SealedBody.Contents contents;
    SecretBytes body = opened.body();
    byte[] raw = body.toByteArray(SecretAccess.get());
    try {
      contents = SealedBody.decode(raw);
    } catch (SealedBody.MalformedBodyException e) {
      return rejected("MALFORMED");
    } finally {
      Arrays.fill(raw, (byte) 0);
      body.destroy();
    }
    if (!contents.policySha256().equals(policy.sha256Hex())) {
      return rejected("BINDING_MISMATCH");
    }
    if (moved && contents.identity().did().equals(identity.did())) {
      // this identity counted, closed or signed something since its last seal or restore
      return rejected("STATE_ADVANCED");
    }
    Instant now = clock.instant();
    if (contents.sealedAt().plus(policy.retention().sealedStateMaxAge()).isBefore(now)) {
      return rejected("EXPIRED");
    }
    List<Round> rounds = new ArrayList<>();
    for (Round.State s : contents.rounds()) {
      SovereigntyPolicy.Dataset ds = policy.dataset(s.dataset()).orElse(null);
      if (ds == null) {
        return rejected("STATE_MISMATCH");
      }
      try {
        rounds.add(Round.restore(s, ds));
      } catch (IllegalArgumentException e) {
        return rejected("STATE_MISMATCH");
      }
    }
    EnclaveService next = factory.create(contents.identity());
    for (Round round : rounds) {
      next.adopt(round);
    }
    try {
      next.privacyBudget().restore(contents.privacySpent());
    } catch (IllegalArgumentException e) {
      return rejected("STATE_MISMATCH");
    }
    // status lists move only forward per URL, across the restore too: a sealed list older than one
    // supplied since is ignored, a newer one replaces it
    next.evidence().restore(contents.statusLists(), now);
    contents.signed().results().forEach(next::adoptResult);
    contents.signed().auditHead().ifPresent(next::adoptAuditHead);
    if (contents.identity().did().equals(identity.did())) {
      // the same identity never goes back on its audit chain: a head it signed after the seal
      // stays the one the next head must extend
      Optional<EnclaveService.AuditHead> sealedHead = contents.signed().auditHead();
      current
          .auditHead()
          .filter(live -> sealedHead.isEmpty() || live.seq() > sealedHead.get().seq())
          .ifPresent(next::adoptAuditHead);
    }
    EnclaveIdentity previous = identity;
    identity = contents.identity();
    current = next;
    lastSequence = opened.header().sequence();
    lastBlob = blob;
    moved = false;
    withheld.clear(); // results not in the restored state are gone with the state they were in
    pendingRaise.clear(); // the restore raised the mark to the restored seal
    if (!previous.did().equals(identity.did())) {
      sealer = null; // the next key-release document names the restored DID
    }
    return new Message.Restored((int) rounds.stream().filter(x -> !x.isClosed()).count());
  }

  /** The stable reason code of a seal refusal. */
  static String code(SealRejectedException e) {
    StringBuilder sb = new StringBuilder(e.reason().name());
    if (e.reason() != dev.sovereign.attestation.seal.SealRejection.KEY_RELEASE_REFUSED) {
      return sb.toString();
    }
    e.keyReleaseRefusal().ifPresent(k -> sb.append(':').append(k.name()));
    if (e.getCause() instanceof KeyBrokerRefusedException k) {
      k.subCode().ifPresent(s -> sb.append(':').append(s.replaceAll("[^A-Za-z0-9_]", "")));
    }
    return sb.toString();
  }

  private static Message.Error rejected(String code) {
    return Message.Error.of(ErrorCode.SEAL_REJECTED, code);
  }
}
