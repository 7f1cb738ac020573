package dev.sovereign.crypto.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockedChainFileTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-07T15:00:00Z"), ZoneOffset.UTC);
  private static final AuditFormat F = AuditFormat.EVENT_LINES;

  @TempDir Path dir;

  private Path logOf(int entries) throws Exception {
    Path file = dir.resolve("audit.log");
    Files.createFile(file);
    LockedChainFile log = new LockedChainFile(file, F, CLOCK);
    for (int i = 1; i <= entries; i++) {
      log.append("E" + i, JSON.valueToTree(Map.of("i", i)));
    }
    return file;
  }

  @Test
  void anAppendACrashCutShortIsDroppedRecordedAndTheChainGoesOn() throws Exception {
    Path file = logOf(2);
    byte[] whole = Files.readAllBytes(file);
    // what a crash in the middle of the third append leaves: part of a line, no newline
    byte[] torn =
        "{\"n\":3,\"time\":\"2026-12-07T15:00:00Z\",\"ev".getBytes(StandardCharsets.UTF_8);
    Files.write(file, torn, StandardOpenOption.APPEND);
    assertThrows(ChainBrokenException.class, () -> HashChain.verify(F, Files.readAllBytes(file)));

    long seq = new LockedChainFile(file, F, CLOCK).append("E3", JSON.valueToTree(Map.of("i", 3)));

    assertEquals(4, seq, "the drop is entry 3, the new entry 4");
    HashChain.Verified v = HashChain.verify(F, Files.readAllBytes(file));
    assertEquals(4, v.entries());
    AuditFormat.Entry drop = v.lines().get(2);
    assertEquals(LockedChainFile.TAIL_DROPPED, drop.kind());
    assertEquals(torn.length, drop.fields().get("bytes").asLong());
    assertEquals(HashChain.sha256Hex(torn), drop.fields().get("sha256").asText());
    assertEquals("E3", v.lines().get(3).kind());
    byte[] after = Files.readAllBytes(file);
    assertArrayEquals(whole, Arrays.copyOf(after, whole.length), "complete lines are untouched");
  }

  @Test
  void aTornTailLongerThanWhatIsWrittenNextLeavesNoByteBehind() throws Exception {
    Path file = logOf(1);
    byte[] junk = new byte[10_000];
    Arrays.fill(junk, (byte) 'x');
    Files.write(file, junk, StandardOpenOption.APPEND);

    assertEquals(10_000, new LockedChainFile(file, F, CLOCK).dropTornTail());

    HashChain.Verified v = HashChain.verify(F, Files.readAllBytes(file));
    assertEquals(2, v.entries());
    assertEquals(LockedChainFile.TAIL_DROPPED, v.lines().get(1).kind());
    assertEquals(0, new LockedChainFile(file, F, CLOCK).dropTornTail(), "nothing more to drop");
    assertEquals(2, HashChain.verify(F, Files.readAllBytes(file)).entries());
  }

  @Test
  void aTornFirstLineIsDroppedAndTheChainStartsFromGenesis() throws Exception {
    Path file = dir.resolve("audit.log");
    Files.write(file, "{\"n\":1,\"ti".getBytes(StandardCharsets.UTF_8));

    new LockedChainFile(file, F, CLOCK).append("E1", JSON.valueToTree(Map.of("i", 1)));

    HashChain.Verified v = HashChain.verify(F, Files.readAllBytes(file));
    assertEquals(2, v.entries());
    assertEquals(HashChain.GENESIS, v.lines().get(0).prev());
  }

  @Test
  void twoWritersOnTheSameFileInOneJvmNeverThrowAndNeverBreakTheChain() throws Exception {
    Path file = logOf(0);
    LockedChainFile a = new LockedChainFile(file, F, CLOCK);
    LockedChainFile b = new LockedChainFile(dir.resolve(".").resolve("audit.log"), F, CLOCK);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<Long>>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        LockedChainFile w = t % 2 == 0 ? a : b;
        int writer = t;
        runs.add(
            pool.submit(
                () -> {
                  List<Long> seqs = new ArrayList<>();
                  for (int i = 0; i < 50; i++) {
                    seqs.add(w.append("W" + writer, JSON.valueToTree(Map.of("i", i))));
                  }
                  return seqs;
                }));
      }
      Set<Long> seen = new HashSet<>();
      for (Future<List<Long>> r : runs) {
        for (long s : r.get()) {
          assertEquals(true, seen.add(s), "sequence " + s + " handed out twice");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(200, HashChain.verify(F, Files.readAllBytes(file)).entries());
  }
}
