package dev.sovereign.attestation;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Root certificates to pin: the AWS Nitro root shipped with this module, and a PEM reader. */
public final class TrustAnchors {
  /** SHA-256 of the DER of the AWS Nitro Enclaves root (CN=aws.nitro-enclaves, G1). */
  public static final String AWS_NITRO_ROOT_SHA256 =
      "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b";

  private static final String AWS_RESOURCE = "aws-nitro-root.pem";
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");

  private TrustAnchors() {}

  /**
   * The AWS Nitro Enclaves root certificate (valid 2019-10-28 to 2049-10-28), read from this
   * module's resources and checked against {@link #AWS_NITRO_ROOT_SHA256}. Nothing pins it by
   * default: pass it to {@link AttestationPolicy.Builder#pinnedRoot(X509Certificate)}.
   */
  public static X509Certificate awsNitroRoot() {
    try (InputStream in = TrustAnchors.class.getResourceAsStream(AWS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "resource " + AWS_RESOURCE + " is missing from the attestation jar");
      }
      List<X509Certificate> certs =
          readPem(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
      X509Certificate root = certs.get(0);
      String sha =
          java.util.HexFormat.of()
              .formatHex(
                  java.security.MessageDigest.getInstance("SHA-256").digest(root.getEncoded()));
      if (certs.size() != 1 || !sha.equals(AWS_NITRO_ROOT_SHA256)) {
        throw new IllegalStateException(
            "bundled AWS Nitro root does not match its pinned fingerprint");
      }
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the bundled AWS Nitro root", e);
    }
  }

  /**
   * Every {@code CERTIFICATE} block of a PEM text, in order; text outside the blocks is ignored.
   *
   * @throws IllegalArgumentException if there is no block or a block is not an X.509 certificate
   */
  public static List<X509Certificate> readPem(String pem) {
    List<X509Certificate> out = new ArrayList<>();
    Matcher m = PEM.matcher(pem);
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      while (m.find()) {
        byte[] der = java.util.Base64.getMimeDecoder().decode(m.group(1));
        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new IllegalArgumentException("PEM block is not an X.509 certificate", e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no CERTIFICATE block in PEM text");
    }
    return out;
  }
}
