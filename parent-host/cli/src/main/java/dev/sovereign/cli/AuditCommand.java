package dev.sovereign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.enclave.audit.AuditHeadToken;
import dev.sovereign.enclave.audit.AuditRejectedException;
import dev.sovereign.enclave.audit.AuditVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
            + " offline: not empty, every line canonical and chained to the previous one, every signed head an EdDSA"
            + " JWS by a pinned enclave did:key (--enclave-did, required) naming the chain's head at the seq it covers,"
            + " and no entry after the last signed head. A log cut right after one of its heads is an older genuine"
            + " log: --max-head-age and --result tell it from the whole one.",
        "Reason codes: audit-log-empty, audit-chain-broken, audit-head-signature-invalid, audit-head-mismatch,"
            + " audit-head-wrong-enclave, audit-unsigned-tail, audit-head-stale (--max-head-age),"
            + " audit-result-missing (--result).",
        "Exit codes: 0 valid, 1 rejected (the reason code is printed), 2 usage or environment error."
      })
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the audit log")
    Path file;

    @Option(
        names = "--enclave-did",
        paramLabel = "DID",
        required = true,
        description =
            "accept heads signed by this enclave DID only (repeatable; at least one: e.g. the DID of a verified"
                + " result credential, and every DID an attestation showed)")
    List<String> enclaveDids = new ArrayList<>();

    @Option(
        names = "--max-head-age",
        paramLabel = "DURATION",
        description =
            "the final signed head must have been signed at most this long ago (ISO-8601, e.g. PT10M): an export"
                + " ends with a head signed for it, so an older copy or a cut one fails")
    Duration maxHeadAge;

    @Option(
        names = "--result",
        paramLabel = "FILE",
        description =
            "a result credential (compact JWS) whose round-closed entry (its SHA-256) the signed log must hold"
                + " (repeatable)")
    List<Path> results = new ArrayList<>();

    @Mixin JsonOption json = new JsonOption();

    @Override
    public Integer call() throws CliInput.UsageException {
      PrintWriter err = spec.commandLine().getErr();
      byte[] bytes;
      Set<String> resultHashes = new LinkedHashSet<>();
      if (!Files.isRegularFile(file)) {
        throw new CliInput.UsageException(file + " is not a file");
      }
      for (Path r : results) {
        String jws =
            new String(CliInput.readFile("--result", r), StandardCharsets.US_ASCII).strip();
        try {
          resultHashes.add(
              HexFormat.of()
                  .formatHex(
                      MessageDigest.getInstance("SHA-256")
                          .digest(jws.getBytes(StandardCharsets.US_ASCII))));
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
      }
      if (maxHeadAge != null && maxHeadAge.isNegative()) {
        throw new CliInput.UsageException("--max-head-age must not be negative");
      }
      bytes = CliInput.readFile("FILE", file);
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode report = mapper.createObjectNode();
      int exit;
      try {
        List<String> lines = AuditVerifier.lines(bytes);
        AuditVerifier.VerifiedLog v = AuditVerifier.verify(lines, Set.copyOf(enclaveDids));
        AuditHeadToken.VerifiedHead last = v.finalHead();
        if (maxHeadAge != null && last.time().plus(maxHeadAge).isBefore(Instant.now())) {
          throw new Expectation(
              "audit-head-stale",
              "the final head (seq "
                  + last.seq()
                  + ") was signed at "
                  + last.time()
                  + ", more than "
                  + maxHeadAge
                  + " ago");
        }
        Set<String> missing = new LinkedHashSet<>(resultHashes);
        for (int i = 0; i < last.seq(); i++) {
          JsonNode n = mapper.readTree(lines.get(i));
          if ("round-closed".equals(n.path("kind").asText())) {
            missing.remove(n.path("fields").path("resultSha256").asText());
          }
        }
        if (!missing.isEmpty()) {
          throw new Expectation(
              "audit-result-missing",
              "no signed round-closed entry for result SHA-256 " + String.join(", ", missing));
        }
        report.put("valid", true);
        report.put("entries", v.entries());
        report.put("head", v.head());
        report.set("pinnedEnclaveDids", mapper.valueToTree(enclaveDids));
        report.put("finalHeadTime", last.time().toString());
        if (maxHeadAge != null) {
          report.put("maxHeadAge", maxHeadAge.toString());
        }
        report.set("resultsFound", mapper.valueToTree(resultHashes));
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
            "VALID audit log: %d entries, %d signed heads (the last signed %s), head %s, signed by %s%s%n",
            v.entries(),
            v.signedHeads().size(),
            last.time(),
            v.head(),
            v.enclaveDids(),
            maxHeadAge == null && resultHashes.isEmpty()
                ? "; freshness not checked (a copy cut after an earlier head would also pass:"
                    + " give --max-head-age or --result)"
                : "");
        exit = SovereignCli.OK;
      } catch (AuditRejectedException e) {
        report
            .put("valid", false)
            .put("code", e.code())
            .put("line", e.line())
            .put("detail", e.getMessage());
        err.println("REJECTED " + e.code() + " (line " + e.line() + "): " + e.getMessage());
        exit = SovereignCli.REJECTED;
      } catch (Expectation e) {
        report
            .put("valid", false)
            .put("code", e.code)
            .put("line", (Integer) null)
            .put("detail", e.getMessage());
        err.println("REJECTED " + e.code + ": " + e.getMessage());
        exit = SovereignCli.REJECTED;
      } catch (IOException e) {
        err.println("sovereign audit verify: cannot read an entry");
        return SovereignCli.USAGE;
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

  /** A verified log that does not meet the reader's expectations. */
  private static final class Expectation extends Exception {
    private static final long serialVersionUID = 1L;
    final String code;

    Expectation(String code, String detail) {
      super(detail, null, false, false);
      this.code = code;
    }
  }
}
