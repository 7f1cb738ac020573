package dev.sovereign.did;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.key.DidKey;
import dev.sovereign.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CachingDidResolverTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String DID = "did:test:alice";
  private static final PublicKeyMaterial K1 =
      DidKey.decode("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp");
  private static final PublicKeyMaterial K2 =
      DidKey.decode("did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG");

  private VersionedTestMethod ledger;
  private MutableClock clock;
  private CachingDidResolver cache;

  @BeforeEach
  void setUp() {
    ledger = new VersionedTestMethod();
    clock = new MutableClock(T0.plus(Duration.ofDays(1)));
    ledger.publish(VersionedTestMethod.documentWithKey(DID, K1, "k1"), T0, false);
    cache =
        CachingDidResolver.builder(DidResolvers.builder().method(ledger).build())
            .maxEntries(100)
            .latestTtl(Duration.ofSeconds(30))
            .notFoundTtl(Duration.ofSeconds(5))
            .settleTime(Duration.ofMinutes(15))
            .clock(clock)
            .build();
  }

  @Test
  void aSecondResolutionWithinTheTtlIsServedFromTheCache() {
    DidResolutionResult first = cache.resolve(DID);
    assertSame(first, cache.resolve(DID));
    assertEquals(1, ledger.calls.get());
    assertEquals(1, cache.stats().hits());
  }

  @Test
  void aLatestAnswerIsNeverServedOnceTheStalenessBoundHasPassed() {
    cache.resolve(DID);
    ledger.publish(VersionedTestMethod.documentWithKey(DID, K2, "k2"), T0.plusSeconds(10), false);
    clock.advance(Duration.ofSeconds(29));
    assertEquals("1", cache.resolve(DID).didDocumentMetadata().versionId().orElseThrow());
    clock.advance(Duration.ofSeconds(1));
    assertEquals("2", cache.resolve(DID).didDocumentMetadata().versionId().orElseThrow());
    assertEquals(2, ledger.calls.get());
  }

  @Test
  void invalidatingADidMakesTheNextResolutionSeeTheNewVersion() {
    cache.resolve(DID);
    ledger.publish(VersionedTestMethod.documentWithKey(DID, K2, "k2"), T0.plusSeconds(10), false);
    cache.invalidate(Did.parse(DID));
    assertEquals("2", cache.resolve(DID).didDocumentMetadata().versionId().orElseThrow());
  }

  @Test
  void aChangeEventForTheVersionAlreadyCachedKeepsTheEntry() {
    cache.resolve(DID);
    cache.didChanged(Did.parse(DID), Optional.of("1"));
    cache.resolve(DID);
    assertEquals(1, ledger.calls.get());
  }

  @Test
  void aChangeEventNamingANewerVersionDropsTheEntry() {
    cache.resolve(DID);
    ledger.publish(VersionedTestMethod.documentWithKey(DID, K2, "k2"), T0.plusSeconds(10), false);
    cache.didChanged(Did.parse(DID), Optional.of("2"));
    assertEquals("2", cache.resolve(DID).didDocumentMetadata().versionId().orElseThrow());
    assertEquals(2, ledger.calls.get());
  }

  @Test
  void aResolutionInFlightWhenAnInvalidationArrivesIsNotStored() {
    ledger.duringResolve = () -> cache.invalidate(DID);
    cache.resolve(DID);
    ledger.duringResolve = () -> {};
    cache.resolve(DID);
    assertEquals(
        2, ledger.calls.get(), "the answer that raced with the invalidation must not be cached");
    cache.resolve(DID);
    assertEquals(2, ledger.calls.get());
  }

  @Test
  void historicalAnswersByVersionIdAreCachedBeyondTheTtlAndSurviveInvalidation() {
    cache.resolve(DID, ResolutionOptions.atVersion("1"));
    clock.advance(Duration.ofDays(30));
    cache.invalidate(DID);
    cache.resolve(DID, ResolutionOptions.atVersion("1"));
    assertEquals(1, ledger.calls.get());
  }

  @Test
  void historicalAnswersByAVersionTimeWellInThePastAreCachedForever() {
    ResolutionOptions past = ResolutionOptions.atTime(T0.plusSeconds(1));
    cache.resolve(DID, past);
    clock.advance(Duration.ofDays(30));
    cache.resolve(DID, past);
    assertEquals(1, ledger.calls.get());
  }

  @Test
  void aVersionTimeWithinTheSettleTimeIsTreatedLikeLatest() {
    ResolutionOptions recent = ResolutionOptions.atTime(clock.instant().minusSeconds(60));
    cache.resolve(DID, recent);
    clock.advance(Duration.ofSeconds(31));
    cache.resolve(DID, recent);
    assertEquals(2, ledger.calls.get());
  }

  @Test
  void notFoundIsCachedOnlyForTheNotFoundTtl() {
    cache.resolve("did:test:bob");
    cache.resolve("did:test:bob");
    assertEquals(1, ledger.calls.get());
    clock.advance(Duration.ofSeconds(5));
    cache.resolve("did:test:bob");
    assertEquals(2, ledger.calls.get());
  }

  @Test
  void aNotFoundForAVersionIdIsNotCachedForever() {
    cache.resolve(DID, ResolutionOptions.atVersion("2"));
    ledger.publish(VersionedTestMethod.documentWithKey(DID, K2, "k2"), T0.plusSeconds(10), false);
    clock.advance(Duration.ofSeconds(5));
    assertTrue(cache.resolve(DID, ResolutionOptions.atVersion("2")).didDocument().isPresent());
  }

  @Test
  void internalErrorsAreNeverCached() {
    DidMethodResolver broken =
        new DidMethodResolver() {
          int calls;

          @Override
          public String method() {
            return "broken";
          }

          @Override
          public DidResolutionResult resolve(Did did, ResolutionOptions options) {
            calls++;
            throw new IllegalStateException("registry unreachable " + calls);
          }
        };
    CachingDidResolver c =
        CachingDidResolver.builder(DidResolvers.builder().method(broken).build()).build();
    assertEquals(ResolutionError.INTERNAL_ERROR, c.resolve("did:broken:x").error().orElseThrow());
    c.resolve("did:broken:x");
    assertEquals(0, c.size());
    assertEquals(2, c.stats().misses());
  }

  @Test
  void theCacheNeverHoldsMoreThanItsBoundAndEvictsTheLeastRecentlyUsed() {
    for (int i = 0; i < 250; i++) {
      ledger.publish(VersionedTestMethod.documentWithKey("did:test:u" + i, K1, "k"), T0, false);
    }
    cache.resolve("did:test:u0");
    for (int i = 1; i < 250; i++) {
      cache.resolve("did:test:u" + i);
      cache.resolve("did:test:u0"); // keep u0 recently used
      assertTrue(cache.size() <= 100);
    }
    assertEquals(100, cache.size());
    assertEquals(150, cache.stats().evictions());
    int before = ledger.calls.get();
    cache.resolve("did:test:u0");
    assertEquals(before, ledger.calls.get(), "the most recently used entry survived");
    cache.resolve("did:test:u1");
    assertEquals(before + 1, ledger.calls.get(), "an old entry was evicted");
  }

  @Test
  void invalidateAllDropsHistoricalAnswersToo() {
    cache.resolve(DID, ResolutionOptions.atVersion("1"));
    cache.invalidateAll();
    assertEquals(0, cache.size());
  }

  @Test
  void aZeroTtlDisablesCachingOfLatestAnswers() {
    CachingDidResolver c =
        CachingDidResolver.builder(DidResolvers.builder().method(ledger).build())
            .latestTtl(Duration.ZERO)
            .clock(clock)
            .build();
    c.resolve(DID);
    c.resolve(DID);
    assertEquals(2, ledger.calls.get());
  }

  @Test
  void aVersionTimeInsideACachedVersionsIntervalIsServedWithoutResolving() {
    ledger.publish(VersionedTestMethod.documentWithKey(DID, K2, "k2"), T0.plusSeconds(1000), false);
    DidResolutionResult v1 = cache.resolve(DID, ResolutionOptions.atVersion("1"));
    assertEquals(T0.plusSeconds(1000), v1.didDocumentMetadata().nextUpdate().orElseThrow());
    for (int i = 0; i < 100; i++) {
      assertSame(v1, cache.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(i * 9))));
    }
    assertEquals(1, ledger.calls.get());
    DidResolutionResult v2 = cache.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(1000)));
    assertEquals("2", v2.didDocumentMetadata().versionId().orElseThrow());
    assertEquals(2, ledger.calls.get());
  }

  @Test
  void aMethodWhoseDocumentsExpireBetweenVersionsIsNeverAnsweredFromAnotherEntrysInterval() {
    // did:ethr: a delegate added in version 1 may expire before version 2 without any event, so
    // version 1's interval does not describe every time inside it.
    CachingDidResolver timeDependent =
        CachingDidResolver.builder(DidResolvers.builder().method(ledger).build())
            .maxEntries(100)
            .latestTtl(Duration.ofSeconds(30))
            .settleTime(Duration.ofMinutes(15))
            .clock(clock)
            .timeDependentMethods(java.util.Set.of("test"))
            .build();
    ledger.publish(VersionedTestMethod.documentWithKey(DID, K2, "k2"), T0.plusSeconds(1000), false);
    timeDependent.resolve(DID, ResolutionOptions.atVersion("1"));
    timeDependent.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(7)));
    timeDependent.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(9)));
    assertEquals(
        3,
        ledger.calls.get(),
        "each versionTime is resolved, none served from version 1's interval");
    timeDependent.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(7)));
    assertEquals(
        3, ledger.calls.get(), "the same settled versionTime is still cached as its own entry");
  }

  @Test
  void aVersionTimeBeforeTheCachedVersionOrAfterItWasFetchedIsResolved() {
    cache.resolve(DID); // version 1, current when fetched at clock time
    cache.resolve(DID, ResolutionOptions.atTime(T0.minusSeconds(1)));
    assertEquals(2, ledger.calls.get(), "before 'updated': another version may apply");
    cache.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(5)));
    assertEquals(2, ledger.calls.get(), "inside [updated, fetchedAt] of a fresh latest answer");
    cache.resolve(DID, ResolutionOptions.atTime(clock.instant().plusSeconds(1)));
    assertEquals(3, ledger.calls.get(), "after the fetch a newer version may exist");
  }

  @Test
  void aCachedLatestVersionNoLongerCoversVersionTimesOnceItIsStale() {
    cache.resolve(DID);
    clock.advance(Duration.ofSeconds(31));
    cache.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(5)));
    assertEquals(2, ledger.calls.get());
  }

  @Test
  void didKeyAnswersAreCachedOnceForEveryVersionTime() {
    CachingDidResolver c =
        CachingDidResolver.builder(DidResolvers.builder().withDidKey().build())
            .clock(clock)
            .build();
    String did = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
    DidResolutionResult first = c.resolve(did, ResolutionOptions.atTime(T0));
    assertSame(first, c.resolve(did, ResolutionOptions.atTime(T0.plusSeconds(77))));
    assertSame(first, c.resolve(did));
    clock.advance(Duration.ofDays(365));
    assertSame(first, c.resolve(did));
    assertEquals(1, c.stats().misses());
  }

  @Test
  void concurrentResolutionsAndInvalidationsNeverServeAVersionOlderThanTheLastInvalidation()
      throws Exception {
    CachingDidResolver c =
        CachingDidResolver.builder(DidResolvers.builder().method(ledger).build())
            .latestTtl(Duration.ofHours(1))
            .clock(clock)
            .build();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<Throwable> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicInteger published =
        new java.util.concurrent.atomic.AtomicInteger(1);
    Runnable reader =
        () -> {
          while (!stop.get()) {
            int floor = published.get();
            int seen =
                Integer.parseInt(c.resolve(DID).didDocumentMetadata().versionId().orElseThrow());
            if (seen < floor) {
              failure.compareAndSet(
                  null,
                  new AssertionError("saw version " + seen + " after " + floor + " was announced"));
            }
          }
        };
    Thread[] readers = {new Thread(reader), new Thread(reader), new Thread(reader)};
    for (Thread t : readers) {
      t.start();
    }
    for (int v = 2; v <= 300; v++) {
      synchronized (ledger) {
        ledger.publish(
            VersionedTestMethod.documentWithKey(DID, v % 2 == 0 ? K2 : K1, "k" + v),
            T0.plusSeconds(v),
            false);
      }
      c.didChanged(Did.parse(DID), Optional.of(String.valueOf(v)));
      published.set(v);
      Thread.onSpinWait();
    }
    stop.set(true);
    for (Thread t : readers) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }

  @Test
  void aCachedVersionWithASuccessorOfUnknownTimeNeverAnswersOtherVersionTimes() {
    DidMethodResolver noNextUpdate =
        new DidMethodResolver() {
          @Override
          public String method() {
            return "test";
          }

          @Override
          public DidResolutionResult resolve(Did did, ResolutionOptions options) {
            DidResolutionResult r = ledger.resolve(did, options);
            DidDocumentMetadata m = r.didDocumentMetadata();
            return new DidResolutionResult(
                r.didDocument(),
                r.didResolutionMetadata(),
                new DidDocumentMetadata(
                    m.created(),
                    m.updated(),
                    m.deactivated(),
                    m.versionId(),
                    Optional.empty(),
                    m.nextVersionId(),
                    m.extra()));
          }
        };
    ledger.publish(VersionedTestMethod.documentWithKey(DID, K2, "k2"), T0.plusSeconds(1000), false);
    CachingDidResolver c =
        CachingDidResolver.builder(DidResolvers.builder().method(noNextUpdate).build())
            .clock(clock)
            .build();
    c.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(1)));
    DidResolutionResult later = c.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(2000)));
    assertEquals("2", later.didDocumentMetadata().versionId().orElseThrow());
  }

  @Test
  void aFirstVersionWithoutUpdatedCoversTimesFromItsCreation() {
    DidMethodResolver createdOnly =
        new DidMethodResolver() {
          @Override
          public String method() {
            return "test";
          }

          @Override
          public DidResolutionResult resolve(Did did, ResolutionOptions options) {
            DidResolutionResult r = ledger.resolve(did, options);
            DidDocumentMetadata m = r.didDocumentMetadata();
            return new DidResolutionResult(
                r.didDocument(),
                r.didResolutionMetadata(),
                new DidDocumentMetadata(
                    m.created(),
                    Optional.empty(),
                    m.deactivated(),
                    m.versionId(),
                    m.nextUpdate(),
                    m.nextVersionId(),
                    m.extra()));
          }
        };
    CachingDidResolver c =
        CachingDidResolver.builder(DidResolvers.builder().method(createdOnly).build())
            .clock(clock)
            .build();
    c.resolve(DID);
    c.resolve(DID, ResolutionOptions.atTime(T0.plusSeconds(60)));
    assertEquals(1, ledger.calls.get());
    c.resolve(DID, ResolutionOptions.atTime(T0.minusSeconds(60)));
    assertEquals(2, ledger.calls.get());
  }

  @Test
  void malformedInputPassesThroughTheCacheAsInvalidDid() {
    assertEquals(ResolutionError.INVALID_DID, cache.resolve((String) null).error().orElseThrow());
    assertEquals(ResolutionError.INVALID_DID, cache.resolve("did:").error().orElseThrow());
    assertEquals(0, cache.size());
  }

  @Test
  void concurrentMissesForTheSameDidShareOneRegistryCall() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    ledger.duringResolve =
        () -> {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<DidResolutionResult>> results = new java.util.ArrayList<>();
      results.add(pool.submit(() -> cache.resolve(DID)));
      entered.await();
      for (int i = 0; i < 7; i++) {
        results.add(pool.submit(() -> cache.resolve(DID)));
      }
      while (cache.stats().coalesced() < 7) {
        Thread.sleep(1);
      }
      release.countDown();
      DidResolutionResult first = results.get(0).get();
      for (var f : results) {
        assertSame(first, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, ledger.calls.get());
  }

  @Test
  void aCallerArrivingAfterAnInvalidationDoesNotJoinTheOlderInFlightCall() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    ledger.duringResolve =
        () -> {
          if (ledger.calls.get() == 1) {
            entered.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    Thread slow = new Thread(() -> cache.resolve(DID));
    slow.start();
    entered.await();
    ledger.publish(VersionedTestMethod.documentWithKey(DID, K2, "k2"), T0.plusSeconds(10), false);
    cache.invalidate(DID);
    assertEquals("2", cache.resolve(DID).didDocumentMetadata().versionId().orElseThrow());
    release.countDown();
    slow.join();
    assertEquals("2", cache.resolve(DID).didDocumentMetadata().versionId().orElseThrow());
  }

  @Test
  void aDelegateThatResolvesTheSameDidAgainDoesNotDeadlock() {
    CachingDidResolver[] self = new CachingDidResolver[1];
    DidMethodResolver reentrant =
        new DidMethodResolver() {
          @Override
          public String method() {
            return "loop";
          }

          @Override
          public DidResolutionResult resolve(Did did, ResolutionOptions options) {
            if (options.parameter("depth").isEmpty()) {
              return self[0].resolve(did.toString(), options.withParameter("depth", "1"));
            }
            return DidResolutionResult.error(ResolutionError.NOT_FOUND, "leaf");
          }
        };
    self[0] =
        CachingDidResolver.builder(DidResolvers.builder().method(reentrant).build())
            .clock(clock)
            .build();
    assertEquals(ResolutionError.NOT_FOUND, self[0].resolve("did:loop:1").error().orElseThrow());
  }
}
