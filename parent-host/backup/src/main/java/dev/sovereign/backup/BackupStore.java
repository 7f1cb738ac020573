package dev.sovereign.backup;

import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * Where the backup jobs keep sealed blobs: {@link DirectoryBackupStore} (blob and a JSON sidecar,
 * written atomically and fsynced) or {@link S3BackupStore} (one object, metadata in its user
 * metadata). A store only moves bytes; the jobs decide location policy, retention and digests, and
 * audit. Failures are {@link Failed}: a message safe to print (never credentials, never a blob).
 */
public interface BackupStore extends Closeable {

  /**
   * The location this store writes to and lists, e.g. {@code /srv/backups/eu} or {@code s3://b/eu}.
   */
  BackupLocation location();

  /**
   * Stores one backup of {@code meta.zone()}; returns the metadata with its reference filled in.
   */
  Meta put(Meta meta, byte[] blob) throws IOException;

  /**
   * The backups of {@code zone} this store wrote at its location (objects or files without the
   * job's metadata are left out, so retention never deletes what the job did not write).
   */
  List<Meta> list(String zone) throws IOException;

  /** Reads one backup by reference; the metadata is the store's word (checked by the caller). */
  Backup read(String ref) throws IOException;

  /** Deletes one backup (blob and metadata). */
  void delete(Meta meta) throws IOException;

  /** A printable address of a reference: a file path or an {@code s3://bucket/key}. */
  String address(String ref);

  @Override
  default void close() {}

  /**
   * What the job wrote next to the blob at create time. {@code ref} is the store's name for it (a
   * file name or an object key); {@code expiresAt} may be null in sidecars older than this field;
   * {@code zone}, {@code createdAt} or {@code sha256} are null when the stored metadata lacks them.
   */
  record Meta(
      String ref, String zone, Instant createdAt, Instant expiresAt, String sha256, long bytes) {
    public Meta withRef(String r) {
      return new Meta(r, zone, createdAt, expiresAt, sha256, bytes);
    }
  }

  /** A blob with the metadata stored beside it. */
  record Backup(Meta meta, byte[] blob) {}

  /** A store failure (I/O, S3 error answer, bad endpoint) with a message safe to show. */
  final class Failed extends IOException {
    private static final long serialVersionUID = 1L;

    /** The HTTP status of an S3 error answer, 0 otherwise. */
    public final int status;

    /** The S3 error code (e.g. AccessDenied) or a short local code, e.g. io-error. */
    public final String code;

    public Failed(String message, int status, String code) {
      super(message, null);
      this.status = status;
      this.code = code;
    }
  }
}
