package dev.sovereign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CpuSplitTest {

  @Test
  void twoCoresGiveTheEnclaveTheSecondAndTheHostTheFirst() {
    assertEquals(new CpuSplit("1", "0", 1), CpuSplit.lastCoreForTheEnclave(2));
  }

  @Test
  void moreCoresGiveTheHostEveryCoreButTheLast() {
    assertEquals(new CpuSplit("7", "0-6", 1), CpuSplit.lastCoreForTheEnclave(8));
  }

  @Test
  void oneCoreCannotBeSplit() {
    assertThrows(IllegalArgumentException.class, () -> CpuSplit.lastCoreForTheEnclave(1));
  }
}
