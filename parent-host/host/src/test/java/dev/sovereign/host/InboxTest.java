package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
  void theForwardersPendingViewSkipsWhatIsBeingRecordedAndReadsCiphertextOnlyOnRequest()
      throws Exception {
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "loyalty-points", "ab", Instant.EPOCH);
      for (String j : List.of("a.b.c.d.1", "a.b.c.d.2", "a.b.c.d.3", "a.b.c.d.4")) {
        inbox.put("r1", "EU", j, Instant.EPOCH);
      }
      String id1 = Inbox.payloadId("a.b.c.d.1");
      String id2 = Inbox.payloadId("a.b.c.d.2");
      String id3 = Inbox.payloadId("a.b.c.d.3");
      String id4 = Inbox.payloadId("a.b.c.d.4");
      // oldest first, the skipped ones left out, still up to the limit
      assertEquals(
          List.of(id2, id4),
          inbox.pendingRefs(2, Set.of(id1, id3)).stream()
              .map(Inbox.PendingRef::payloadId)
              .toList());
      assertEquals(
          List.of(id1, id2, id3),
          inbox.pendingRefs(3, Set.of()).stream().map(Inbox.PendingRef::payloadId).toList());
      inbox.recordVerdict(id2, "accepted", "00");
      assertEquals(
          List.of(id1, id3, id4),
          inbox.pendingRefs(10, Set.of()).stream().map(Inbox.PendingRef::payloadId).toList());
      assertEquals(
          Map.of(id1, "a.b.c.d.1", id4, "a.b.c.d.4"), inbox.jwes(List.of(id1, id4, "no-such-id")));
      assertEquals(Map.of(), inbox.jwes(List.of()));
    }
  }

  @Test
  void aRoundReadBeforeItClosesIsSeenClosedRightAfter() throws Exception {
    // submits read their round's state from memory: closing (or a failed close) must show at once
    try (Inbox inbox = Inbox.open(dir)) {
      assertTrue(inbox.round("r1").isEmpty());
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      assertEquals("open", inbox.round("r1").orElseThrow().state());
      assertEquals("open", inbox.round("r1").orElseThrow().state());
      inbox.failWritesForTesting(true);
      assertThrows(Inbox.UnavailableException.class, () -> inbox.closeRound("r1", "vc"));
      inbox.failWritesForTesting(false);
      assertEquals("open", inbox.round("r1").orElseThrow().state());
      inbox.closeRound("r1", "vc");
      Inbox.RoundRecord closed = inbox.round("r1").orElseThrow();
      assertEquals("closed", closed.state());
      assertEquals("vc", closed.result().orElseThrow());
    }
    try (Inbox inbox = Inbox.open(dir)) {
      assertEquals("closed", inbox.round("r1").orElseThrow().state());
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
      assertThrows(
          Inbox.UnavailableException.class,
          () -> inbox.put("r1", "EU", "second.b.c.d.e", Instant.EPOCH));
    }
    try (Inbox inbox = Inbox.open(dir)) {
      assertEquals(1, inbox.pending(10).size());
      assertEquals("first.b.c.d.e", inbox.pending(10).get(0).jwe());
    }
  }

  @Test
  void manyConcurrentSubmitsAreAllStoredDurablyAndEachAnsweredOnce() throws Exception {
    int threads = 16;
    int each = 40;
    Map<String, AtomicInteger> newAnswers = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> duplicateAnswers = new ConcurrentHashMap<>();
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        jobs.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < each; i++) {
                    // every payload is also sent by a second thread (a producer's retry racing its
                    // first try)
                    for (String jwe : List.of(jwe(thread, i), jwe((thread + 1) % threads, i))) {
                      Inbox.Stored s = inbox.put("r1", "EU", jwe, Instant.EPOCH);
                      (s == Inbox.Stored.NEW ? newAnswers : duplicateAnswers)
                          .computeIfAbsent(jwe, k -> new AtomicInteger())
                          .incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : jobs) {
        f.get();
      }
      pool.shutdown();
    }
    assertEquals(threads * each, newAnswers.size());
    assertTrue(
        newAnswers.values().stream().allMatch(n -> n.get() == 1),
        "each payload stored as new exactly once");
    assertEquals(threads * each, duplicateAnswers.size());
    assertTrue(
        duplicateAnswers.values().stream().allMatch(n -> n.get() == 1),
        "its second copy answered duplicate");
    try (Inbox inbox = Inbox.open(dir)) {
      List<Inbox.Entry> stored = inbox.pending(10_000);
      assertEquals(threads * each, stored.size());
      Set<String> jwes = new java.util.HashSet<>();
      stored.forEach(e -> jwes.add(e.jwe()));
      assertEquals(newAnswers.keySet(), jwes);
    }
  }

  @Test
  void payloadsKeepTheirArrivalOrderAcrossGroupCommitsAndReopening() throws Exception {
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      inbox.put("r1", "EU", "one.b.c.d.e", Instant.EPOCH);
      inbox.put("r1", "EU", "one.b.c.d.e", Instant.EPOCH);
      inbox.put("r1", "EU", "two.b.c.d.e", Instant.EPOCH);
    }
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.put("r1", "EU", "three.b.c.d.e", Instant.EPOCH);
      assertEquals(
          List.of("one.b.c.d.e", "two.b.c.d.e", "three.b.c.d.e"),
          inbox.pending(10).stream().map(Inbox.Entry::jwe).toList());
    }
  }

  @Test
  void aSubmitIsNotAnsweredWhileItsCommitCannotRun() throws Exception {
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      CompletableFuture<Inbox.Stored> answer;
      synchronized (inbox) {
        // the store is busy (this thread holds it): no commit can run, so no answer may come
        answer =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return inbox.put("r1", "EU", "waiting.b.c.d.e", Instant.EPOCH);
                  } catch (Inbox.UnavailableException e) {
                    throw new IllegalStateException(e);
                  }
                });
        Thread.sleep(300);
        assertFalse(answer.isDone(), "answered before its payload could be committed");
      }
      assertEquals(Inbox.Stored.NEW, answer.get(30, TimeUnit.SECONDS));
      assertEquals(1, inbox.pendingCount());
    }
  }

  @Test
  void concurrentSubmitsToAnUnwritableStoreAreAllRefusedAndNoneIsStored() throws Exception {
    int threads = 8;
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      inbox.put("r1", "EU", "before.b.c.d.e", Instant.EPOCH);
      inbox.failWritesForTesting(true);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<Inbox.Stored>> answers = new ArrayList<>();
      for (int t = 0; t < threads * 5; t++) {
        String jwe = "refused" + t + ".b.c.d.e";
        answers.add(pool.submit(() -> inbox.put("r1", "EU", jwe, Instant.EPOCH)));
      }
      for (Future<Inbox.Stored> a : answers) {
        ExecutionException e = assertThrows(ExecutionException.class, a::get);
        assertTrue(
            e.getCause() instanceof Inbox.UnavailableException,
            "refused as unavailable: " + e.getCause());
      }
      pool.shutdown();
      inbox.failWritesForTesting(false);
      assertEquals(Inbox.Stored.NEW, inbox.put("r1", "EU", "after.b.c.d.e", Instant.EPOCH));
    }
    try (Inbox inbox = Inbox.open(dir)) {
      assertEquals(
          List.of("before.b.c.d.e", "after.b.c.d.e"),
          inbox.pending(100).stream().map(Inbox.Entry::jwe).toList());
    }
  }

  @Test
  void aBatchOfVerdictsIsRecordedWhollyOrNotAtAll() throws Exception {
    try (Inbox inbox = Inbox.open(dir)) {
      inbox.openRound("r1", "d", "ab", Instant.EPOCH);
      List<Inbox.VerdictRow> rows = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String jwe = "p" + i + ".b.c.d.e";
        inbox.put("r1", "EU", jwe, Instant.EPOCH);
        rows.add(
            new Inbox.VerdictRow(
                Inbox.payloadId(jwe), i == 4 ? "replay" : "accepted", i == 4 ? null : "0" + i));
      }
      inbox.failWritesForTesting(true);
      assertThrows(Inbox.UnavailableException.class, () -> inbox.recordVerdicts(rows));
      inbox.failWritesForTesting(false);
      assertEquals(5, inbox.pendingCount());
      assertEquals(Map.of("pending", 5L), inbox.verdictCounts("r1"));
      assertEquals(Set.of(), inbox.answeredIds("r1"));

      List<Inbox.VerdictRow> twice = new ArrayList<>(rows);
      twice.add(new Inbox.VerdictRow(rows.get(0).payloadId(), "replay", null));
      inbox.recordVerdicts(twice);
      assertEquals(0, inbox.pendingCount());
      Map<String, Long> expected = new HashMap<>();
      expected.put("accepted", 4L);
      expected.put("replay", 1L);
      assertEquals(expected, inbox.verdictCounts("r1"));
      assertEquals(5, inbox.answeredIds("r1").size());
    }
  }

  private static String jwe(int thread, int i) {
    return "t" + thread + "i" + i + ".b.c.d.e";
  }
}
