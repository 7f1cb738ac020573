package dev.sovereign.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./sovereign} command line. Exit codes are a contract (DESIGN section 8): 0 success or
 * valid, 1 rejected or invalid (the reason code is printed), 2 usage or environment error.
 */
@Command(
    name = "sovereign",
    mixinStandardHelpOptions = true,
    version = "sovereign 0.1.0",
    description = "Confidential computing with decentralized identity.",
    exitCodeOnInvalidInput = SovereignCli.USAGE,
    exitCodeOnExecutionException = SovereignCli.USAGE,
    subcommands = {
      CommandLine.HelpCommand.class,
      AttestCommand.class,
      AttestationCommand.class,
      DemoCommand.class,
      HostDevCommand.class,
      DidCommand.class,
      KeyBrokerCommand.class,
      EnclaveCommand.class,
      VcCommand.class,
      BenchCommand.class,
      ProducerCommand.class,
      VerifyCommand.class,
      BackupCommand.class,
      AuditCommand.class
    })
public final class SovereignCli implements Runnable {

  /** Exit code: success, or the input is valid. */
  public static final int OK = 0;

  /** Exit code: the input was rejected; the reason code is printed. */
  public static final int REJECTED = 1;

  /** Exit code: usage or environment error. */
  public static final int USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  /** Builds the command line with every sub-command registered. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new SovereignCli());
    cli.setExecutionExceptionHandler(SovereignCli::exitCodeOf);
    return cli;
  }

  /**
   * The one mapping from an exception a command did not handle to its exit code: a usage or
   * environment error ({@link CliInput.UsageException}) prints its message, anything else its type
   * and message, each on one line prefixed with the command's name; never a stack trace. Exit 2
   * either way (exit 1 is only ever a command's own verdict).
   */
  static int exitCodeOf(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
    String name = command.getCommandSpec().qualifiedName();
    command
        .getErr()
        .println(
            e instanceof CliInput.UsageException
                ? name + ": " + e.getMessage()
                : name + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
    command.getErr().flush();
    return USAGE;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
