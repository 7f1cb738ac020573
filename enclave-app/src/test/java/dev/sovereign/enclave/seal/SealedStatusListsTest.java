package dev.sovereign.enclave.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.upokecenter.cbor.CBORObject;
import dev.sovereign.enclave.identity.EnclaveIdentity;
import dev.sovereign.enclave.server.EvidenceStore;
import dev.sovereign.vc.VerifiedStatusList;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Status lists travel in the sealed body (their own versioned section) and a restore only moves a
 * URL forward: a sealed list older than one the enclave got since is ignored, a newer one wins.
 */
class SealedStatusListsTest {
  private static final String URL = "https://authority.example/status/EU";
  private static final Instant T = Instant.parse("2026-12-07T00:00:00Z");
  private static final String POLICY = "00".repeat(32);

  /** Accepts any list as issued at the instant written in its text ("list@<instant>"). */
  private static final EvidenceStore.StatusListVerifier BY_TEXT =
      (url, jwt, at) ->
          new VerifiedStatusList(
              url,
              dev.sovereign.did.Did.parse(
                  "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
              List.of("revocation"),
              131_072,
              Instant.parse(jwt.substring(jwt.indexOf('@') + 1)),
              Optional.empty());

  private static byte[] sealWith(String list) {
    EvidenceStore store = new EvidenceStore();
    assertEquals(Optional.empty(), store.offer(URL, list, T, BY_TEXT));
    return SealedBody.encode(
        EnclaveIdentity.generate(new SecureRandom()),
        POLICY,
        List.of(),
        new java.util.TreeMap<>(),
        T,
        store.sealable());
  }

  @Test
  void theHeldListsComeBackFromTheSealedBody() throws Exception {
    SealedBody.Contents c = SealedBody.decode(sealWith("new@" + T.minusSeconds(60)));
    assertEquals(
        List.of(new EvidenceStore.Held(URL, "new@" + T.minusSeconds(60), T.minusSeconds(60))),
        c.statusLists());
    EvidenceStore fresh = new EvidenceStore();
    assertEquals(1, fresh.restore(c.statusLists(), T));
    assertEquals(Optional.of("new@" + T.minusSeconds(60)), fresh.statusList(URL));
  }

  @Test
  void aRestoreNeverMovesAUrlBackwards() throws Exception {
    SealedBody.Contents older = SealedBody.decode(sealWith("old@" + T.minusSeconds(600)));
    EvidenceStore store = new EvidenceStore();
    store.offer(URL, "new@" + T.minusSeconds(60), T, BY_TEXT);
    assertEquals(0, store.restore(older.statusLists(), T));
    assertEquals(Optional.of("new@" + T.minusSeconds(60)), store.statusList(URL));

    SealedBody.Contents newer = SealedBody.decode(sealWith("newest@" + T.minusSeconds(10)));
    assertEquals(1, store.restore(newer.statusLists(), T));
    assertEquals(Optional.of("newest@" + T.minusSeconds(10)), store.statusList(URL));
    // and after the restore, the host cannot post the older one again
    assertEquals(
        Optional.of(EvidenceStore.Refusal.STATUS_LIST_OLDER_THAN_HELD),
        store.offer(URL, "new@" + T.minusSeconds(60), T, BY_TEXT));
  }

  @Test
  void aBodyWithoutTheSectionDecodesWithNoListsAndAnUnknownSectionVersionIsRefused()
      throws Exception {
    byte[] without =
        SealedBody.encode(EnclaveIdentity.generate(new SecureRandom()), POLICY, List.of(), T);
    assertEquals(List.of(), SealedBody.decode(without).statusLists());

    CBORObject m = CBORObject.DecodeFromBytes(sealWith("x@" + T));
    m.get("statusLists").set("v", CBORObject.FromObject(2));
    assertThrows(
        SealedBody.MalformedBodyException.class, () -> SealedBody.decode(m.EncodeToBytes()));
  }
}
