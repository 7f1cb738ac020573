package dev.sovereign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** One mapping from an unhandled exception to the exit code: one line, exit 2, no stack trace. */
class ExitCodesTest {

  private static String run(Exception e, int[] exit) {
    StringWriter err = new StringWriter();
    CommandLine cli = SovereignCli.commandLine();
    CommandLine verify = cli.getSubcommands().get("verify");
    verify.setErr(new PrintWriter(err, true));
    exit[0] = SovereignCli.exitCodeOf(e, verify, null);
    return err.toString();
  }

  @Test
  void aUsageErrorIsItsMessageOnOneLineWithExitTwo() {
    int[] exit = new int[1];
    String err = run(new CliInput.UsageException("--root x: no such file"), exit);
    assertEquals(SovereignCli.USAGE, exit[0]);
    assertEquals("sovereign verify: --root x: no such file" + System.lineSeparator(), err);
  }

  @Test
  void anUnexpectedFailureIsItsTypeAndMessageOnOneLineWithExitTwoNeverAStackTrace() {
    int[] exit = new int[1];
    String err = run(new IllegalStateException("boom"), exit);
    assertEquals(SovereignCli.USAGE, exit[0]);
    assertEquals("sovereign verify: IllegalStateException: boom" + System.lineSeparator(), err);
  }
}
