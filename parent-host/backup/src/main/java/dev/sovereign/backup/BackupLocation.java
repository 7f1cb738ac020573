package dev.sovereign.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a backup may live: a directory or an {@code s3://bucket/prefix}. Both are normalised before
 * any policy check ({@code ..} resolved, empty segments dropped), and "under" is decided segment by
 * segment, so {@code s3://b/eu-evil} is not under {@code s3://b/eu}.
 */
public sealed interface BackupLocation permits BackupLocation.Dir, BackupLocation.S3 {

  /**
   * {@code s3://...} or a directory path; throws IllegalArgumentException (a usage error) if
   * malformed.
   */
  static BackupLocation parse(String s) {
    if (s.regionMatches(true, 0, "s3://", 0, 5)) {
      return S3.parse(s);
    }
    if (s.contains("://")) {
      throw new IllegalArgumentException(
          "unsupported backup location " + s + " (a directory or s3://bucket/prefix)");
    }
    return new Dir(Path.of(s).toAbsolutePath().normalize());
  }

  /** True if this location is {@code allowed} or lies inside it. */
  boolean isUnder(BackupLocation allowed);

  /**
   * A directory on the host. "Under" is decided on real paths: every symbolic link in either path
   * is resolved first ({@link #real}), so a link inside an allowed directory that points elsewhere
   * (an EU location whose link leads into the US directory) is not under it.
   */
  record Dir(Path path) implements BackupLocation {
    @Override
    public boolean isUnder(BackupLocation allowed) {
      if (!(allowed instanceof Dir d)) {
        return false;
      }
      try {
        return real(path).startsWith(real(d.path()));
      } catch (IOException e) {
        return false; // a path whose links cannot be resolved is under nothing
      }
    }

    /**
     * The path with every symbolic link resolved: {@code toRealPath} of its longest existing
     * ancestor, then the segments that do not exist yet (which cannot be links).
     */
    static Path real(Path p) throws IOException {
      Path abs = p.toAbsolutePath().normalize();
      Path existing = abs;
      while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
        existing = existing.getParent();
      }
      if (existing == null) {
        return abs;
      }
      Path resolved = existing.toRealPath();
      return resolved.resolve(existing.relativize(abs)).normalize();
    }

    @Override
    public String toString() {
      return path.toString();
    }
  }

  /** An S3 bucket and a key prefix as normalised segments (no empty, "." or ".." segments). */
  record S3(String bucket, List<String> segments) implements BackupLocation {
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    /**
     * Key segments the job accepts: no percent-encoding, backslashes, control or other special
     * characters.
     */
    static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._=+@,~-]+");

    public S3 {
      segments = List.copyOf(segments);
    }

    public static S3 parse(String s) {
      String rest = s.substring(5);
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
        throw new IllegalArgumentException("s3 location " + s + ": not a valid bucket name");
      }
      List<String> out = new ArrayList<>();
      if (slash >= 0) {
        for (String seg : rest.substring(slash + 1).split("/", -1)) {
          if (seg.isEmpty() || seg.equals(".")) {
            continue;
          }
          if (seg.equals("..")) {
            if (out.isEmpty()) {
              throw new IllegalArgumentException(
                  "s3 location " + s + ": '..' climbs out of the bucket");
            }
            out.remove(out.size() - 1);
            continue;
          }
          if (!SEGMENT.matcher(seg).matches()) {
            throw new IllegalArgumentException(
                "s3 location " + s + ": key segments may only use A-Z a-z 0-9 . _ = + @ , ~ -");
          }
          out.add(seg);
        }
      }
      return new S3(bucket, out);
    }

    /** The key prefix without a trailing slash ("" for the whole bucket). */
    public String prefix() {
      return String.join("/", segments);
    }

    /** The key for {@code name} under this prefix. */
    public String key(String... names) {
      List<String> all = new ArrayList<>(segments);
      all.addAll(List.of(names));
      return String.join("/", all);
    }

    /**
     * The location of the "directory" a key lies in, e.g. {@code s3://b/eu/EU} for key {@code
     * eu/EU/x.sealed}.
     */
    public S3 parentOf() {
      return segments.isEmpty() ? this : new S3(bucket, segments.subList(0, segments.size() - 1));
    }

    /** The last segment (a key's object name), or "" for a bare bucket. */
    public String name() {
      return segments.isEmpty() ? "" : segments.get(segments.size() - 1);
    }

    @Override
    public boolean isUnder(BackupLocation allowed) {
      return allowed instanceof S3 a
          && bucket.equals(a.bucket())
          && segments.size() >= a.segments().size()
          && segments.subList(0, a.segments().size()).equals(a.segments());
    }

    @Override
    public String toString() {
      return "s3://" + bucket + (segments.isEmpty() ? "" : "/" + prefix());
    }
  }
}
