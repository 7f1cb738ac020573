package dev.sovereign.did.fabric.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.fabric.core.FabricDidEvidence;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.ReasonCode;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evidence object the host hands the enclave, verified with no ledger access. */
class FabricDidEvidenceTest {
  @TempDir Path dir;

  @Test
  void evidenceVerifiesForTheEnclavesNonceAndIsRejectedWhenReplayedOrSpliced() throws Exception {
    SoftwareControllerKey a = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    SoftwareControllerKey b = SoftwareControllerKey.generate(Multikey.Type.ED25519);
    try (EmbeddedLedger ledger = EmbeddedLedger.open(dir, "local")) {
      VersionRecord v1 = ledger.submit(FabricDocuments.create("local", a));
      String did = v1.did();
      byte[] before = FabricDidEvidence.bundle(ledger, did, "nonce-1");
      assertEquals(
          1,
          FabricDidEvidence.verify(
                  did, "nonce-1", before, ledger.endorsementVerifier(), Instant.now())
              .records()
              .size());

      ledger.submit(
          FabricDocuments.update(
              did,
              v1.versionId(),
              FabricDocuments.document(did, List.of(b.publicKey()), 1),
              did + "#key-1",
              a));
      RejectedException replayed =
          assertThrows(
              RejectedException.class,
              () ->
                  FabricDidEvidence.verify(
                      did, "nonce-2", before, ledger.endorsementVerifier(), Instant.now()));
      assertEquals(ReasonCode.ENDORSEMENT_MISMATCH, replayed.reason());

      ObjectNode spliced = Jcs.parseObject(FabricDidEvidence.bundle(ledger, did, "nonce-3"));
      spliced.set("log", Jcs.parseObject(before).get("log"));
      RejectedException stale =
          assertThrows(
              RejectedException.class,
              () ->
                  FabricDidEvidence.verify(
                      did,
                      "nonce-3",
                      Jcs.canonicalize(spliced),
                      ledger.endorsementVerifier(),
                      Instant.now()));
      assertEquals(ReasonCode.LOG_NOT_FRESH, stale.reason());
    }
  }
}
