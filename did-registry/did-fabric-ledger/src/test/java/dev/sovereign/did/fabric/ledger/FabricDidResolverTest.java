package dev.sovereign.did.fabric.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.CachingDidResolver;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.fabric.FabricDidResolver;
import dev.sovereign.did.fabric.core.DidFabricLedger;
import dev.sovereign.did.fabric.core.Encoding;
import dev.sovereign.did.fabric.core.FabricDocuments;
import dev.sovereign.did.fabric.core.Jcs;
import dev.sovereign.did.fabric.core.Multikey;
import dev.sovereign.did.fabric.core.Operation;
import dev.sovereign.did.fabric.core.RejectedException;
import dev.sovereign.did.fabric.core.SoftwareControllerKey;
import dev.sovereign.did.fabric.core.VersionRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** did:fabric through the DidResolver: verified history, freshness, and hosts that lie. */
class FabricDidResolverTest {
  @TempDir Path dir;
  private EmbeddedLedger ledger;
  private final SoftwareControllerKey keyA = SoftwareControllerKey.generate(Multikey.Type.ED25519);
  private final SoftwareControllerKey keyB = SoftwareControllerKey.generate(Multikey.Type.ED25519);

  @BeforeEach
  void open() throws Exception {
    ledger = EmbeddedLedger.open(dir, "local");
  }

  @AfterEach
  void close() {
    ledger.close();
  }

  private FabricDidResolver resolver(DidFabricLedger source) {
    return new FabricDidResolver(source, ledger.endorsementVerifier(), Clock.systemUTC());
  }

  private static String multibase(DidResolutionResult r, String fragment) {
    return r.didDocument()
        .orElseThrow()
        .verificationMethod(fragment)
        .orElseThrow()
        .publicKeyMultibase()
        .orElseThrow();
  }

  @Test
  void signatureMadeBeforeRotationVerifiesAsOfItsTimeAndFailsWithTheCurrentDocument()
      throws Exception {
    VersionRecord v1 = ledger.submit(FabricDocuments.create("local", keyA));
    byte[] credential = Encoding.utf8("credential issued before the rotation");
    byte[] signature = keyA.sign(credential);
    Instant signedAt = Instant.now();
    Thread.sleep(5);
    VersionRecord v2 =
        ledger.submit(
            FabricDocuments.update(
                v1.did(),
                v1.versionId(),
                FabricDocuments.document(v1.did(), List.of(keyB.publicKey()), 1),
                v1.did() + "#key-1",
                keyA));
    DidResolver resolver = DidResolvers.builder().method(resolver(ledger)).build();

    DidResolutionResult asOf = resolver.resolve(v1.did(), ResolutionOptions.atTime(signedAt));
    assertEquals(v1.versionId(), asOf.didDocumentMetadata().versionId().orElseThrow());
    assertEquals(v2.versionId(), asOf.didDocumentMetadata().nextVersionId().orElseThrow());
    assertTrue(Multikey.parse(multibase(asOf, "#key-1")).verifies(credential, signature));

    DidResolutionResult current = resolver.resolve(v1.did());
    assertEquals(v2.versionId(), current.didDocumentMetadata().versionId().orElseThrow());
    assertEquals(v2.versionTime(), current.didDocumentMetadata().updated().orElseThrow());
    assertEquals(v1.versionTime(), current.didDocumentMetadata().created().orElseThrow());
    assertFalse(Multikey.parse(multibase(current, "#key-1")).verifies(credential, signature));

    DidResolutionResult byId =
        resolver.resolve(v1.did(), ResolutionOptions.atVersion(v1.versionId()));
    assertEquals(keyA.publicKey().multibase(), multibase(byId, "#key-1"));
  }

  @Test
  void deactivatedDidResolvesWithDeactivatedMetadataAndUnknownOnesAreNotFound() throws Exception {
    VersionRecord v1 = ledger.submit(FabricDocuments.create("local", keyA));
    ledger.submit(FabricDocuments.deactivate(v1.did(), v1.versionId(), v1.did() + "#key-1", keyA));
    DidResolver resolver = DidResolvers.builder().method(resolver(ledger)).build();
    assertTrue(resolver.resolve(v1.did()).isDeactivated());
    assertFalse(
        resolver.resolve(v1.did(), ResolutionOptions.atVersion(v1.versionId())).isDeactivated());

    String unknown = FabricDocuments.create("local", keyB).did();
    assertEquals(ResolutionError.NOT_FOUND, resolver.resolve(unknown).error().orElseThrow());
    assertEquals(
        ResolutionError.NOT_FOUND,
        resolver
            .resolve(v1.did(), ResolutionOptions.atVersion("no-such-version"))
            .error()
            .orElseThrow());
    assertEquals(
        ResolutionError.NOT_FOUND,
        resolver
            .resolve(v1.did(), ResolutionOptions.atTime(Instant.parse("2000-01-01T00:00:00Z")))
            .error()
            .orElseThrow());
    assertEquals(
        ResolutionError.INVALID_DID,
        resolver.resolve("did:fabric:local:UPPER").error().orElseThrow());
    assertEquals(
        ResolutionError.NOT_FOUND,
        resolver.resolve(FabricDocuments.create("othernet", keyA).did()).error().orElseThrow());
  }

  /** A host that rewrites what the ledger exports. */
  private DidFabricLedger lying(UnaryOperator<byte[]> logRewrite) {
    return new DidFabricLedger() {
      @Override
      public String network() {
        return ledger.network();
      }

      @Override
      public VersionRecord submit(Operation operation) throws RejectedException {
        return ledger.submit(operation);
      }

      @Override
      public byte[] exportLog(String did) throws RejectedException {
        return logRewrite.apply(ledger.exportLog(did));
      }

      @Override
      public byte[] endorsedHead(String did, String nonce) throws RejectedException {
        return ledger.endorsedHead(did, nonce);
      }
    };
  }

  @Test
  void hostThatTampersWithTheLogOrHidesARotationIsRejectedWithTheReasonCode() throws Exception {
    VersionRecord v1 = ledger.submit(FabricDocuments.create("local", keyA));
    byte[] beforeRotation = ledger.exportLog(v1.did());
    ledger.submit(
        FabricDocuments.update(
            v1.did(),
            v1.versionId(),
            FabricDocuments.document(v1.did(), List.of(keyB.publicKey()), 1),
            v1.did() + "#key-1",
            keyA));

    DidResolutionResult hidden =
        resolver(lying(log -> beforeRotation))
            .resolve(Did.parse(v1.did()), ResolutionOptions.latest());
    assertEquals(ResolutionError.INVALID_DID_DOCUMENT, hidden.error().orElseThrow());
    assertEquals("LOG_NOT_FRESH", hidden.didResolutionMetadata().extra().get("reasonCode"));

    DidResolutionResult tampered =
        resolver(
                lying(
                    log -> {
                      ObjectNode root = Jcs.parseObject(log);
                      ObjectNode doc = (ObjectNode) root.get("versions").get(1).get("document");
                      doc.withArray("verificationMethod")
                          .add(doc.get("verificationMethod").get(0).deepCopy());
                      return Jcs.canonicalize(root);
                    }))
            .resolve(Did.parse(v1.did()), ResolutionOptions.latest());
    assertEquals(
        "LOG_VERSION_ID_MISMATCH", tampered.didResolutionMetadata().extra().get("reasonCode"));
  }

  @Test
  void cachedAnswersAreInvalidatedByTheLedgersEvents() throws Exception {
    VersionRecord v1 = ledger.submit(FabricDocuments.create("local", keyA));
    CachingDidResolver cache =
        CachingDidResolver.builder(DidResolvers.builder().method(resolver(ledger)).build())
            .latestTtl(Duration.ofHours(1))
            .build();
    ledger.addListener(LedgerEvents.invalidating(cache));
    assertEquals(
        v1.versionId(), cache.resolve(v1.did()).didDocumentMetadata().versionId().orElseThrow());
    assertEquals(
        v1.versionId(), cache.resolve(v1.did()).didDocumentMetadata().versionId().orElseThrow());
    assertEquals(1, cache.stats().hits());
    VersionRecord v2 =
        ledger.submit(
            FabricDocuments.update(
                v1.did(),
                v1.versionId(),
                FabricDocuments.document(v1.did(), List.of(keyB.publicKey()), 1),
                v1.did() + "#key-1",
                keyA));
    assertEquals(
        v2.versionId(), cache.resolve(v1.did()).didDocumentMetadata().versionId().orElseThrow());
  }

  @Test
  void providerDiscoveredFromTheClassPathResolvesFromTheDataDirectory() throws Exception {
    Path data = dir.resolve("data");
    String did;
    try (EmbeddedLedger own = EmbeddedFabricResolverProvider.openLedger(data, "local")) {
      did = own.submit(FabricDocuments.create("local", keyA)).did();
    }
    DidResolver resolver = DidResolvers.standard(Map.of("data.dir", data.toString()));
    DidResolutionResult result = resolver.resolve(did);
    assertTrue(result.error().isEmpty(), result.toString());
    assertEquals(did, result.didDocument().orElseThrow().id().toString());
  }
}
