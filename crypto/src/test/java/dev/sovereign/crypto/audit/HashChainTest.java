package dev.sovereign.crypto.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HashChainTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = HashChainTest.class.getResourceAsStream("/audit/" + name)) {
      return in.readAllBytes();
    }
  }

  private static String fixtureName(AuditFormat format) {
    return format == AuditFormat.EVENT_LINES
        ? "event-lines-87fd3b3.log"
        : "canonical-lines-87fd3b3.log";
  }

  /** Five entries written through the shared writer, as the log's owner writes them. */
  private List<String> written(AuditFormat format) throws Exception {
    Path file = dir.resolve(format + ".log");
    Files.createFile(file);
    LockedChainFile log = new LockedChainFile(file, format, CLOCK);
    for (int i = 1; i <= 5; i++) {
      assertEquals(i, log.append("event-" + i, JSON.valueToTree(Map.of("i", i, "zone", "EU"))));
    }
    return new ArrayList<>(HashChain.lines(format, Files.readAllBytes(file)));
  }

  private static ChainBrokenException rejected(AuditFormat format, List<String> lines) {
    ChainBrokenException e =
        assertThrows(ChainBrokenException.class, () -> HashChain.verify(format, lines));
    assertEquals(format.brokenCode(), e.code());
    return e;
  }

  @ParameterizedTest
  @EnumSource(AuditFormat.class)
  void aLogWrittenBeforeTheChainWasSharedStillVerifiesAndIsWrittenTheSameWayNow(AuditFormat f)
      throws Exception {
    byte[] old = fixture(fixtureName(f));
    HashChain.Verified v = HashChain.verify(f, old);
    assertEquals(4, v.entries());
    List<String> lines = HashChain.lines(f, old);
    assertEquals(HashChain.sha256Hex(lines.get(3).getBytes(StandardCharsets.UTF_8)), v.head());
    // The shared code writes every one of those lines byte for byte as the old writers did.
    String prev = HashChain.GENESIS;
    for (int i = 0; i < lines.size(); i++) {
      AuditFormat.Entry e = v.lines().get(i);
      byte[] again = f.line(e.seq(), e.node().path("time").asText(), e.kind(), e.fields(), prev);
      assertArrayEquals(lines.get(i).getBytes(StandardCharsets.UTF_8), again, "line " + (i + 1));
      prev = HashChain.sha256Hex(again);
    }
  }

  @Test
  void eachFormatReadsOnlyItsOwnLogs() throws Exception {
    assertEquals(
        1,
        assertThrows(
                ChainBrokenException.class,
                () ->
                    HashChain.verify(
                        AuditFormat.CANONICAL_LINES, fixture(fixtureName(AuditFormat.EVENT_LINES))))
            .line());
    assertEquals(
        1,
        assertThrows(
                ChainBrokenException.class,
                () ->
                    HashChain.verify(
                        AuditFormat.EVENT_LINES, fixture(fixtureName(AuditFormat.CANONICAL_LINES))))
            .line());
  }

  @ParameterizedTest
  @EnumSource(AuditFormat.class)
  void aLogWrittenThroughTheSharedWriterVerifiesWithItsHeadAtTheLastLine(AuditFormat f)
      throws Exception {
    List<String> lines = written(f);
    HashChain.Verified v = HashChain.verify(f, lines);
    assertEquals(5, v.entries());
    assertEquals(HashChain.sha256Hex(lines.get(4).getBytes(StandardCharsets.UTF_8)), v.head());
    assertEquals("event-3", v.lines().get(2).kind());
  }

  @ParameterizedTest
  @EnumSource(AuditFormat.class)
  void aLogCutInsideItsLastLineIsRejectedAtThatLine(AuditFormat f) throws Exception {
    byte[] file = (String.join("\n", written(f)) + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] cut = Arrays.copyOf(file, file.length - 7);
    ChainBrokenException e =
        assertThrows(ChainBrokenException.class, () -> HashChain.verify(f, cut));
    assertEquals(f.brokenCode(), e.code());
    assertEquals(5, e.line());
  }

  @ParameterizedTest
  @EnumSource(AuditFormat.class)
  void aLogCutAtALineBoundaryIsAShorterChainWhoseHeadIsNotThePublishedOne(AuditFormat f)
      throws Exception {
    List<String> lines = written(f);
    String published = HashChain.verify(f, lines).head();
    HashChain.Verified cut = HashChain.verify(f, lines.subList(0, 3));
    assertEquals(3, cut.entries());
    assertNotEquals(published, cut.head());
  }

  @ParameterizedTest
  @EnumSource(AuditFormat.class)
  void aLineCutOutOfTheMiddleIsRejectedWhereItWas(AuditFormat f) throws Exception {
    List<String> lines = written(f);
    lines.remove(2);
    assertEquals(3, rejected(f, lines).line());
  }

  @ParameterizedTest
  @EnumSource(AuditFormat.class)
  void anEditedLineIsRejectedAtTheLineThatNamesItsHash(AuditFormat f) throws Exception {
    List<String> lines = written(f);
    lines.set(1, lines.get(1).replace("\"EU\"", "\"US\""));
    assertEquals(3, rejected(f, lines).line());
  }

  @Test
  void aCanonicalLogRejectsAnEditThatIsNotCanonicalAtTheEditedLine() throws Exception {
    List<String> lines = written(AuditFormat.CANONICAL_LINES);
    lines.set(1, lines.get(1).replace(",", ", "));
    ChainBrokenException e = rejected(AuditFormat.CANONICAL_LINES, lines);
    assertEquals(2, e.line());
    assertEquals("not a canonical entry", e.detail());
  }

  @Test
  void aCanonicalLineWithADuplicateMemberOrTrailingDataIsRejectedAtThatLine() throws Exception {
    List<String> lines = written(AuditFormat.CANONICAL_LINES);
    List<String> duplicate = new ArrayList<>(lines);
    duplicate.set(1, lines.get(1).replace("{\"fields\":{", "{\"fields\":{\"i\":9,"));
    ChainBrokenException e = rejected(AuditFormat.CANONICAL_LINES, duplicate);
    assertEquals(2, e.line());
    assertEquals("not JSON", e.detail());
    List<String> trailing = new ArrayList<>(lines);
    trailing.set(1, lines.get(1) + "{}");
    e = rejected(AuditFormat.CANONICAL_LINES, trailing);
    assertEquals(2, e.line());
    assertEquals("not JSON", e.detail());
  }

  @ParameterizedTest
  @EnumSource(AuditFormat.class)
  void reorderedLinesAreRejectedAtTheFirstLineOutOfPlace(AuditFormat f) throws Exception {
    List<String> lines = written(f);
    String second = lines.get(1);
    lines.set(1, lines.get(2));
    lines.set(2, second);
    assertEquals(2, rejected(f, lines).line());
  }

  @ParameterizedTest
  @EnumSource(AuditFormat.class)
  void aFragmentChainsFromTheHashOfTheEntryBeforeIt(AuditFormat f) throws Exception {
    List<String> lines = written(f);
    String second = HashChain.sha256Hex(lines.get(1).getBytes(StandardCharsets.UTF_8));
    String whole = HashChain.verify(f, lines).head();
    assertEquals(whole, HashChain.verify(f, 2, second, lines.subList(2, 5)).head());
    assertEquals(
        3,
        assertThrows(
                ChainBrokenException.class,
                () -> HashChain.verify(f, 2, HashChain.GENESIS, lines.subList(2, 5)))
            .line());
  }
}
