package dev.sovereign.attestation.seal;

import dev.sovereign.attestation.kms.DecryptedDataKey;
import dev.sovereign.attestation.kms.GeneratedDataKey;
import dev.sovereign.attestation.kms.KeyBroker;
import dev.sovereign.attestation.kms.KeyBrokerException;
import dev.sovereign.attestation.kms.KeyBrokerRefusedException;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.Recipient;
import dev.sovereign.attestation.kms.RecipientEnvelopeException;
import dev.sovereign.attestation.kms.RecipientKeyPair;
import dev.sovereign.attestation.kms.SecretAccess;
import dev.sovereign.attestation.kms.SecretBytes;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A parsed, not yet opened sealed-state blob (see {@link SealedStateHeader} for the bytes). {@link
 * #seal} makes one; {@link #parse} reads one without verifying anything; {@link #open} asks the key
 * broker for the data key as an attested recipient and authenticates header and body with it.
 */
public final class SealedState {
  private static final int TAG_BYTES = 16;
  private static final int MAX_BLOB_BYTES = 64 * 1024 * 1024;

  private final SealedStateHeader header;
  private final byte[] ciphertext;

  private SealedState(SealedStateHeader header, byte[] ciphertext) {
    this.header = header;
    this.ciphertext = ciphertext;
  }

  /**
   * Seals {@code body} (opaque enclave state) under a fresh data key from {@code broker}, wrapped
   * to {@code recipientKeys}; returns the blob, safe to hand to the untrusted host.
   */
  public static byte[] seal(
      KeyBroker broker,
      Recipient recipient,
      RecipientKeyPair recipientKeys,
      SealBinding binding,
      long sequence,
      byte[] body,
      SecureRandom random)
      throws SealRejectedException, KeyBrokerException {
    GeneratedDataKey generated;
    try {
      generated =
          broker.generateDataKey(
              binding.keyId(), SealedStateHeader.encryptionContext(binding, sequence), recipient);
    } catch (KeyBrokerRefusedException e) {
      throw new SealRejectedException(
          SealRejection.KEY_RELEASE_REFUSED, e.reason(), "key broker refused a data key", e);
    }
    byte[] nonce = new byte[SealedStateHeader.NONCE_BYTES];
    random.nextBytes(nonce);
    SealedStateHeader header =
        new SealedStateHeader(binding, generated.ciphertextBlob(), sequence, nonce);
    SecretBytes dataKey = openEnvelope(recipientKeys, generated.ciphertextForRecipient());
    try {
      byte[] aad = header.encoded();
      byte[] ct = gcm(Cipher.ENCRYPT_MODE, dataKey, nonce, aad, body);
      return ByteBuffer.allocate(aad.length + ct.length).put(aad).put(ct).array();
    } catch (AEADBadTagException e) {
      throw new IllegalStateException("GCM encryption cannot fail authentication", e);
    } finally {
      dataKey.destroy();
    }
  }

  /**
   * Parses a blob. Nothing is verified: the header is only a claim until {@link #open} succeeds.
   */
  public static SealedState parse(byte[] blob) throws SealRejectedException {
    if (blob.length > MAX_BLOB_BYTES) {
      throw new SealRejectedException(
          SealRejection.MALFORMED, "blob larger than " + MAX_BLOB_BYTES + " bytes");
    }
    ByteBuffer in = ByteBuffer.wrap(blob);
    SealedStateHeader header = SealedStateHeader.read(in);
    if (in.remaining() < TAG_BYTES) {
      throw new SealRejectedException(SealRejection.MALFORMED, "body shorter than the GCM tag");
    }
    byte[] ct = new byte[in.remaining()];
    in.get(ct);
    return new SealedState(header, ct);
  }

  /** The header as claimed by the blob (unverified until {@link #open}). */
  public SealedStateHeader unverifiedHeader() {
    return header;
  }

  /**
   * Opens the blob: the header must name {@code expected}'s key, measurement, region and policy
   * hash; the broker must release the data key to {@code recipient}; GCM must authenticate header
   * and body. Returns the body as a secret.
   */
  public OpenedState open(
      KeyBroker broker, Recipient recipient, RecipientKeyPair recipientKeys, SealBinding expected)
      throws SealRejectedException, KeyBrokerException {
    SealBinding claimed = header.binding();
    if (!claimed.keyId().equals(expected.keyId())
        || !MessageDigest.isEqual(claimed.measurement(), expected.measurement())
        || !claimed.region().equals(expected.region())
        || !MessageDigest.isEqual(claimed.policyHash(), expected.policyHash())) {
      throw new SealRejectedException(
          SealRejection.BINDING_MISMATCH,
          "sealed for " + claimed + ", opening enclave is " + expected);
    }
    DecryptedDataKey released;
    try {
      released = broker.decrypt(header.wrappedDataKey(), header.encryptionContext(), recipient);
    } catch (KeyBrokerRefusedException e) {
      if (e.reason() == KeyReleaseRefusal.INVALID_CIPHERTEXT) {
        throw new SealRejectedException(
            SealRejection.TAMPERED, e.reason(), "the wrapped key does not match the header", e);
      }
      throw new SealRejectedException(
          SealRejection.KEY_RELEASE_REFUSED, e.reason(), "key broker refused the data key", e);
    }
    SecretBytes dataKey = openEnvelope(recipientKeys, released.ciphertextForRecipient());
    try {
      byte[] body = gcm(Cipher.DECRYPT_MODE, dataKey, header.nonce(), header.encoded(), ciphertext);
      SecretBytes secretBody = SecretBytes.copyOf(body, SecretAccess.get());
      Arrays.fill(body, (byte) 0);
      return new OpenedState(header, secretBody);
    } catch (AEADBadTagException e) {
      throw new SealRejectedException(
          SealRejection.TAMPERED, "body or header failed authentication");
    } finally {
      dataKey.destroy();
    }
  }

  private static SecretBytes openEnvelope(RecipientKeyPair keys, byte[] envelope)
      throws SealRejectedException {
    try {
      SecretBytes key = keys.open(envelope);
      if (key.size() != 32) {
        key.destroy();
        throw new SealRejectedException(
            SealRejection.ENVELOPE_REJECTED, "released key is not 32 bytes");
      }
      return key;
    } catch (RecipientEnvelopeException e) {
      throw new SealRejectedException(SealRejection.ENVELOPE_REJECTED, null, e.reason().name(), e);
    }
  }

  private static byte[] gcm(int mode, SecretBytes key, byte[] nonce, byte[] aad, byte[] input)
      throws AEADBadTagException {
    byte[] raw = key.toByteArray(SecretAccess.get());
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(mode, new SecretKeySpec(raw, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
      c.updateAAD(aad);
      return c.doFinal(input);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM unavailable", e);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  /** A successfully opened blob: the authenticated header and the secret body. */
  public static final class OpenedState {
    private final SealedStateHeader header;
    private final SecretBytes body;

    OpenedState(SealedStateHeader header, SecretBytes body) {
      this.header = header;
      this.body = body;
    }

    /** The header, now authenticated. */
    public SealedStateHeader header() {
      return header;
    }

    /** The state the enclave sealed; destroy it when restored. */
    public SecretBytes body() {
      return body;
    }

    @Override
    public String toString() {
      return "OpenedState[" + header + "]";
    }
  }
}
