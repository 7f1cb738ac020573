package dev.sovereign.attestation;

import dev.sovereign.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;

/**
 * The real AWS attestation document from {@code fixtures/nitro/} (source:
 * evervault/attestation-doc-validation {@code test-data/valid-attestation-doc-base64}, MIT).
 */
public final class AwsFixture {
  private static byte[] document;

  private AwsFixture() {}

  /** The decoded COSE_Sign1 bytes (a fresh copy). */
  public static synchronized byte[] document() {
    if (document == null) {
      try {
        String b64 =
            Files.readString(
                Fixtures.vector("nitro/aws-nitro-attestation-us-east-1-2023-09-07.b64"),
                StandardCharsets.US_ASCII);
        document = Base64.getMimeDecoder().decode(b64.trim());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return document.clone();
  }
}
