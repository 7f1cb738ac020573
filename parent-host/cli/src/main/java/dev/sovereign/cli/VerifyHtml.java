package dev.sovereign.cli;

import dev.sovereign.attestation.TrustAnchors;
import dev.sovereign.producer.CredentialChains;
import dev.sovereign.producer.RejectedException;
import dev.sovereign.producer.ResultReport;
import dev.sovereign.producer.ResultReportHtml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code sovereign verify ... --html FILE}: the report as one self-contained page ({@link
 * ResultReportHtml}), with the command that reproduces the check (the same arguments without {@code
 * --html} and {@code --json}).
 */
final class VerifyHtml {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

  private VerifyHtml() {}

  /** Writes the page; the inputs were already read and checked by the verify command. */
  static void write(
      Path file,
      ResultReport report,
      String resultCredential,
      List<Path> roots,
      Path chainFile,
      List<String> trustAnchors,
      List<String> originalArgs)
      throws IOException, CliInput.UsageException {
    List<X509Certificate> pinned = new ArrayList<>();
    if (roots.isEmpty()) {
      pinned.add(TrustAnchors.awsNitroRoot());
    }
    for (Path r : roots) {
      pinned.addAll(
          TrustAnchors.readPem(
              new String(CliInput.readFile("--root", r), StandardCharsets.US_ASCII)));
    }
    Optional<CredentialChains> chains = Optional.empty();
    if (chainFile != null) {
      try {
        chains = Optional.of(CredentialChains.read(chainFile));
      } catch (RejectedException e) {
        throw new CliInput.UsageException("--credential-chain: " + e.detail());
      }
    }
    String html =
        ResultReportHtml.render(
            new ResultReportHtml.Input(
                report,
                resultCredential,
                chains,
                trustAnchors,
                pinned,
                command(originalArgs),
                Instant.now()));
    Files.writeString(file, html, StandardCharsets.UTF_8);
  }

  /**
   * {@code ./sovereign verify ARGS} without {@code --html FILE} and {@code --json}, shell-quoted.
   */
  static String command(List<String> args) {
    StringBuilder b = new StringBuilder("./sovereign verify");
    // picocli's original arguments start with the subcommand's name
    for (int i = !args.isEmpty() && args.get(0).equals("verify") ? 1 : 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--html")) {
        i++;
        continue;
      }
      if (a.startsWith("--html=") || a.equals("--json")) {
        continue;
      }
      b.append(a.startsWith("--") ? " \\\n  " : " ").append(quote(a));
      if (a.startsWith("--")
          && !a.contains("=")
          && i + 1 < args.size()
          && !args.get(i + 1).startsWith("--")) {
        b.append(' ').append(quote(args.get(++i)));
      }
    }
    return b.toString();
  }

  private static String quote(String s) {
    return SAFE.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
  }
}
