package dev.sovereign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.audit.AuditHeadToken;
import dev.sovereign.enclave.audit.AuditRejectedException;
import dev.sovereign.enclave.audit.AuditVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign audit verify FILE}: the offline check of a host audit log ({@code GET
 * /v1/audit}).
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "The host's hash-chained audit log, signed at its heads by the enclave DID.",
    subcommands = AuditCommand.Verify.class)
final class AuditCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Checks an audit log (JSON lines, as GET /v1/audit exports it or as the host keeps it under its data dir),"
            + " offline: every line canonical and chained to the previous one, every signed head an EdDSA JWS by the"
            + " enclave's did:key (resolved offline) naming the chain's head at the seq it covers, and no entry after"
            + " the last signed head.",
        "Reason codes: audit-chain-broken, audit-head-signature-invalid, audit-head-mismatch, audit-unsigned-tail,"
            + " audit-head-wrong-enclave (with --enclave-did).",
        "Exit codes: 0 valid, 1 rejected (the reason code is printed), 2 usage or environment error."
      })
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the audit log")
    Path file;

    @Option(
        names = "--enclave-did",
        paramLabel = "DID",
        description =
            "accept heads signed by this enclave DID only (repeatable; e.g. the DID of a verified result credential)")
    List<String> enclaveDids = new ArrayList<>();

    @Mixin JsonOption json = new JsonOption();

    @Override
    public Integer call() throws CliInput.UsageException {
      PrintWriter err = spec.commandLine().getErr();
      byte[] bytes;
      if (!Files.isRegularFile(file)) {
        throw new CliInput.UsageException(file + " is not a file");
      }
      bytes = CliInput.readFile("FILE", file);
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode report = mapper.createObjectNode();
      int exit;
      try {
        AuditVerifier.VerifiedLog v = AuditVerifier.verify(AuditVerifier.lines(bytes));
        for (AuditHeadToken.VerifiedHead h : v.signedHeads()) {
          if (!enclaveDids.isEmpty() && !enclaveDids.contains(h.enclaveDid())) {
            throw new WrongEnclave(h);
          }
        }
        report.put("valid", true);
        report.put("entries", v.entries());
        report.put("head", v.head());
        ArrayNode heads = report.putArray("signedHeads");
        for (AuditHeadToken.VerifiedHead h : v.signedHeads()) {
          heads
              .addObject()
              .put("seq", h.seq())
              .put("head", h.head())
              .put("enclaveDid", h.enclaveDid())
              .put("policySha256", h.policySha256())
              .put("time", h.time().toString());
        }
        err.printf(
            "VALID audit log: %d entries, %d signed heads, head %s, signed by %s%n",
            v.entries(),
            v.signedHeads().size(),
            v.head(),
            v.enclaveDids().isEmpty() ? "(nobody: empty log)" : v.enclaveDids());
        exit = SovereignCli.OK;
      } catch (AuditRejectedException e) {
        report
            .put("valid", false)
            .put("code", e.code())
            .put("line", e.line())
            .put("detail", e.getMessage());
        err.println("REJECTED " + e.code() + " (line " + e.line() + "): " + e.getMessage());
        exit = SovereignCli.REJECTED;
      } catch (WrongEnclave e) {
        report
            .put("valid", false)
            .put("code", "audit-head-wrong-enclave")
            .put("line", (Integer) null)
            .put("detail", "head for seq " + e.head.seq() + " is signed by " + e.head.enclaveDid());
        err.println(
            "REJECTED audit-head-wrong-enclave: head for seq "
                + e.head.seq()
                + " is signed by "
                + e.head.enclaveDid()
                + ", not by --enclave-did");
        exit = SovereignCli.REJECTED;
      }
      err.flush();
      if (json.on()) {
        try {
          spec.commandLine()
              .getOut()
              .println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } catch (IOException e) {
          err.println("sovereign audit verify: cannot write the report");
          return SovereignCli.USAGE;
        }
        spec.commandLine().getOut().flush();
      }
      return exit;
    }
  }

  private static final class WrongEnclave extends Exception {
    private static final long serialVersionUID = 1L;
    final transient AuditHeadToken.VerifiedHead head;

    WrongEnclave(AuditHeadToken.VerifiedHead head) {
      super(null, null, false, false);
      this.head = head;
    }
  }
}
