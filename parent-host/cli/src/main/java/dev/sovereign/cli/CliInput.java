package dev.sovereign.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of command-line values; every failure is a {@link UsageException} (exit 2). */
final class CliInput {
  private CliInput() {}

  /** A usage or environment error: printed without a stack trace, exit code 2. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static byte[] hex(String option, String value) throws UsageException {
    String v = value.startsWith("0x") || value.startsWith("0X") ? value.substring(2) : value;
    try {
      return HexFormat.of().parseHex(v);
    } catch (IllegalArgumentException e) {
      throw new UsageException(option + " must be hex (an even number of 0-9a-f digits)");
    }
  }

  static byte[] readFile(String option, Path file) throws UsageException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UsageException(
          option + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** A public key file: PEM ({@code -----BEGIN PUBLIC KEY-----}) or DER, returned as DER. */
  static byte[] publicKey(Path file) throws UsageException {
    byte[] raw = readFile("--public-key", file);
    String text = new String(raw, StandardCharsets.US_ASCII);
    Matcher m =
        Pattern.compile("-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----")
            .matcher(text);
    if (m.find()) {
      return Base64.getMimeDecoder().decode(m.group(1));
    }
    if (text.contains("-----BEGIN")) {
      throw new UsageException(
          "--public-key: only a PEM PUBLIC KEY block or DER bytes are accepted");
    }
    return raw;
  }

  /**
   * An attestation document file: raw COSE_Sign1 bytes (they start with an array or tag head, never
   * a base64 character) or base64 of them (standard or URL-safe, line breaks allowed).
   */
  static byte[] document(Path file) throws UsageException {
    byte[] raw = readFile("FILE", file);
    if (raw.length == 0) {
      throw new UsageException(file + " is empty");
    }
    int first = raw[0] & 0xff;
    if (first == 0x84 || first == 0xd2) {
      return raw;
    }
    String text = new String(raw, StandardCharsets.US_ASCII).replaceAll("\\s", "");
    try {
      return text.indexOf('-') >= 0 || text.indexOf('_') >= 0
          ? Base64.getUrlDecoder().decode(text)
          : Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      // Not base64: hand the bytes to the parser, which rejects them as MALFORMED.
      return raw;
    }
  }

  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  /**
   * An ISO-8601 duration ({@code PT5M}) or a number with a unit: {@code 300s}, {@code 5m}, {@code
   * 2h}, {@code 1d}.
   */
  static Duration duration(String option, String value) throws UsageException {
    Matcher m = SIMPLE_DURATION.matcher(value.toLowerCase(Locale.ROOT));
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      Duration d = Duration.parse(value);
      if (d.isNegative()) {
        throw new UsageException(option + " must not be negative");
      }
      return d;
    } catch (RuntimeException e) {
      throw new UsageException(option + " must be a duration such as PT5M, 300s, 5m, 2h or 1d");
    }
  }
}
