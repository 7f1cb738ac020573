package dev.sovereign.did;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code didDocumentMetadata} (DID Core section 7.1.3): {@code created}, {@code updated}, {@code
 * deactivated}, {@code versionId}, {@code nextUpdate}, {@code nextVersionId}; {@code extra} holds
 * other members such as {@code equivalentId} or {@code canonicalId} (copied, immutable).
 */
public record DidDocumentMetadata(
    Optional<Instant> created,
    Optional<Instant> updated,
    boolean deactivated,
    Optional<String> versionId,
    Optional<Instant> nextUpdate,
    Optional<String> nextVersionId,
    Map<String, Object> extra) {

  private static final DidDocumentMetadata EMPTY =
      new DidDocumentMetadata(
          Optional.empty(),
          Optional.empty(),
          false,
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Map.of());

  /** Copies {@code extra}. */
  public DidDocumentMetadata {
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(updated, "updated");
    Objects.requireNonNull(versionId, "versionId");
    Objects.requireNonNull(nextUpdate, "nextUpdate");
    Objects.requireNonNull(nextVersionId, "nextVersionId");
    extra = JsonValues.freezeMap(extra);
  }

  /** No metadata: {@code {}}. */
  public static DidDocumentMetadata empty() {
    return EMPTY;
  }

  /** A builder starting from nothing. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this metadata. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.created = created.orElse(null);
    b.updated = updated.orElse(null);
    b.deactivated = deactivated;
    b.versionId = versionId.orElse(null);
    b.nextUpdate = nextUpdate.orElse(null);
    b.nextVersionId = nextVersionId.orElse(null);
    b.extra.putAll(extra);
    return b;
  }

  /** Mutable builder; {@link #build()} makes the immutable value. */
  public static final class Builder {
    private Instant created;
    private Instant updated;
    private boolean deactivated;
    private String versionId;
    private Instant nextUpdate;
    private String nextVersionId;
    private final Map<String, Object> extra = new LinkedHashMap<>();

    private Builder() {}

    /** {@code created}: when the DID was created. */
    public Builder created(Instant v) {
      created = v;
      return this;
    }

    /** {@code updated}: when this version was written (omit for the first version). */
    public Builder updated(Instant v) {
      updated = v;
      return this;
    }

    /** {@code deactivated}: written only when true. */
    public Builder deactivated(boolean v) {
      deactivated = v;
      return this;
    }

    /** {@code versionId} of the resolved version. */
    public Builder versionId(String v) {
      versionId = v;
      return this;
    }

    /** {@code nextUpdate}: when the next version was written. */
    public Builder nextUpdate(Instant v) {
      nextUpdate = v;
      return this;
    }

    /** {@code nextVersionId}: the version after this one. */
    public Builder nextVersionId(String v) {
      nextVersionId = v;
      return this;
    }

    /** Any other member (a JSON value). */
    public Builder extra(String name, Object value) {
      extra.put(name, value);
      return this;
    }

    /** The immutable metadata. */
    public DidDocumentMetadata build() {
      return new DidDocumentMetadata(
          Optional.ofNullable(created),
          Optional.ofNullable(updated),
          deactivated,
          Optional.ofNullable(versionId),
          Optional.ofNullable(nextUpdate),
          Optional.ofNullable(nextVersionId),
          extra);
    }
  }
}
