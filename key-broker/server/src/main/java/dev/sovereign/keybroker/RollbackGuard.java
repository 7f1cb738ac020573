package dev.sovereign.keybroker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The highest sealed-state sequence per enclave identity (key ARN, measurement, region), in {@code
 * rollback.json} (mode 0600). Sealing must move forward; opening an older snapshot is refused until
 * an administrator lowers the mark ({@link LocalKeyBroker#overrideRollback}), which is audited.
 */
final class RollbackGuard {
  static final String FILE = "rollback.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final TreeMap<String, Long> highest;

  private RollbackGuard(Path file, TreeMap<String, Long> highest) {
    this.file = file;
    this.highest = highest;
  }

  static RollbackGuard open(Path stateDir) throws IOException {
    Path file = stateDir.resolve(FILE);
    TreeMap<String, Long> m = new TreeMap<>();
    if (Files.exists(file)) {
      m.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, Long>>() {}));
    }
    return new RollbackGuard(file, m);
  }

  static String identity(String keyArn, String measurementHex, String region) {
    return keyArn + "|" + measurementHex.toLowerCase(java.util.Locale.ROOT) + "|" + region;
  }

  synchronized long highest(String identity) throws IOException {
    reload();
    return highest.getOrDefault(identity, 0L);
  }

  synchronized void record(String identity, long sequence) throws IOException {
    reload();
    highest.put(identity, sequence);
    StateFiles.writeAtomically(
        file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(highest));
  }

  /**
   * Atomically raises the mark to {@code sequence} if it is above the current one; returns the mark
   * before the call (so {@code result < sequence} means it was raised).
   */
  synchronized long advance(String identity, long sequence) throws IOException {
    reload();
    long before = highest.getOrDefault(identity, 0L);
    if (sequence > before) {
      highest.put(identity, sequence);
      StateFiles.writeAtomically(
          file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(highest));
    }
    return before;
  }

  /** Another process (the admin CLI) may have lowered a mark: read the file again. */
  private void reload() throws IOException {
    if (Files.exists(file)) {
      highest.clear();
      highest.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, Long>>() {}));
    }
  }
}
