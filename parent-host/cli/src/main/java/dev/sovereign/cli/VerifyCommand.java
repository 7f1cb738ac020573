package dev.sovereign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.TrustAnchors;
import dev.sovereign.enclave.policy.InvalidPolicyException;
import dev.sovereign.enclave.policy.PolicyLoader;
import dev.sovereign.enclave.policy.SovereigntyPolicy;
import dev.sovereign.producer.CredentialChains;
import dev.sovereign.producer.PrivacyCheck;
import dev.sovereign.producer.RejectedException;
import dev.sovereign.producer.ResultReport;
import dev.sovereign.producer.ResultVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
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
 * {@code sovereign verify RESULT}: the regulator's offline check of a round's result credential.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "The regulator's check of a result credential (vc+jwt), offline: format, the Ed25519 signature by the enclave's"
          + " did:key, the embedded attestation document (pinned --root, expected --pcr values, valid at its own"
          + " timestamp), user_data binding that same DID and the result's policy hash, and consistent input counts.",
      "--round, --dataset and --enclave-did pin what the result must be for and who must have signed it; the"
          + " report says what was pinned.",
      "Producer credential chains are checked when --credential-chain and --policy are given: each chain must reach"
          + " a trust anchor of a zone of the policy, scoped to that zone; every chain rejection fails the result except"
          + " a revoked or suspended credential (its payloads must be among the rejected inputs). Without them the"
          + " report says the chains were not re-checked (the result carries counts only).",
      "Without --root the AWS Nitro root is the only trust anchor. Every step is reported with its reason code.",
      "Exit codes: 0 valid, 1 rejected (the reason code is printed), 2 usage or environment error."
    })
final class VerifyCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "RESULT",
      description = "file holding the result credential (compact JWS)")
  Path result;

  @Option(
      names = "--root",
      paramLabel = "PEM",
      description = "pinned attestation root(s) (repeatable; default: AWS Nitro root)")
  List<Path> roots = new ArrayList<>();

  @Option(
      names = "--pcr",
      paramLabel = "N=HEX",
      description =
          "allowed value of PCR N (repeatable); give at least PCR0 to pin the enclave image",
      converter = PcrOption.Converter.class)
  List<PcrOption> pcrs = new ArrayList<>();

  @Option(
      names = "--expect-policy-sha256",
      paramLabel = "HEX",
      description = "the sovereignty policy hash the round must have run under")
  String policySha256;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description =
          "the policy (YAML) the round must have run under; its RFC 8785 hash is expected")
  Path policyFile;

  @Option(
      names = "--trust-anchor",
      paramLabel = "DID",
      description =
          "use only this trust anchor of the policy for --credential-chain (repeatable; each must be one of the"
              + " policy's zone anchors)")
  List<String> anchors = new ArrayList<>();

  @Option(names = "--round", paramLabel = "ID", description = "the round the result must be for")
  String round;

  @Option(
      names = "--dataset",
      paramLabel = "NAME",
      description = "the dataset the result must be for")
  String dataset;

  @Option(
      names = "--enclave-did",
      paramLabel = "DID",
      description = "the enclave DID that must have signed the result")
  String enclaveDid;

  @Option(
      names = "--credential-chain",
      paramLabel = "FILE",
      description = "producer credential chains and status lists (JSON, as the demo writes)")
  Path chains;

  @Mixin JsonOption json = new JsonOption();

  @Option(
      names = "--html",
      paramLabel = "FILE",
      description =
          "also write the report as one self-contained HTML page (verdict, steps, attestation, credential"
              + " chains as trees, privacy parameters, the command that reproduces the check)")
  Path html;

  @Override
  public Integer call() throws CliInput.UsageException {
    PrintWriter err = spec.commandLine().getErr();
    ResultVerifier verifier;
    String jwt;
    ResultVerifier.Builder b = ResultVerifier.builder();
    if (roots.isEmpty()) {
      b.root(TrustAnchors.awsNitroRoot());
    }
    for (Path r : roots) {
      try {
        b.roots(
            TrustAnchors.readPem(
                new String(CliInput.readFile("--root", r), StandardCharsets.US_ASCII)));
      } catch (IllegalArgumentException e) {
        throw new CliInput.UsageException("--root " + r + ": " + e.getMessage());
      }
    }
    for (PcrOption p : pcrs) {
      b.allowPcr(p.index(), p.value());
    }
    if (policySha256 != null && policyFile != null) {
      throw new CliInput.UsageException("give --expect-policy-sha256 or --policy, not both");
    }
    if (policySha256 != null || policyFile != null) {
      b.expectPolicySha256(PolicyHashes.expected(policySha256, policyFile));
    }
    anchors.forEach(b::trustAnchor);
    if (round != null) {
      b.expectRound(round);
    }
    if (dataset != null) {
      b.expectDataset(dataset);
    }
    if (enclaveDid != null) {
      b.expectEnclaveDid(enclaveDid);
    }
    if (chains != null) {
      if (policyFile == null) {
        throw new CliInput.UsageException(
            "--credential-chain needs --policy: chains are checked against its zones' trust"
                + " anchors, each scoped to its zone");
      }
      try {
        for (SovereigntyPolicy.Zone z : PolicyLoader.load(policyFile).zones().values()) {
          b.zone(z.name(), z.trustAnchors());
        }
      } catch (IOException | InvalidPolicyException e) {
        throw new CliInput.UsageException("--policy " + policyFile + " does not load");
      }
      try {
        b.chains(CredentialChains.read(chains));
      } catch (IOException e) {
        throw new CliInput.UsageException("--credential-chain: cannot read " + chains);
      } catch (RejectedException e) {
        throw new CliInput.UsageException("--credential-chain: " + e.detail());
      }
    } else if (!anchors.isEmpty()) {
      throw new CliInput.UsageException(
          "--trust-anchor needs --credential-chain: the result itself carries no credentials");
    }
    try {
      verifier = b.build();
    } catch (IllegalArgumentException e) {
      throw new CliInput.UsageException(e.getMessage());
    }
    if (!Files.isRegularFile(result)) {
      throw new CliInput.UsageException(result + " is not a file");
    }
    jwt = new String(CliInput.readFile("RESULT", result), StandardCharsets.US_ASCII).strip();
    ResultReport report =
        PrivacyCheck.append(
            verifier.verify(jwt),
            PolicyHashes.policy(policyFile).map(SovereigntyPolicy::privacyStatements));
    for (ResultReport.Step s : report.steps()) {
      err.printf(
          "  %-8s %-22s %s%s%n",
          s.outcome(), s.name(), s.code() != null ? s.code() + ": " : "", s.detail());
    }
    err.println(
        report.valid()
            ? "VALID result credential"
            : "REJECTED " + report.firstFailure().orElseThrow().code());
    err.flush();
    if (html != null) {
      try {
        VerifyHtml.write(
            html,
            report,
            jwt,
            roots,
            chains,
            anchors,
            spec.commandLine().getParseResult().originalArgs());
        err.println("report written to " + html);
      } catch (IOException | CliInput.UsageException e) {
        err.println("sovereign verify: cannot write " + html);
        return SovereignCli.USAGE;
      }
    }
    if (json.on()) {
      ObjectMapper mapper = new ObjectMapper();
      try {
        spec.commandLine()
            .getOut()
            .println(
                mapper.writerWithDefaultPrettyPrinter().writeValueAsString(report.toJson(mapper)));
      } catch (IOException e) {
        err.println("sovereign verify: cannot write the report");
        return SovereignCli.USAGE;
      }
      spec.commandLine().getOut().flush();
    }
    return report.valid() ? SovereignCli.OK : SovereignCli.REJECTED;
  }
}
