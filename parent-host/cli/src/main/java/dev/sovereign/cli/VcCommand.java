package dev.sovereign.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sovereign.did.CachingDidResolver;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.KeyType;
import dev.sovereign.vc.Accreditations;
import dev.sovereign.vc.BitstringStatusList;
import dev.sovereign.vc.CredentialIssuer;
import dev.sovereign.vc.CredentialRejectedException;
import dev.sovereign.vc.CredentialSigner;
import dev.sovereign.vc.CredentialVerifier;
import dev.sovereign.vc.LocalKeys;
import dev.sovereign.vc.Scope;
import dev.sovereign.vc.StatusListIssuer;
import dev.sovereign.vc.StatusListSource;
import dev.sovereign.vc.StatusPurpose;
import dev.sovereign.vc.TrustAnchor;
import dev.sovereign.vc.TrustChainVerifier;
import dev.sovereign.vc.VerificationReport;
import dev.sovereign.vc.VerifiedChain;
import dev.sovereign.vc.VerifiedCredential;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sovereign vc ...}: verifiable credentials (library: did-registry/credentials). {@code
 * verify} prints the regulator's report (every step with its result and reason code); exit 0 valid,
 * 1 rejected (the reason code is printed), 2 usage or environment error.
 */
@Command(
    name = "vc",
    mixinStandardHelpOptions = true,
    description =
        "Issue and verify verifiable credentials (VCDM 2.0 / VC-JOSE-COSE; VC-JWT 1.1 read too).",
    subcommands = {
      VcCommand.Keygen.class,
      VcCommand.Issue.class,
      VcCommand.Accredit.class,
      VcCommand.StatusList.class,
      VcCommand.Verify.class
    })
final class VcCommand implements Runnable {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /** Options naming the signing key. */
  static final class KeyOptions {
    @Option(
        names = "--key",
        required = true,
        paramLabel = "FILE",
        description = "private JWK (from `vc keygen`)")
    Path key;

    @Option(
        names = "--kid",
        paramLabel = "DID-URL",
        description = "sign as this verification method (default: the key's did:key URL)")
    String kid;

    CredentialSigner signer() throws CliInput.UsageException {
      try {
        Map<String, Object> jwk =
            JSON.readValue(CliInput.readFile("--key", key), new TypeReference<>() {});
        return LocalKeys.signer(jwk, Optional.ofNullable(kid));
      } catch (IOException | IllegalArgumentException e) {
        throw new CliInput.UsageException("--key: " + e.getMessage());
      }
    }
  }

  static Instant instant(String option, String value) throws CliInput.UsageException {
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      throw new CliInput.UsageException(
          option + " is not an ISO-8601 instant with a zone: " + value);
    }
  }

  static void write(Path out, String text, PrintWriter stdout) throws CliInput.UsageException {
    if (out == null) {
      stdout.println(text);
      stdout.flush();
      return;
    }
    try {
      Files.writeString(out, text + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliInput.UsageException(
          "cannot write " + out + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  abstract static class Base implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      try {
        return run(spec.commandLine().getOut(), err);
      } catch (CliInput.UsageException e) {
        err.println("sovereign vc " + spec.name() + ": " + e.getMessage());
        err.flush();
        return SovereignCli.USAGE;
      } catch (CredentialSigner.SigningException e) {
        err.println("sovereign vc " + spec.name() + ": signing failed: " + e.getMessage());
        err.flush();
        return SovereignCli.USAGE;
      }
    }

    abstract int run(PrintWriter out, PrintWriter err)
        throws CliInput.UsageException, CredentialSigner.SigningException;
  }

  /** {@code sovereign vc keygen --type ed25519|p256|secp256k1 [--out FILE]}. */
  @Command(
      name = "keygen",
      mixinStandardHelpOptions = true,
      description = "Generates a private JWK; prints its did:key on stderr.")
  static final class Keygen extends Base {
    @Option(
        names = "--type",
        defaultValue = "ed25519",
        description = "ed25519 (EdDSA), p256 (ES256) or secp256k1 (ES256K)")
    String type;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description = "write the JWK here (default stdout)")
    Path out;

    @Override
    int run(PrintWriter stdout, PrintWriter err) throws CliInput.UsageException {
      KeyType t =
          switch (type.toLowerCase(Locale.ROOT)) {
            case "ed25519" -> KeyType.ED25519;
            case "p256", "p-256" -> KeyType.P256;
            case "secp256k1" -> KeyType.SECP256K1;
            default ->
                throw new CliInput.UsageException("--type must be ed25519, p256 or secp256k1");
          };
      Map<String, Object> jwk = LocalKeys.generateJwk(t, new SecureRandom());
      try {
        write(out, JSON.writeValueAsString(jwk), stdout);
      } catch (IOException e) {
        throw new CliInput.UsageException(e.getMessage());
      }
      err.println(LocalKeys.didKey(jwk));
      err.flush();
      return SovereignCli.OK;
    }
  }

  /** {@code sovereign vc issue --key FILE --subject DID [--type T]... [--claim K=V]... ...}. */
  @Command(
      name = "issue",
      mixinStandardHelpOptions = true,
      description =
          "Issues a VCDM 2.0 credential secured with VC-JOSE-COSE (typ vc+jwt); prints the compact JWS.")
  static final class Issue extends Base {
    @Mixin KeyOptions keyOptions;

    @Option(
        names = "--subject",
        required = true,
        paramLabel = "DID",
        description = "credentialSubject.id")
    String subject;

    @Option(
        names = "--type",
        paramLabel = "TYPE",
        description = "extra credential type (repeatable), e.g. ProducerAuthorization")
    List<String> types = new ArrayList<>();

    @Option(
        names = "--id",
        paramLabel = "URI",
        description = "credential id (default: a random urn:uuid)")
    String id;

    @Option(
        names = "--claim",
        paramLabel = "NAME=VALUE",
        description =
            "subject claim (repeatable); a VALUE that parses as JSON is taken as JSON, e.g. datasets=[\"a\",\"b\"]")
    Map<String, String> claims = new LinkedHashMap<>();

    @Option(names = "--valid-from", paramLabel = "ISO-8601", description = "default: now")
    String validFrom;

    @Option(names = "--valid-until", paramLabel = "ISO-8601")
    String validUntil;

    @Option(
        names = "--status-list",
        paramLabel = "URL",
        description = "BitstringStatusListCredential URL (revocation)")
    String statusList;

    @Option(names = "--status-index", paramLabel = "N", description = "index in --status-list")
    Long statusIndex;

    @Option(
        names = "--suspension-list",
        paramLabel = "URL",
        description = "a suspension list; the same index is used")
    String suspensionList;

    @Option(names = "--out", paramLabel = "FILE")
    Path out;

    @Override
    int run(PrintWriter stdout, PrintWriter err)
        throws CliInput.UsageException, CredentialSigner.SigningException {
      CredentialIssuer issuer = CredentialIssuer.of(keyOptions.signer());
      CredentialIssuer.Draft d =
          issuer
              .credential(types.toArray(String[]::new))
              .id(id != null ? id : "urn:uuid:" + java.util.UUID.randomUUID())
              .subject(subject)
              .validFrom(validFrom == null ? Instant.now() : instant("--valid-from", validFrom));
      if (validUntil != null) {
        d.validUntil(instant("--valid-until", validUntil));
      }
      for (Map.Entry<String, String> c : claims.entrySet()) {
        d.claim(c.getKey(), jsonOrString(c.getValue()));
      }
      if ((statusList != null || suspensionList != null) != (statusIndex != null)) {
        throw new CliInput.UsageException(
            "--status-index goes with --status-list/--suspension-list");
      }
      if (statusList != null) {
        d.status(StatusPurpose.REVOCATION, statusList, statusIndex);
      }
      if (suspensionList != null) {
        d.status(StatusPurpose.SUSPENSION, suspensionList, statusIndex);
      }
      write(out, d.sign(), stdout);
      err.println("issued by " + issuer.issuer());
      err.flush();
      return SovereignCli.OK;
    }
  }

  static Object jsonOrString(String v) {
    try {
      return JSON.readTree(v);
    } catch (IOException e) {
      return v;
    }
  }

  /** {@code sovereign vc accredit --key FILE --subject DID --role attest|accredit --zones ... }. */
  @Command(
      name = "accredit",
      mixinStandardHelpOptions = true,
      description =
          "Issues an accreditation (VerifiableAccreditation): the subject may attest or accredit within a scope.")
  static final class Accredit extends Base {
    @Mixin KeyOptions keyOptions;

    @Option(names = "--subject", required = true, paramLabel = "DID")
    String subject;

    @Option(names = "--role", required = true, split = ",", description = "attest and/or accredit")
    List<String> roles;

    @Option(names = "--zones", split = ",", required = true)
    List<String> zones;

    @Option(names = "--regions", split = ",", required = true)
    List<String> regions;

    @Option(names = "--datasets", split = ",", required = true)
    List<String> datasets;

    @Option(names = "--valid-from", paramLabel = "ISO-8601", description = "default: now")
    String validFrom;

    @Option(names = "--valid-until", paramLabel = "ISO-8601", required = true)
    String validUntil;

    @Option(names = "--out", paramLabel = "FILE")
    Path out;

    @Override
    int run(PrintWriter stdout, PrintWriter err)
        throws CliInput.UsageException, CredentialSigner.SigningException {
      Set<Accreditations.Role> rs = new LinkedHashSet<>();
      for (String r : roles) {
        rs.add(
            switch (r) {
              case "attest" -> Accreditations.Role.ATTEST;
              case "accredit" -> Accreditations.Role.ACCREDIT;
              default -> throw new CliInput.UsageException("--role must be attest or accredit");
            });
      }
      String jwt =
          Accreditations.draft(
                  CredentialIssuer.of(keyOptions.signer()),
                  subject,
                  rs,
                  Scope.of(Set.copyOf(zones), Set.copyOf(regions), Set.copyOf(datasets)),
                  validFrom == null ? Instant.now() : instant("--valid-from", validFrom),
                  instant("--valid-until", validUntil))
              .id("urn:uuid:" + java.util.UUID.randomUUID())
              .sign();
      write(out, jwt, stdout);
      return SovereignCli.OK;
    }
  }

  /**
   * {@code sovereign vc status-list --key FILE --url URL [--purpose P] [--set N]... [--out FILE]}.
   */
  @Command(
      name = "status-list",
      mixinStandardHelpOptions = true,
      description =
          "Publishes a BitstringStatusListCredential (131,072 entries) with the given entries set (revoked/suspended).")
  static final class StatusList extends Base {
    @Mixin KeyOptions keyOptions;

    @Option(names = "--url", required = true, description = "the list's URL (its id)")
    String url;

    @Option(
        names = "--purpose",
        defaultValue = "revocation",
        description = "revocation or suspension")
    String purpose;

    @Option(names = "--set", paramLabel = "N", description = "index to set (repeatable)")
    List<Long> set = new ArrayList<>();

    @Option(
        names = "--valid-for",
        defaultValue = "P1D",
        description = "validity (ISO-8601 duration), default P1D")
    Duration validFor;

    @Option(
        names = "--ttl",
        defaultValue = "PT5M",
        description = "cache time for verifiers (ISO-8601 duration)")
    Duration ttl;

    @Option(names = "--out", paramLabel = "FILE")
    Path out;

    @Override
    int run(PrintWriter stdout, PrintWriter err)
        throws CliInput.UsageException, CredentialSigner.SigningException {
      StatusPurpose p =
          StatusPurpose.fromWire(purpose)
              .orElseThrow(
                  () -> new CliInput.UsageException("--purpose must be revocation or suspension"));
      StatusListIssuer list =
          StatusListIssuer.create(CredentialIssuer.of(keyOptions.signer()), url, p);
      for (long n : set) {
        if (n < 0 || n >= BitstringStatusList.MIN_ENTRIES) {
          throw new CliInput.UsageException(
              "--set " + n + " is outside [0, " + BitstringStatusList.MIN_ENTRIES + ")");
        }
        list.set(n, true);
      }
      write(out, list.publish(Instant.now(), validFor, ttl), stdout);
      return SovereignCli.OK;
    }
  }

  /** {@code sovereign vc verify JWT|FILE [--trust-anchor DID]... [--at ISO-8601] [--json]}. */
  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Verifies a credential (both JWT profiles): signature, key authorization at the credential's time,",
        "validity window, status; with --trust-anchor, also the chain of accreditations to an anchor.",
        "Prints every step (the regulator's report). Exit 0 valid, 1 rejected (reason code printed), 2 usage."
      })
  static final class Verify extends Base {
    @Parameters(
        index = "0",
        paramLabel = "JWT|FILE",
        description = "a compact JWS, or a file holding one")
    String input;

    @Option(
        names = "--trust-anchor",
        paramLabel = "DID[=ZONE,...]",
        description = "a root authority (repeatable); optional zones it covers (default: all)")
    List<String> anchors = new ArrayList<>();

    @Option(
        names = "--accreditation",
        paramLabel = "JWT|FILE",
        description = "an accreditation credential (repeatable)")
    List<String> accreditations = new ArrayList<>();

    @Option(
        names = "--status-list",
        paramLabel = "URL=JWT|FILE",
        description = "status list evidence (repeatable); lists not given are fetched over HTTP(S)")
    Map<String, String> statusLists = new LinkedHashMap<>();

    @Option(
        names = "--region",
        description = "require the credential (and chain) to cover this region")
    String region;

    @Option(names = "--zone", description = "require this sovereignty zone")
    String zone;

    @Option(names = "--dataset", description = "require this dataset")
    String dataset;

    @Option(
        names = "--at",
        paramLabel = "ISO-8601",
        description = "judge validity at this instant (default: now)")
    String at;

    @Option(
        names = "--clock-skew",
        defaultValue = "PT60S",
        description = "tolerated clock skew (ISO-8601 duration)")
    Duration skew;

    @Mixin JsonOption json = new JsonOption();

    @Mixin DidCommand.ResolverSettings resolverSettings;

    @Override
    int run(PrintWriter out, PrintWriter err) throws CliInput.UsageException {
      String jwt = tokenOrFile("JWT|FILE", input);
      Instant when = at == null ? Instant.now() : instant("--at", at);
      Map<String, String> evidence = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : statusLists.entrySet()) {
        evidence.put(e.getKey(), tokenOrFile("--status-list", e.getValue()));
      }
      DidResolver resolver;
      try {
        resolver = CachingDidResolver.builder(resolverSettings.resolver()).build();
      } catch (RuntimeException e) {
        throw new CliInput.UsageException(
            "cannot configure the method resolvers: " + e.getMessage());
      }
      CredentialVerifier verifier =
          CredentialVerifier.builder(resolver)
              .clockSkew(skew)
              .statusLists(url -> evidence.containsKey(url) ? evidence.get(url) : fetch(url))
              .build();
      VerificationReport report;
      String headline;
      int code;
      try {
        if (anchors.isEmpty() && region == null && zone == null && dataset == null) {
          VerifiedCredential v = verifier.verify(jwt, when);
          report = v.report();
          headline = "VALID " + v.profile() + " credential from " + v.issuer();
        } else {
          List<TrustAnchor> list = new ArrayList<>();
          for (String a : anchors) {
            list.add(anchor(a));
          }
          List<String> accs = new ArrayList<>();
          for (String a : accreditations) {
            accs.add(tokenOrFile("--accreditation", a));
          }
          VerifiedChain chain =
              TrustChainVerifier.of(verifier, list)
                  .verify(
                      jwt, accs, TrustChainVerifier.Requirement.of(zone, region, dataset), when);
          report = chain.report();
          headline =
              "VALID credential from "
                  + chain.credential().issuer()
                  + ", chained through "
                  + chain.links().size()
                  + " accreditation(s) to "
                  + chain.anchor().did();
        }
        code = SovereignCli.OK;
      } catch (CredentialRejectedException e) {
        report = e.report();
        headline =
            "REJECTED " + e.code() + ": " + e.getMessage().substring(e.code().name().length() + 2);
        code = SovereignCli.REJECTED;
      }
      if (json.on()) {
        out.println(report.toJson());
        out.flush();
      } else {
        for (VerificationReport.Step s : report.steps()) {
          err.printf(
              "  %-8s %-22s %s%s%n",
              s.outcome(),
              s.step(),
              s.reasonCode() == null ? "" : s.reasonCode() + " ",
              s.detail() == null ? "" : s.detail());
        }
      }
      err.println(headline);
      err.flush();
      return code;
    }

    private static TrustAnchor anchor(String spec) throws CliInput.UsageException {
      int eq = spec.indexOf('=');
      String did = eq < 0 ? spec : spec.substring(0, eq);
      Set<String> zones =
          eq < 0 ? Set.of(Scope.ANY) : Set.copyOf(Arrays.asList(spec.substring(eq + 1).split(",")));
      try {
        return new TrustAnchor(
            dev.sovereign.did.Did.parse(did),
            Scope.of(zones, Set.of(Scope.ANY), Set.of(Scope.ANY)));
      } catch (RuntimeException e) {
        throw new CliInput.UsageException("--trust-anchor: not a DID: " + did);
      }
    }

    private static String tokenOrFile(String option, String value) throws CliInput.UsageException {
      String v = value.trim();
      if (v.chars().filter(c -> c == '.').count() == 2 && !Files.isRegularFile(Path.of(v))) {
        return v;
      }
      return new String(CliInput.readFile(option, Path.of(v)), StandardCharsets.UTF_8).trim();
    }

    private static String fetch(String url) throws StatusListSource.UnreachableException {
      try {
        HttpClient http =
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10))
                    .header("Accept", "application/vc+jwt")
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          throw new StatusListSource.UnreachableException(
              url, "HTTP " + r.statusCode() + " for " + url);
        }
        return r.body().trim();
      } catch (IOException | IllegalArgumentException e) {
        throw new StatusListSource.UnreachableException(
            url, url + ": " + e.getClass().getSimpleName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StatusListSource.UnreachableException(url, url + ": interrupted");
      }
    }
  }
}
