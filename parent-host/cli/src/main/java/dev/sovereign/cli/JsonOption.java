package dev.sovereign.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}, shared by every command that has a machine-readable answer: the JSON goes to
 * stdout, narration and errors stay on stderr, the exit code is the same either way.
 */
final class JsonOption {
  @Option(
      names = "--json",
      description = "machine-readable answer as JSON on stdout (narration stays on stderr)")
  boolean enabled;

  /** Whether {@code --json} was given. */
  boolean on() {
    return enabled;
  }
}
