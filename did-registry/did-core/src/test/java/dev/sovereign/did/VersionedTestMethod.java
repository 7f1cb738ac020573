package dev.sovereign.did;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A did:test method with immutable, numbered versions, counting its calls (test double of a
 * ledger).
 */
final class VersionedTestMethod implements DidMethodResolver {
  record Version(String versionId, Instant time, DidDocument document, boolean deactivated) {}

  final Map<String, List<Version>> versions = new java.util.concurrent.ConcurrentHashMap<>();
  final AtomicInteger calls = new AtomicInteger();
  volatile Runnable duringResolve = () -> {};

  @Override
  public String method() {
    return "test";
  }

  void publish(DidDocument doc, Instant time, boolean deactivated) {
    List<Version> list =
        versions.computeIfAbsent(
            doc.id().toString(), k -> new java.util.concurrent.CopyOnWriteArrayList<>());
    list.add(new Version(String.valueOf(list.size() + 1), time, doc, deactivated));
  }

  @Override
  public DidResolutionResult resolve(Did did, ResolutionOptions options) {
    calls.incrementAndGet();
    duringResolve.run();
    List<Version> list = versions.get(did.toString());
    list = list == null ? null : List.copyOf(list);
    if (list == null || list.isEmpty()) {
      return DidResolutionResult.error(ResolutionError.NOT_FOUND, "no such DID");
    }
    int index = list.size() - 1;
    if (options.versionId().isPresent()) {
      index = -1;
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i).versionId().equals(options.versionId().get())) {
          index = i;
        }
      }
    } else if (options.versionTime().isPresent()) {
      index = -1;
      for (int i = 0; i < list.size(); i++) {
        if (!list.get(i).time().isAfter(options.versionTime().get())) {
          index = i;
        }
      }
    }
    if (index < 0) {
      return DidResolutionResult.error(ResolutionError.NOT_FOUND, "no such version");
    }
    Version v = list.get(index);
    DidDocumentMetadata.Builder m =
        DidDocumentMetadata.builder()
            .created(list.get(0).time())
            .updated(v.time())
            .versionId(v.versionId())
            .deactivated(v.deactivated());
    if (index + 1 < list.size()) {
      m.nextVersionId(list.get(index + 1).versionId()).nextUpdate(list.get(index + 1).time());
    }
    return DidResolutionResult.of(v.document(), m.build());
  }

  static DidDocument documentWithKey(String did, PublicKeyMaterial key, String fragment) {
    Did d = Did.parse(did);
    String id = d + "#" + fragment;
    return DidDocument.builder(d)
        .context(DidDocument.DID_CONTEXT_V1, "https://w3id.org/security/multikey/v1")
        .verificationMethod(
            VerificationMethod.builder(id, "Multikey", d.toString())
                .publicKeyMultibase(key)
                .build())
        .reference(Relationship.ASSERTION_METHOD, id)
        .reference(Relationship.AUTHENTICATION, id)
        .build();
  }
}
