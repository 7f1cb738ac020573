package dev.sovereign.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Backups as files in one directory: {@code sovereign-<zone>-<ms>.sealed} and its sidecar {@code
 * .sealed.json} {@code {zone, createdAt, expiresAt, sha256, bytes}}. Each file is written to a
 * temporary name, fsynced, renamed atomically and the directory fsynced; the sidecar is written
 * last, so a crash leaves at most an orphan blob that no listing reports.
 */
public final class DirectoryBackupStore implements BackupStore {
  public static final String SUFFIX = ".sealed";
  public static final String SIDECAR = SUFFIX + ".json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BackupLocation.Dir dir;

  public DirectoryBackupStore(BackupLocation.Dir dir) {
    this.dir = dir;
  }

  @Override
  public BackupLocation.Dir location() {
    return dir;
  }

  @Override
  public Meta put(Meta meta, byte[] blob) throws IOException {
    Path d = dir.path();
    String name = "sovereign-" + meta.zone() + "-" + meta.createdAt().toEpochMilli() + SUFFIX;
    ObjectNode side =
        JSON.createObjectNode()
            .put("zone", meta.zone())
            .put("createdAt", meta.createdAt().toString())
            .put("expiresAt", meta.expiresAt().toString())
            .put("sha256", meta.sha256())
            .put("bytes", blob.length);
    try {
      writeAtomically(d.resolve(name), blob);
      writeAtomically(
          d.resolve(name + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(side));
    } catch (IOException e) {
      throw new Failed(
          "writing " + d.resolve(name) + " failed: " + e.getClass().getSimpleName(), 0, "io-error");
    }
    return meta.withRef(name);
  }

  @Override
  public List<Meta> list(String zone) throws IOException {
    if (!Files.isDirectory(dir.path())) {
      return List.of();
    }
    List<Path> sidecars;
    try (Stream<Path> s = Files.list(dir.path())) {
      sidecars = s.filter(p -> p.getFileName().toString().endsWith(SIDECAR)).sorted().toList();
    }
    List<Meta> out = new ArrayList<>();
    for (Path p : sidecars) {
      String blobName =
          p.getFileName().toString().substring(0, p.getFileName().toString().length() - 5);
      Meta m;
      try {
        m = sidecar(blobName, JSON.readTree(p.toFile()));
      } catch (IOException e) {
        continue; // not a sidecar the job wrote
      }
      if (zone.equals(m.zone()) && m.createdAt() != null) {
        out.add(m);
      }
    }
    return out;
  }

  @Override
  public Backup read(String ref) throws IOException {
    Path blob = dir.path().resolve(ref).normalize();
    Path side = blob.resolveSibling(blob.getFileName() + ".json");
    // a link named like a backup could point anywhere: only regular files in the directory itself
    if (!blob.getParent().equals(dir.path())
        || !Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS)
        || !Files.isRegularFile(side, LinkOption.NOFOLLOW_LINKS)) {
      throw new Failed(blob + " or its .json metadata is missing", 0, "not-found");
    }
    return new Backup(sidecar(ref, JSON.readTree(side.toFile())), Files.readAllBytes(blob));
  }

  @Override
  public void delete(Meta meta) throws IOException {
    Files.deleteIfExists(dir.path().resolve(meta.ref()));
    Files.deleteIfExists(dir.path().resolve(meta.ref() + ".json"));
    fsyncDir(dir.path());
  }

  @Override
  public String address(String ref) {
    return dir.path().resolve(ref).toString();
  }

  private static Meta sidecar(String ref, JsonNode n) {
    return new Meta(
        ref,
        text(n, "zone"),
        instant(n, "createdAt"),
        instant(n, "expiresAt"),
        text(n, "sha256"),
        n.path("bytes").asLong(-1));
  }

  private static String text(JsonNode n, String field) {
    return n.path(field).isTextual() ? n.path(field).asText() : null;
  }

  private static Instant instant(JsonNode n, String field) {
    try {
      return n.path(field).isTextual() ? Instant.parse(n.path(field).asText()) : null;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Temporary file in the same directory, fsync, atomic rename, fsync of the directory. */
  static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    fsyncDir(target.getParent());
  }

  private static void fsyncDir(Path d) {
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems cannot open or sync a directory; the files themselves were synced
    }
  }
}
