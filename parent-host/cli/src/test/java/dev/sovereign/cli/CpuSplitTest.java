package dev.sovereign.cli;

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

  @Test
  void pinCoresWithoutHttpIsAUsageError() {
    // without the check this would run the one-DID bench and exit 0
    assertEquals(2, CliRun.of("bench", "--pin-cores", "--skip-enclave", "--dids", "1").exit());
  }
}
