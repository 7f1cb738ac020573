package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InboxTest {
  @TempDir Path dir;

  @Test
  void aStoredPayloadSurvivesReopeningTheStore() throws Exception {
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "loyalty-points", "ab", Instant.EPOCH);
      assertEquals(Inbox.Stored.NEW, inbox.put("r1", "EU", "a.b.c.d.e", Instant.EPOCH));
    }
    try (Inbox inbox = Inbox.open(dir)) {
      assertEquals(1, inbox.pending(10).size());
      assertEquals("a.b.c.d.e", inbox.pending(10).get(0).jwe());
    }
  }

  @Test
  void storingTheSamePayloadTwiceIsIdempotent() throws Exception {
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      assertEquals(Inbox.Stored.NEW, inbox.put("r1", "EU", "a.b.c.d.e", Instant.EPOCH));
      assertEquals(Inbox.Stored.DUPLICATE, inbox.put("r1", "EU", "a.b.c.d.e", Instant.EPOCH));
      assertEquals(1, inbox.pendingCount());
    }
  }

  @Test
  void aSecondVerdictForTheSamePayloadIsNotCountedTwice() throws Exception {
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      inbox.put("r1", "EU", "a.b.c.d.e", Instant.EPOCH);
      String id = Inbox.payloadId("a.b.c.d.e");
      inbox.recordVerdict(id, "accepted", "00");
      inbox.recordVerdict(id, "replay", null);
      assertEquals(Map.of("accepted", 1L), inbox.verdictCounts("r1"));
      assertEquals(0, inbox.pendingCount());
    }
  }

  @Test
  void closingARoundDeletesItsCiphertext() throws Exception {
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      inbox.put("r1", "EU", "a.b.c.d.e", Instant.EPOCH);
      inbox.closeRound("r1", "result.jwt");
      assertTrue(inbox.allOf("r1").isEmpty());
      assertEquals("closed", inbox.round("r1").orElseThrow().state());
    }
  }

  @Test
  void anUnwritableStoreRefusesToAcknowledgeAndLosesNothingAlreadyStored() throws Exception {
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      inbox.put("r1", "EU", "first.b.c.d.e", Instant.EPOCH);
      inbox.failWritesForTesting(true);
      assertThrows(Inbox.UnavailableException.class,
          () -> inbox.put("r1", "EU", "second.b.c.d.e", Instant.EPOCH));
    }
    try (Inbox inbox = Inbox.open(dir)) {
      assertEquals(1, inbox.pending(10).size());
      assertEquals("first.b.c.d.e", inbox.pending(10).get(0).jwe());
    }
  }
}
