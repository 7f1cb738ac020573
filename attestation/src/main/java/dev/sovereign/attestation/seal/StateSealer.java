package dev.sovereign.attestation.seal;

import dev.sovereign.attestation.kms.KeyBroker;
import dev.sovereign.attestation.kms.KeyBrokerException;
import dev.sovereign.attestation.kms.KeyBrokerRefusedException;
import dev.sovereign.attestation.kms.KeyReleaseUserData;
import dev.sovereign.attestation.kms.Recipient;
import dev.sovereign.attestation.kms.RecipientKeyPair;
import dev.sovereign.attestation.nsm.Nsm;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The enclave's sealing service: one per boot. It owns the per-boot RSA-2048 recipient key and asks
 * the NSM for a fresh key-release attestation document (public key = recipient key, {@code
 * user_data} = {@link KeyReleaseUserData} with the policy hash and DID) for every broker call, so
 * documents are never older than one call and brokers with a short maximum age accept them.
 */
public final class StateSealer {
  private final Nsm nsm;
  private final KeyBroker broker;
  private final SealBinding binding;
  private final byte[] userData;
  private final byte[] holdingUserData;
  private final RecipientKeyPair keys;
  private final SecureRandom random;

  private StateSealer(
      Nsm nsm,
      KeyBroker broker,
      SealBinding binding,
      byte[] userData,
      byte[] holdingUserData,
      SecureRandom random) {
    this.nsm = nsm;
    this.broker = broker;
    this.binding = binding;
    this.userData = userData;
    this.holdingUserData = holdingUserData;
    this.random = random;
    this.keys = RecipientKeyPair.generate(random);
  }

  /**
   * A sealer for this boot. {@code binding} is what the enclave knows about itself (its PCR0 from
   * the NSM, its region and loaded policy hash from the policy); {@code did} may be null.
   */
  public static StateSealer create(
      Nsm nsm, KeyBroker broker, SealBinding binding, String did, SecureRandom random) {
    Objects.requireNonNull(nsm, "nsm");
    Objects.requireNonNull(broker, "broker");
    Objects.requireNonNull(binding, "binding");
    return new StateSealer(
        nsm,
        broker,
        binding,
        KeyReleaseUserData.encode(binding.policyHash(), did),
        KeyReleaseUserData.encode(binding.policyHash(), did, true),
        Objects.requireNonNull(random, "random"));
  }

  /**
   * Seals {@code body} as snapshot {@code sequence} (must exceed every sequence sealed before for
   * this identity).
   */
  public byte[] seal(long sequence, byte[] body) throws SealRejectedException, KeyBrokerException {
    return SealedState.seal(broker, recipient(userData), keys, binding, sequence, body, random);
  }

  /**
   * Seals {@code body} as snapshot {@code sequence} without raising the key broker's rollback mark
   * ({@link KeyReleaseUserData#holdsMark}): for a seal that guards nothing this enclave released,
   * so that a blob lost on its way to the host's disk never makes the host's own latest seal
   * unrestorable. The sequence must still exceed the mark.
   */
  public byte[] sealHoldingMark(long sequence, byte[] body)
      throws SealRejectedException, KeyBrokerException {
    return SealedState.seal(
        broker, recipient(holdingUserData), keys, binding, sequence, body, random);
  }

  /**
   * Raises the key broker's rollback mark to {@code sequence} (a sealed-state GenerateDataKey at
   * that sequence whose data key is thrown away): the second step of a close whose seal held the
   * mark, once the host has stored that seal. Refused ({@code ROLLBACK_REFUSED:
   * SEQUENCE_NOT_INCREASING}) when the mark is already at or past it.
   */
  public void raiseMark(long sequence) throws SealRejectedException, KeyBrokerException {
    try {
      broker.generateDataKey(
          binding.keyId(),
          SealedStateHeader.encryptionContext(binding, sequence),
          recipient(userData));
    } catch (KeyBrokerRefusedException e) {
      throw new SealRejectedException(
          SealRejection.KEY_RELEASE_REFUSED,
          e.reason(),
          "key broker refused to raise the rollback mark",
          e);
    }
  }

  /** Opens a blob sealed by an enclave with the same binding. */
  public SealedState.OpenedState open(byte[] blob)
      throws SealRejectedException, KeyBrokerException {
    return SealedState.parse(blob).open(broker, recipient(userData), keys, binding);
  }

  /** The binding this sealer seals under and expects. */
  public SealBinding binding() {
    return binding;
  }

  private Recipient recipient(byte[] data) {
    return Recipient.of(nsm.attestation(data, null, keys.publicKeyDer()));
  }

  @Override
  public String toString() {
    return "StateSealer[" + binding + "]";
  }
}
