package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class OutboxTest {
  @Test
  void theOldestPayloadsAreEvictedOnceTheBudgetIsExceeded() {
    Outbox o = new Outbox(10);
    o.keep("a", "aaaa");
    o.keep("b", "bbbb");
    o.keep("c", "cccc"); // 12 > 10: a goes
    assertNull(o.get("a"));
    assertEquals("bbbb", o.get("b"));
    assertEquals("cccc", o.get("c"));
    assertEquals(2, o.size());
  }

  @Test
  void aPayloadLargerThanTheWholeBudgetIsNotKeptAndEvictsNothing() {
    Outbox o = new Outbox(10);
    o.keep("a", "aaaa");
    o.keep("big", "x".repeat(11));
    assertNull(o.get("big"));
    assertEquals("aaaa", o.get("a"));
  }

  @Test
  void forgottenPayloadsFreeTheirShareOfTheBudget() {
    Outbox o = new Outbox(10);
    o.keep("a", "aaaa");
    o.keep("b", "bbbb");
    o.forget(List.of("a", "b", "never-kept"));
    assertEquals(0, o.size());
    o.keep("c", "cccccccccc"); // exactly the budget: kept
    assertEquals("cccccccccc", o.get("c"));
  }

  @Test
  void keepingTheSameIdTwiceCountsItOnce() {
    Outbox o = new Outbox(8);
    o.keep("a", "aaaa");
    o.keep("a", "aaaa");
    o.keep("b", "bbbb");
    assertEquals("aaaa", o.get("a"));
    assertEquals("bbbb", o.get("b"));
  }
}
