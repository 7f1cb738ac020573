package dev.sovereign.vc;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidDocument;
import dev.sovereign.did.DidDocumentMetadata;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.Relationship;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.VerificationMethod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry-like DID method for tests ({@code did:test:...}) with versions in time, so versionTime
 * resolution and key rotation can be exercised; other DIDs go to a fallback resolver (did:key).
 */
final class VersionedDidResolver implements DidResolver {
  private final DidResolver fallback;
  private final Map<String, TreeMap<Instant, DidDocument>> versions = new ConcurrentHashMap<>();
  final AtomicInteger calls = new AtomicInteger();

  VersionedDidResolver(DidResolver fallback) {
    this.fallback = fallback;
  }

  private final Map<String, Instant> deactivated = new ConcurrentHashMap<>();

  /** Deactivates {@code did} from {@code at} on (terminal). */
  void deactivate(Did did, Instant at) {
    deactivated.put(did.toString(), at);
  }

  /** Publishes a version of {@code did} effective from {@code from}. */
  void publish(Did did, Instant from, DidDocument doc) {
    versions.computeIfAbsent(did.toString(), k -> new TreeMap<>()).put(from, doc);
  }

  /** A document with one key listed under the given relationships. */
  static DidDocument document(
      Did did, String fragment, TestIssuer key, Relationship... relationships) {
    return document(did, List.of(new Entry(fragment, key, relationships)));
  }

  record Entry(String fragment, TestIssuer key, Relationship... relationships) {}

  static DidDocument document(Did did, List<Entry> entries) {
    DidDocument.Builder b = DidDocument.builder(did).context(DidDocument.DID_CONTEXT_V1);
    for (Entry e : entries) {
      String id = did + "#" + e.fragment();
      VerificationMethod vm =
          VerificationMethod.builder(id, "Multikey", did.toString())
              .publicKeyMultibase(material(e.key()))
              .build();
      b.verificationMethod(vm);
      for (Relationship r : e.relationships()) {
        b.reference(r, id);
      }
    }
    return b.build();
  }

  static PublicKeyMaterial material(TestIssuer k) {
    byte[] raw = k.publicKey().rawPublicKey();
    return PublicKeyMaterial.of(
        k.type(), k.type() == KeyType.ED25519 ? raw : TestIssuer.compress(raw));
  }

  @Override
  public DidResolutionResult resolve(String did, ResolutionOptions options) {
    calls.incrementAndGet();
    TreeMap<Instant, DidDocument> v = versions.get(did);
    if (v == null) {
      return fallback.resolve(did, options);
    }
    Instant at = options.versionTime().orElse(Instant.MAX);
    var e = v.floorEntry(at);
    if (e == null) {
      return DidResolutionResult.error(ResolutionError.NOT_FOUND, did + " did not exist at " + at);
    }
    Instant off = deactivated.get(did);
    boolean isOff = off != null && !at.isBefore(off);
    return DidResolutionResult.of(
        e.getValue(),
        DidDocumentMetadata.builder().versionId(e.getKey().toString()).deactivated(isOff).build());
  }

  List<String> dids() {
    return new ArrayList<>(versions.keySet());
  }
}
