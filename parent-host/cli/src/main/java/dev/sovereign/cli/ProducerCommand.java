package dev.sovereign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.attestation.TrustAnchors;
import dev.sovereign.producer.AttestedEnclave;
import dev.sovereign.producer.EnclaveExpectations;
import dev.sovereign.producer.HostClient;
import dev.sovereign.producer.Payloads;
import dev.sovereign.producer.ProducerIdentity;
import dev.sovereign.producer.Records;
import dev.sovereign.producer.RejectedException;
import dev.sovereign.producer.Routes;
import dev.sovereign.producer.Submission;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sovereign producer keygen|submit}: a data producer's side of the protocol. */
@Command(
    name = "producer",
    mixinStandardHelpOptions = true,
    description =
        "A data producer: make an identity, verify the enclave's attestation, sign and encrypt records, submit them.",
    subcommands = {ProducerCommand.Keygen.class, ProducerCommand.Submit.class})
final class ProducerCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /** {@code sovereign producer keygen --out FILE}. */
  @Command(
      name = "keygen",
      mixinStandardHelpOptions = true,
      description = {
        "Makes a producer identity: an Ed25519 key and its did:key, written to --out (owner-readable only).",
        "Prints the DID on stdout (as JSON with --json)."
      })
  static final class Keygen implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "identity file to write")
    Path out;

    @Option(names = "--force", description = "overwrite an existing file")
    boolean force;

    @Mixin JsonOption json = new JsonOption();

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      if (Files.exists(out) && !force) {
        err.println("sovereign producer keygen: " + out + " exists (use --force to overwrite)");
        return SovereignCli.USAGE;
      }
      ProducerIdentity id = ProducerIdentity.generate(new SecureRandom());
      try {
        id.write(out);
      } catch (IOException e) {
        err.println(
            "sovereign producer keygen: cannot write "
                + out
                + " ("
                + e.getClass().getSimpleName()
                + ")");
        return SovereignCli.USAGE;
      }
      err.println("producer identity " + id.did() + " written to " + out);
      PrintWriter o = spec.commandLine().getOut();
      if (json.on()) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("did", id.did().toString()).put("kid", id.kid()).put("file", out.toString());
        o.println(n.toString());
      } else {
        o.println(id.did());
      }
      o.flush();
      return SovereignCli.OK;
    }
  }

  /** {@code sovereign producer submit ...}. */
  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description = {
        "Fetches GET /v1/attestation with a fresh nonce and verifies it: chain to the pinned --root, the expected PCRs,"
            + " the nonce, a maximum age of 5 minutes, user_data binding the enclave DID and --expect-policy-sha256, and"
            + " public_key equal to the JWK the host returned.",
        "Then builds the payload (inner JWS typ sovereign-payload+jwt signed by the producer's key, outer JWE"
            + " ECDH-ES+A256KW/A256GCM to the attested key with a zone header) and submits it.",
        "Exit codes: 0 the host stored the payload (202; the enclave's verdict follows in GET /v1/rounds/R),"
            + " 1 rejected (attestation or host; the reason code is printed), 2 usage or environment error."
      })
  static final class Submit implements Callable<Integer> {
    @Spec CommandSpec spec;

    static final class Target {
      @Option(
          names = "--host",
          paramLabel = "URL",
          description = "the host to send to (e.g. http://127.0.0.1:8080)")
      URI host;

      @Option(
          names = "--routes",
          paramLabel = "FILE",
          description = "routing table: ZONE=URL lines; the zone's host is used")
      Path routes;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(
        names = "--records",
        required = true,
        paramLabel = "FILE",
        description = "records: .csv (group columns, metric, value) or JSON")
    Path records;

    @Option(
        names = "--identity",
        required = true,
        paramLabel = "FILE",
        description =
            "producer identity (sovereign producer keygen; or one naming a did:fabric DID and its kid, e.g. #key-1,"
                + " whose document has this key)")
    Path identity;

    @Option(
        names = "--credential",
        required = true,
        paramLabel = "FILE",
        description =
            "the producer credential (vc+jwt), optionally followed by the accreditations above it: one JWT per line")
    Path credential;

    @Option(names = "--round", required = true, paramLabel = "R", description = "round id")
    String round;

    @Option(
        names = "--dataset",
        required = true,
        paramLabel = "D",
        description = "dataset, e.g. loyalty-points")
    String dataset;

    @Option(
        names = "--zone",
        required = true,
        paramLabel = "Z",
        description = "sovereignty zone (JWE zone header), e.g. EU")
    String zone;

    @Option(names = "--region", paramLabel = "R", description = "region claim (default: the zone)")
    String region;

    @Option(
        names = "--root",
        required = true,
        paramLabel = "PEM",
        description = "pinned attestation root(s) (PEM; repeatable)")
    List<Path> roots = new ArrayList<>();

    @Option(
        names = "--expect-pcr0",
        required = true,
        paramLabel = "HEX",
        description = "expected PCR0 (enclave image)")
    String pcr0;

    @Option(
        names = "--pcr",
        paramLabel = "N=HEX",
        converter = PcrOption.Converter.class,
        description = "further expected PCR values (repeatable)")
    List<PcrOption> pcrs = new ArrayList<>();

    static final class PolicyExpectation {
      @Option(
          names = "--expect-policy-sha256",
          paramLabel = "HEX",
          description = "expected sovereignty policy hash")
      String sha256;

      @Option(
          names = "--policy",
          paramLabel = "FILE",
          description = "the policy you reviewed (YAML): its RFC 8785 hash is expected")
      Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    PolicyExpectation policy;

    @Option(
        names = "--max-age",
        paramLabel = "DURATION",
        description = "maximum attestation age (default 5m)")
    String maxAge;

    @Mixin JsonOption json = new JsonOption();

    @Override
    public Integer call() {
      try (Progress progress = Progress.on(spec.commandLine().getErr(), json.on())) {
        return run(progress);
      }
    }

    private Integer run(Progress progress) {
      PrintWriter err = spec.commandLine().getErr();
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode report = mapper.createObjectNode();
      HostClient host;
      EnclaveExpectations expectations;
      ProducerIdentity id;
      ArrayNode recs;
      List<String> credentials;
      try {
        URI url = target.host;
        if (target.routes != null) {
          Routes routes = Routes.read(target.routes);
          url =
              routes
                  .hostOf(zone)
                  .orElseThrow(
                      () ->
                          new CliInput.UsageException(
                              "--routes " + target.routes + " has no host for zone " + zone));
          err.println("route: zone " + zone + " -> " + url);
        }
        host = HostClient.of(url);
        List<X509Certificate> pinned = new ArrayList<>();
        for (Path r : roots) {
          try {
            pinned.addAll(
                TrustAnchors.readPem(
                    new String(CliInput.readFile("--root", r), StandardCharsets.US_ASCII)));
          } catch (IllegalArgumentException e) {
            throw new CliInput.UsageException("--root " + r + ": " + e.getMessage());
          }
        }
        Map<Integer, byte[]> expected = new TreeMap<>();
        expected.put(0, CliInput.hex("--expect-pcr0", pcr0));
        for (PcrOption p : pcrs) {
          expected.put(p.index(), p.value());
        }
        try {
          expectations =
              EnclaveExpectations.of(
                  pinned,
                  expected,
                  PolicyHashes.expected(policy.sha256, policy.file),
                  maxAge == null
                      ? EnclaveExpectations.DEFAULT_MAX_AGE
                      : CliInput.duration("--max-age", maxAge));
        } catch (IllegalArgumentException e) {
          throw new CliInput.UsageException(e.getMessage());
        }
        try {
          id = ProducerIdentity.read(identity);
        } catch (IOException e) {
          throw new CliInput.UsageException("--identity: " + e.getMessage());
        }
        try {
          progress.phase("reading " + Files.size(records) + " bytes of records", null);
          recs = Records.read(records);
          progress.close();
        } catch (IOException e) {
          throw new CliInput.UsageException("--records: cannot read " + records);
        }
        credentials = new ArrayList<>();
        for (String line :
            new String(CliInput.readFile("--credential", credential), StandardCharsets.US_ASCII)
                .split("\\R")) {
          if (!line.isBlank()) {
            credentials.add(line.strip());
          }
        }
        if (credentials.isEmpty()) {
          throw new CliInput.UsageException("--credential " + credential + " holds no JWT");
        }
      } catch (CliInput.UsageException e) {
        progress.close();
        err.println("sovereign producer submit: " + e.getMessage());
        return SovereignCli.USAGE;
      } catch (RejectedException e) {
        progress.close();
        err.println("sovereign producer submit: " + e.code() + ": " + e.detail());
        return SovereignCli.USAGE;
      } catch (IOException e) {
        progress.close();
        err.println(
            "sovereign producer submit: cannot read an input ("
                + e.getClass().getSimpleName()
                + ")");
        return SovereignCli.USAGE;
      }
      report.put("host", host.base().toString());
      report.put("producer", id.did().toString());
      int exit;
      try {
        progress.phase("attestation: fetching and verifying the enclave's document", null);
        AttestedEnclave enclave = Submission.attest(host, expectations, new SecureRandom());
        progress.close();
        err.println(
            "attestation VALID: enclave "
                + enclave.enclaveDid()
                + ", policy "
                + enclave.policySha256()
                + ", encryption key "
                + enclave.kid());
        report.put("enclaveDid", enclave.enclaveDid());
        report.put("kid", enclave.kid());
        progress.phase("signing and encrypting " + recs.size() + " record(s)", null);
        String jwe =
            Payloads.build(
                id,
                enclave,
                zone,
                Payloads.Contents.of(
                    round, dataset, region != null ? region : zone, recs, credentials));
        progress.phase("uploading " + jwe.length() + " bytes to " + host.base(), null);
        Submission.Outcome o = Submission.submit(host, round, jwe);
        progress.close();
        report.put("payloadId", o.payloadId());
        report.put("httpStatus", o.httpStatus());
        if (o.stored()) {
          report.put("status", o.status());
          err.println(
              "submitted "
                  + recs.size()
                  + " record(s): 202 "
                  + o.status()
                  + ", payload id "
                  + o.payloadId());
          exit = SovereignCli.OK;
        } else {
          report.put("reasonCode", o.code());
          err.println(
              "REJECTED by the host: "
                  + o.httpStatus()
                  + " "
                  + o.code()
                  + (o.detail() != null ? " (" + o.detail() + ")" : ""));
          exit = SovereignCli.REJECTED;
        }
      } catch (RejectedException e) {
        progress.close();
        report.put("reasonCode", e.code());
        report.put("detail", e.detail());
        err.println("REJECTED " + e.code() + ": " + e.detail() + " (nothing was sent)");
        exit = SovereignCli.REJECTED;
      } catch (HostClient.UnreachableException e) {
        progress.close();
        err.println("sovereign producer submit: " + e.getMessage());
        return SovereignCli.USAGE;
      }
      if (json.on()) {
        spec.commandLine().getOut().println(report.toString());
        spec.commandLine().getOut().flush();
      }
      return exit;
    }
  }
}
