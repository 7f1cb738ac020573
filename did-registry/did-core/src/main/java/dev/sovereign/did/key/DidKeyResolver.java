package dev.sovereign.did.key;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidDocument;
import dev.sovereign.did.DidDocumentMetadata;
import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.InvalidDidException;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves did:key by expanding the key (no registry). Options: {@code publicKeyFormat} (a {@link
 * DidKeyFormat} type name; default {@link #defaultFormat()}) and {@code
 * enableEncryptionKeyDerivation} ({@code true} by default). A did:key never changes, so {@code
 * versionTime} returns the same document; there are no version ids, so {@code versionId} is {@code
 * notFound}.
 */
public final class DidKeyResolver implements DidMethodResolver {
  /**
   * Documents kept per (DID, format, derivation): a did:key's document is a pure function of those,
   * and building it validates the key in full (for Ed25519 a point-order check, about the cost of a
   * signature verification), which a verifier resolving the same producers' DIDs for every payload
   * would otherwise repeat. Bounded: beyond this many, all are dropped at once and rebuilt on use.
   * Only successes are kept; a malformed DID is refused afresh every time.
   */
  static final int MAX_KEPT = 4096;

  private final DidKeyFormat defaultFormat;
  private final ConcurrentHashMap<String, DidResolutionResult> kept = new ConcurrentHashMap<>();

  /** Produces {@link DidKeyFormat#MULTIKEY} unless the options ask otherwise. */
  public DidKeyResolver() {
    this(DidKeyFormat.MULTIKEY);
  }

  /** Produces {@code defaultFormat} unless the options ask otherwise. */
  public DidKeyResolver(DidKeyFormat defaultFormat) {
    this.defaultFormat = defaultFormat;
  }

  /** The format used when the options name none. */
  public DidKeyFormat defaultFormat() {
    return defaultFormat;
  }

  @Override
  public String method() {
    return DidKey.METHOD;
  }

  private DidResolutionResult build(Did did, ResolutionOptions options) {
    PublicKeyMaterial key;
    try {
      key = DidKey.decode(did);
    } catch (InvalidDidException e) {
      return DidResolutionResult.error(ResolutionError.INVALID_DID, e.detail());
    }
    if (options.versionId().isPresent()) {
      return DidResolutionResult.error(ResolutionError.NOT_FOUND, "did:key has no versions");
    }
    Optional<String> formatName = options.parameter(ResolutionOptions.PUBLIC_KEY_FORMAT);
    DidKeyFormat format = defaultFormat;
    if (formatName.isPresent()) {
      Optional<DidKeyFormat> f = DidKeyFormat.fromTypeName(formatName.get());
      if (f.isEmpty()) {
        return DidResolutionResult.error(
            ResolutionError.INVALID_OPTIONS,
            "unsupportedPublicKeyType: publicKeyFormat " + formatName.get());
      }
      format = f.get();
    }
    String derive =
        options.parameter(ResolutionOptions.ENABLE_ENCRYPTION_KEY_DERIVATION).orElse("true");
    if (!derive.equals("true") && !derive.equals("false")) {
      return DidResolutionResult.error(
          ResolutionError.INVALID_OPTIONS, "enableEncryptionKeyDerivation must be true or false");
    }
    if (!format.supports(key.type())) {
      return DidResolutionResult.error(
          ResolutionError.INVALID_OPTIONS,
          "unsupportedPublicKeyType: "
              + format.typeName()
              + " cannot express a "
              + key.type().jwkCrv()
              + " key");
    }
    DidDocument doc = DidKey.document(key, format, Boolean.parseBoolean(derive));
    return DidResolutionResult.of(doc, DidDocumentMetadata.empty());
  }

  @Override
  public DidResolutionResult resolve(Did did, ResolutionOptions options) {
    if (options.versionId().isPresent()) {
      return build(did, options); // notFound: nothing to keep
    }
    // the document reads only these options (versionTime and accept do not change it)
    String k =
        did
            + "\n"
            + options.parameter(ResolutionOptions.PUBLIC_KEY_FORMAT).orElse("")
            + "\n"
            + options.parameter(ResolutionOptions.ENABLE_ENCRYPTION_KEY_DERIVATION).orElse("");
    DidResolutionResult r = kept.get(k);
    if (r == null) {
      r = build(did, options);
      if (r.error().isEmpty()) {
        if (kept.size() >= MAX_KEPT) {
          kept.clear();
        }
        kept.put(k, r);
      }
    }
    return r;
  }
}
