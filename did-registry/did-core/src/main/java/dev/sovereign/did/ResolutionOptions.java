package dev.sovereign.did;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * DID Resolution options (W3C DID Resolution, "DID Resolution Options"): {@code versionId} and
 * {@code versionTime} select a historical version (mutually exclusive), {@code accept} the media
 * type of the representation. {@code parameters} carries method-specific options, e.g. did:key's
 * {@code publicKeyFormat} and {@code enableEncryptionKeyDerivation}.
 */
public record ResolutionOptions(
    Optional<String> versionId,
    Optional<Instant> versionTime,
    Optional<String> accept,
    Map<String, String> parameters) {

  /**
   * did:key option: verification method type to produce (e.g. {@code Multikey}, {@code
   * JsonWebKey2020}).
   */
  public static final String PUBLIC_KEY_FORMAT = "publicKeyFormat";

  /**
   * did:key option: derive an X25519 keyAgreement key from an Ed25519 key ({@code true} by
   * default).
   */
  public static final String ENABLE_ENCRYPTION_KEY_DERIVATION = "enableEncryptionKeyDerivation";

  private static final ResolutionOptions LATEST =
      new ResolutionOptions(Optional.empty(), Optional.empty(), Optional.empty(), Map.of());

  /** Validates that at most one of versionId and versionTime is set. */
  public ResolutionOptions {
    Objects.requireNonNull(versionId, "versionId");
    Objects.requireNonNull(versionTime, "versionTime");
    Objects.requireNonNull(accept, "accept");
    if (versionId.isPresent() && versionTime.isPresent()) {
      throw new IllegalArgumentException("versionId and versionTime are mutually exclusive");
    }
    if (versionId.isPresent() && versionId.get().isEmpty()) {
      throw new IllegalArgumentException("versionId is empty");
    }
    parameters = Map.copyOf(parameters);
  }

  /** The current version, default representation. */
  public static ResolutionOptions latest() {
    return LATEST;
  }

  /** The version with this {@code versionId}. */
  public static ResolutionOptions atVersion(String versionId) {
    return new ResolutionOptions(
        Optional.of(versionId), Optional.empty(), Optional.empty(), Map.of());
  }

  /** The version that was current at {@code versionTime}. */
  public static ResolutionOptions atTime(Instant versionTime) {
    return new ResolutionOptions(
        Optional.empty(), Optional.of(versionTime), Optional.empty(), Map.of());
  }

  /** A copy asking for media type {@code mediaType}. */
  public ResolutionOptions withAccept(String mediaType) {
    return new ResolutionOptions(versionId, versionTime, Optional.of(mediaType), parameters);
  }

  /** A copy with one more method-specific parameter. */
  public ResolutionOptions withParameter(String name, String value) {
    Map<String, String> p = new LinkedHashMap<>(parameters);
    p.put(name, value);
    return new ResolutionOptions(versionId, versionTime, accept, p);
  }

  /** A method-specific parameter. */
  public Optional<String> parameter(String name) {
    return Optional.ofNullable(parameters.get(name));
  }

  /** True when a specific past version is requested (versionId or versionTime). */
  public boolean isHistorical() {
    return versionId.isPresent() || versionTime.isPresent();
  }
}
