package dev.sovereign.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sovereign attestation ...}: work with attestation documents. */
@Command(
    name = "attestation",
    mixinStandardHelpOptions = true,
    description = "Work with Nitro attestation documents.",
    subcommands = {AttestationVerifyCommand.class})
final class AttestationCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }
}
