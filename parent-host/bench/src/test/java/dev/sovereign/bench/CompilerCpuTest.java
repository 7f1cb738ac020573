package dev.sovereign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CompilerCpuTest {
  private static String stat(String name, long utime, long stime) {
    return "4711 ("
        + name
        + ") S 1 4700 4700 0 -1 1077936192 123 0 0 0 "
        + utime
        + " "
        + stime
        + " 0 0 20 0 31 0 9999 1000 10 0";
  }

  @Test
  void aCompilerThreadsUserAndSystemTicksAreItsTime() {
    assertEquals(157, CompilerCpu.compilerTicks(stat("C2 CompilerThre", 150, 7)));
    assertEquals(12, CompilerCpu.compilerTicks(stat("C1 CompilerThre", 10, 2)));
  }

  @Test
  void otherThreadsCountNothingEvenWhenTheirNameHoldsParenthesesOrTheWordCompiler() {
    assertEquals(0, CompilerCpu.compilerTicks(stat("enclave-verifie", 900, 100)));
    assertEquals(0, CompilerCpu.compilerTicks(stat("x) C2 CompilerThre", 900, 100)));
    assertEquals(0, CompilerCpu.compilerTicks(stat("my C2 CompilerThre", 900, 100)));
    assertEquals(0, CompilerCpu.compilerTicks("garbage without a name"));
  }

  @Test
  void aProcessThatDoesNotExistHasNoCompilerTime() {
    assertTrue(CompilerCpu.nanos(Long.MAX_VALUE).isEmpty());
  }
}
