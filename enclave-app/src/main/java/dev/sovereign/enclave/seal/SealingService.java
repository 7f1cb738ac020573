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
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Answers {@link Message.Seal} and {@link Message.Restore} through the key broker and passes every
 * other request to the current {@link EnclaveService}. A restore replaces that service by one built
 * on the sealed identity (same DID, same encryption key, so producers' payloads still open) and the
 * sealed rounds. Seal and restore exclude every other request while they run, so a snapshot never
 * holds a half-counted payload.
 *
 * <p>Refusals are {@code seal-rejected} errors whose detail is one reason code (docs/sealing.md): a
 * {@code SealRejection} name, {@code KEY_RELEASE_REFUSED:<KeyReleaseRefusal>[:<sub-code>]}, {@code
 * EXPIRED}, {@code ROLLBACK} or {@code STATE_MISMATCH}.
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

  private StateSealer sealer() {
    if (sealer == null) {
      sealer = StateSealer.create(nsm, broker, binding, identity.did(), random);
    }
    return sealer;
  }

  private Message.Response seal() {
    // Monotonic across enclave lives without a local counter: a fresh enclave that restored nothing
    // still seals above anything sealed before (milliseconds), a restored one above its snapshot.
    long sequence = Math.max(lastSequence + 1, clock.millis());
    byte[] body =
        SealedBody.encode(
            identity,
            policy.sha256Hex(),
            current.rounds(),
            current.privacyBudget().snapshot(),
            clock.instant(),
            current.evidence().sealable());
    try {
      byte[] blob = sealer().seal(sequence, body);
      lastSequence = sequence;
      lastBlob = blob;
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
    EnclaveIdentity previous = identity;
    identity = contents.identity();
    current = next;
    lastSequence = opened.header().sequence();
    lastBlob = blob;
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
