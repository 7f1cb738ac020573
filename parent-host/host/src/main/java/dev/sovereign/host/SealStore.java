package dev.sovereign.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The enclave's latest sealed blobs on the host's disk (ciphertext only: the blob opens only inside
 * an attested enclave), with what each one covers: the rounds that were open and the inbox payloads
 * whose verdicts the enclave had given when it sealed, and the DID of the enclave whose keys it
 * holds. Files: {@code seals/seal-<millis>.bin} and {@code seals/latest.json}; written to a
 * temporary file, fsynced, then moved into place.
 */
public final class SealStore {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final int keep;

  /**
   * A stored seal and what it covers; {@code enclaveDid} names the enclave whose keys it holds
   * (null in a {@code latest.json} written before it was recorded).
   */
  public record Seal(
      Path file,
      Instant createdAt,
      Set<String> rounds,
      Set<String> coveredPayloads,
      String enclaveDid) {
    /** The enclave whose keys this seal holds, when recorded. */
    public Optional<String> did() {
      return Optional.ofNullable(enclaveDid);
    }

    /** The blob's bytes. */
    public byte[] blob() throws IOException {
      return Files.readAllBytes(file);
    }
  }

  public SealStore(Path dir, int keep) throws IOException {
    this.dir = dir;
    this.keep = Math.max(1, keep);
    Files.createDirectories(dir);
  }

  /** Stores a new blob as the latest and drops the oldest beyond {@code keep}. */
  public Seal store(byte[] blob, Instant at, Set<String> rounds, Set<String> covered)
      throws IOException {
    return store(blob, at, rounds, covered, null);
  }

  /**
   * Stores a new blob, sealed by the enclave {@code enclaveDid} (null: not known), as the latest
   * and drops the oldest beyond {@code keep}.
   */
  public synchronized Seal store(
      byte[] blob, Instant at, Set<String> rounds, Set<String> covered, String enclaveDid)
      throws IOException {
    long millis = at.toEpochMilli();
    Path file = dir.resolve("seal-" + millis + ".bin");
    for (int i = 1; Files.exists(file); i++) {
      file = dir.resolve("seal-" + millis + "-" + i + ".bin");
    }
    writeAtomically(file, blob);
    ObjectNode latest = JSON.createObjectNode();
    latest.put("file", file.getFileName().toString());
    latest.put("createdAt", at.toString());
    if (enclaveDid != null) {
      latest.put("enclaveDid", enclaveDid);
    }
    rounds.forEach(latest.withArray("rounds")::add);
    covered.forEach(latest.withArray("covered")::add);
    writeAtomically(dir.resolve("latest.json"), JSON.writeValueAsBytes(latest));
    prune();
    return new Seal(file, at, Set.copyOf(rounds), Set.copyOf(covered), enclaveDid);
  }

  /**
   * The latest seal, or empty when this host has never stored one. A store that cannot be read is
   * an {@link IOException}, never "no seal": recovery would otherwise open the rounds in an enclave
   * that restored nothing, whose keys are not the ones producers encrypted to, and every payload
   * answered since would get a final {@code jwe-kid-mismatch} from it (issue 11's invariant). So
   * the seal directory must be a directory, and a {@code latest.json} must name a blob that is
   * there.
   */
  public synchronized Optional<Seal> latest() throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("the seal directory is not a readable directory: " + dir);
    }
    byte[] meta;
    try {
      meta = Files.readAllBytes(dir.resolve("latest.json"));
    } catch (NoSuchFileException e) {
      return Optional.empty(); // never stored (any other failure to read it is thrown)
    }
    JsonNode n = JSON.readTree(meta);
    Path file = dir.resolve(n.path("file").asText()).normalize();
    if (!file.getParent().equals(dir.normalize())) {
      throw new IOException("latest.json names a file outside the seal directory");
    }
    if (!Files.isRegularFile(file)) {
      throw new IOException("latest.json names a sealed blob that is not there: " + file);
    }
    List<String> rounds = new ArrayList<>();
    n.path("rounds").forEach(r -> rounds.add(r.asText()));
    List<String> covered = new ArrayList<>();
    n.path("covered").forEach(c -> covered.add(c.asText()));
    return Optional.of(
        new Seal(
            file,
            Instant.parse(n.get("createdAt").asText()),
            Set.copyOf(rounds),
            Set.copyOf(covered),
            n.hasNonNull("enclaveDid") ? n.get("enclaveDid").asText() : null));
  }

  private void prune() throws IOException {
    List<Path> blobs;
    try (Stream<Path> s = Files.list(dir)) {
      blobs =
          new ArrayList<>(
              s.filter(p -> p.getFileName().toString().matches("seal-[0-9-]+\\.bin"))
                  .sorted()
                  .toList());
    }
    blobs.sort((a, b) -> Long.compare(lastModified(a), lastModified(b)));
    for (int i = 0; i < blobs.size() - keep; i++) {
      Files.deleteIfExists(blobs.get(i));
    }
  }

  private static long lastModified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(bytes));
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    // the rename is durable only once the directory is: without this a power loss could bring
    // back the previous latest.json, naming a seal older than the key broker's mark
    try (FileChannel dir = FileChannel.open(target.toAbsolutePath().getParent())) {
      dir.force(true);
    }
  }
}
