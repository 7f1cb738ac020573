package dev.sovereign.attestation.seal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sovereign.attestation.kms.DecryptedDataKey;
import dev.sovereign.attestation.kms.GeneratedDataKey;
import dev.sovereign.attestation.kms.KeyBroker;
import dev.sovereign.attestation.kms.KeyBrokerRefusedException;
import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import dev.sovereign.attestation.kms.Recipient;
import dev.sovereign.attestation.kms.RecipientEnvelopes;
import dev.sovereign.attestation.kms.RecipientKeyPair;
import dev.sovereign.attestation.kms.SecretAccess;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sealed-state bytes against an in-memory broker that binds the context like KMS does. */
class SealedStateFormatTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final RecipientKeyPair KEYS = RecipientKeyPair.generate(RANDOM);
  private static final Recipient RECIPIENT = Recipient.of(new byte[] {1});
  private static final SealBinding EU =
      SealBinding.create("key-1", filled(48, 7), "EU", filled(32, 9));

  /** Remembers data keys by blob and refuses a Decrypt whose context differs, as KMS does. */
  private static final class MemoryBroker implements KeyBroker {
    final Map<String, byte[]> keys = new HashMap<>();
    final Map<String, Map<String, String>> contexts = new HashMap<>();

    @Override
    public GeneratedDataKey generateDataKey(String keyId, Map<String, String> ctx, Recipient r) {
      byte[] dk = new byte[32];
      RANDOM.nextBytes(dk);
      String blob = "blob-" + keys.size();
      keys.put(blob, dk);
      contexts.put(blob, Map.copyOf(ctx));
      return new GeneratedDataKey(
          keyId,
          blob.getBytes(StandardCharsets.UTF_8),
          RecipientEnvelopes.wrap(KEYS.publicKey(), dk, RANDOM));
    }

    @Override
    public DecryptedDataKey decrypt(byte[] blob, Map<String, String> ctx, Recipient r)
        throws KeyBrokerRefusedException {
      String b = new String(blob, StandardCharsets.UTF_8);
      if (!keys.containsKey(b) || !contexts.get(b).equals(ctx)) {
        throw new KeyBrokerRefusedException(
            KeyReleaseRefusal.INVALID_CIPHERTEXT, null, "context differs");
      }
      return new DecryptedDataKey(
          "key-1", RecipientEnvelopes.wrap(KEYS.publicKey(), keys.get(b), RANDOM));
    }
  }

  private static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  @Test
  void aSealedBlobParsesBackToItsHeaderAndOpensToItsBody() throws Exception {
    MemoryBroker broker = new MemoryBroker();
    byte[] blob =
        SealedState.seal(
            broker, RECIPIENT, KEYS, EU, 42, "state".getBytes(StandardCharsets.UTF_8), RANDOM);
    SealedState parsed = SealedState.parse(blob);
    SealedStateHeader h = parsed.unverifiedHeader();
    assertEquals(1, h.formatVersion());
    assertEquals(42, h.sequence());
    assertEquals("EU", h.binding().region());
    assertArrayEquals(h.encoded(), Arrays.copyOf(blob, h.encoded().length));
    assertEquals("v1", h.encryptionContext().get(SealedStateHeader.CONTEXT_FORMAT));
    assertEquals("42", h.encryptionContext().get(SealedStateHeader.CONTEXT_SEQUENCE));
    assertArrayEquals(
        "state".getBytes(StandardCharsets.UTF_8),
        parsed.open(broker, RECIPIENT, KEYS, EU).body().toByteArray(SecretAccess.get()));
  }

  @Test
  void aHeaderFieldChangedByTheHostIsTamperedAndABodyFlipToo() throws Exception {
    MemoryBroker broker = new MemoryBroker();
    byte[] blob = SealedState.seal(broker, RECIPIENT, KEYS, EU, 7, new byte[100], RANDOM);
    int headerLength = SealedState.parse(blob).unverifiedHeader().encoded().length;
    int lastSequenceByte = headerLength - 12 - 33 - 1;
    for (int at : new int[] {lastSequenceByte, headerLength - 1, headerLength, blob.length - 1}) {
      byte[] t = blob.clone();
      t[at] ^= 0x02;
      SealRejectedException e =
          assertThrows(
              SealRejectedException.class,
              () -> SealedState.parse(t).open(broker, RECIPIENT, KEYS, EU),
              "flip at " + at);
      assertEquals(SealRejection.TAMPERED, e.reason(), "flip at " + at);
    }
  }

  @Test
  void aBlobForAnotherRegionIsABindingMismatchBeforeTheBrokerIsAsked() throws Exception {
    MemoryBroker broker = new MemoryBroker();
    byte[] blob = SealedState.seal(broker, RECIPIENT, KEYS, EU, 1, new byte[1], RANDOM);
    SealBinding us = SealBinding.create("key-1", filled(48, 7), "US", filled(32, 9));
    assertEquals(
        SealRejection.BINDING_MISMATCH,
        assertThrows(
                SealRejectedException.class,
                () -> SealedState.parse(blob).open(broker, RECIPIENT, KEYS, us))
            .reason());
  }

  @Test
  void randomMutationsOfAHeaderOnlyEverGiveATypedRejection() throws Exception {
    MemoryBroker broker = new MemoryBroker();
    byte[] blob = SealedState.seal(broker, RECIPIENT, KEYS, EU, 3, new byte[64], RANDOM);
    java.util.Random r = new java.util.Random(20261127L);
    for (int i = 0; i < 1000; i++) {
      byte[] t = blob.clone();
      t[r.nextInt(Math.min(t.length, 120))] = (byte) r.nextInt(256);
      try {
        SealedState.parse(t).open(broker, RECIPIENT, KEYS, EU);
      } catch (SealRejectedException expected) {
        // typed rejection: fine
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " escaped as " + e, e);
      }
    }
  }

  @Test
  void malformedBlobsAreRejectedWithoutTouchingTheBroker() throws Exception {
    byte[] blob = SealedState.seal(new MemoryBroker(), RECIPIENT, KEYS, EU, 1, new byte[1], RANDOM);
    byte[] badMagic = blob.clone();
    badMagic[0] = 'X';
    byte[] badVersion = blob.clone();
    badVersion[6] = 2;
    byte[] hugeLength = blob.clone();
    hugeLength[7] = (byte) 0xff;
    assertEquals(
        SealRejection.MALFORMED,
        assertThrows(SealRejectedException.class, () -> SealedState.parse(badMagic)).reason());
    assertEquals(
        SealRejection.UNSUPPORTED_VERSION,
        assertThrows(SealRejectedException.class, () -> SealedState.parse(badVersion)).reason());
    assertEquals(
        SealRejection.MALFORMED,
        assertThrows(SealRejectedException.class, () -> SealedState.parse(hugeLength)).reason());
    for (int n : new int[] {0, 5, 7, 40, blob.length - 17}) {
      byte[] cut = Arrays.copyOf(blob, n);
      assertEquals(
          SealRejection.MALFORMED,
          assertThrows(SealRejectedException.class, () -> SealedState.parse(cut)).reason(),
          "length " + n);
    }
  }
}
