package dev.sovereign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.AttestationDocument;
import dev.sovereign.attestation.AttestationDocuments;
import dev.sovereign.attestation.AttestationPolicy;
import dev.sovereign.attestation.AttestationRejectedException;
import dev.sovereign.attestation.AttestationVerifier;
import dev.sovereign.attestation.TrustAnchors;
import dev.sovereign.attestation.VerifiedAttestation;
import dev.sovereign.producer.AttestationReport;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sovereign attestation verify FILE ...}: the strict verifier on one document. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Verifies an attestation document (raw COSE_Sign1 bytes or base64 of them).",
      "Trust anchors: the --root certificates, or, without --root, the AWS Nitro root only.",
      "Required PCRs: 0, 1, 2 and every index given with --pcr.",
      "Exit codes: 0 valid, 1 rejected (the reason code is printed), 2 usage or environment error."
    })
final class AttestationVerifyCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "the document: COSE bytes or base64")
  Path file;

  @Option(
      names = "--root",
      paramLabel = "PEM",
      description = "a PEM file of root certificate(s) to pin (repeatable)")
  List<Path> roots = new ArrayList<>();

  static final class When {
    @Option(
        names = "--at",
        paramLabel = "ISO-8601",
        description =
            "verify as of this instant (e.g. 2023-09-07T15:56:02Z), or 'document' for the document's own timestamp")
    String at;

    @Option(names = "--now", description = "verify as of now (the default)")
    boolean now;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  When when;

  @Option(names = "--nonce", paramLabel = "HEX", description = "expected nonce")
  String nonce;

  @Option(
      names = "--pcr",
      paramLabel = "N=HEX",
      converter = PcrOption.Converter.class,
      description = "allowed value of PCR N (repeatable; several values per index allowed)")
  List<PcrOption> pcrs = new ArrayList<>();

  @Option(names = "--allow-debug", description = "accept debug-mode documents (PCR0-2 all zeros)")
  boolean allowDebug;

  @Option(
      names = "--max-age",
      paramLabel = "DURATION",
      description = "maximum document age: PT5M, 300s, 5m, 2h, 1d")
  String maxAge;

  @Mixin JsonOption json = new JsonOption();

  @Override
  public Integer call() throws CliInput.UsageException {
    PrintWriter err = spec.commandLine().getErr();
    AttestationPolicy policy;
    String verifyAt;
    byte[] cose;
    AttestationPolicy.Builder b = AttestationPolicy.builder();
    if (roots.isEmpty()) {
      b.pinnedRoot(TrustAnchors.awsNitroRoot());
    }
    for (Path r : roots) {
      try {
        b.pinnedRoots(
            TrustAnchors.readPem(
                new String(CliInput.readFile("--root", r), StandardCharsets.US_ASCII)));
      } catch (IllegalArgumentException e) {
        throw new CliInput.UsageException("--root " + r + ": " + e.getMessage());
      }
    }
    if (when != null && when.at != null) {
      if (when.at.equals("document")) {
        b.verifyAtDocumentTimestamp();
        verifyAt = "document-timestamp";
      } else {
        try {
          Instant at = Instant.parse(when.at);
          b.verifyAt(at);
          verifyAt = at.toString();
        } catch (DateTimeParseException e) {
          throw new CliInput.UsageException(
              "--at must be an ISO-8601 instant such as 2023-09-07T15:56:02Z, or 'document'");
        }
      }
    } else {
      verifyAt = "now";
    }
    TreeSet<Integer> required = new TreeSet<>(AttestationPolicy.DEFAULT_REQUIRED_PCRS);
    Map<Integer, List<byte[]>> allowed = new LinkedHashMap<>();
    for (PcrOption p : pcrs) {
      int index = p.index();
      byte[] v = p.value();
      if (v.length != 32 && v.length != 48 && v.length != 64) {
        throw new CliInput.UsageException(
            "--pcr " + index + " must be 32, 48 or 64 bytes (96 hex digits for SHA-384)");
      }
      allowed.computeIfAbsent(index, k -> new ArrayList<>()).add(v);
      required.add(index);
    }
    b.requiredPcrs(required);
    allowed.forEach((k, vs) -> b.allowPcr(k, vs.toArray(new byte[0][])));
    b.allowDebug(allowDebug);
    if (nonce != null) {
      b.expectedNonce(CliInput.hex("--nonce", nonce));
    }
    if (maxAge != null) {
      Duration d = CliInput.duration("--max-age", maxAge);
      if ("document-timestamp".equals(verifyAt)) {
        throw new CliInput.UsageException(
            "--max-age needs a verification instant: use --now or --at ISO-8601, not --at document");
      }
      b.maxAge(d);
    }
    try {
      policy = b.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CliInput.UsageException(e.getMessage());
    }
    cose = CliInput.document(file);

    VerifiedAttestation verified = null;
    AttestationRejectedException rejected = null;
    AttestationDocument unverified = null;
    try {
      unverified = AttestationDocuments.parse(cose).unverifiedDocument();
      verified = AttestationVerifier.create(policy).verify(cose);
    } catch (AttestationRejectedException e) {
      rejected = e;
    }
    if (verified != null) {
      AttestationDocument d = verified.document();
      err.println(
          "VALID "
              + d.moduleId()
              + " made "
              + verified.timestamp()
              + ", verified as of "
              + verified.verifiedAt()
              + (verified.debugMode() ? " (DEBUG MODE enclave)" : ""));
      for (int i : new int[] {0, 1, 2, 3, 4, 8}) {
        byte[] v = d.pcr(i);
        if (v != null) {
          err.println("  PCR" + i + " " + HexFormat.of().formatHex(v));
        }
      }
    } else {
      err.println("REJECTED " + rejected.reason().name() + ": " + rejected.detail());
    }
    if (json.on()) {
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode report =
          AttestationReport.build(
              mapper, file.toString(), policy, verifyAt, verified, rejected, unverified);
      try {
        spec.commandLine()
            .getOut()
            .println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(report));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        err.println(
            "sovereign attestation verify: cannot write the report: " + e.getOriginalMessage());
        return SovereignCli.USAGE;
      }
      spec.commandLine().getOut().flush();
    }
    return verified != null ? SovereignCli.OK : SovereignCli.REJECTED;
  }
}
