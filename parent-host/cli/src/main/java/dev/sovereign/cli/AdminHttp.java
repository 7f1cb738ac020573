package dev.sovereign.cli;

import java.io.IOException;
import java.io.Reader;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import picocli.CommandLine.Option;

/**
 * HTTP client for the host's admin API: over https with, optionally, an admin client certificate
 * ({@code sovereign.host.admin.auth=mtls|token-or-mtls}, docs/api.md) and a CA for the host's own
 * certificate; the bearer token stays the caller's business.
 */
final class AdminHttp {
  private AdminHttp() {}

  /** The TLS options of a command that calls admin endpoints (a picocli mixin). */
  static final class TlsOptions {
    @Option(
        names = "--client-cert",
        paramLabel = "FILE",
        description =
            "admin client certificate (PEM; its chain may follow) for an https host that authenticates admins by mTLS")
    Path clientCert;

    @Option(
        names = "--client-key",
        paramLabel = "FILE",
        description = "the client certificate's private key (PEM, unencrypted)")
    Path clientKey;

    @Option(
        names = "--cacert",
        paramLabel = "FILE",
        description =
            "CA certificate(s) (PEM) to check the https host's certificate against (default: the JDK's)")
    Path cacert;

    /** Whether a client certificate is given (then a bearer token is optional). */
    boolean hasClientCertificate() {
      return clientCert != null;
    }

    /** An HTTP client with these options. */
    HttpClient client() throws IOException {
      return AdminHttp.client(clientCert, clientKey, cacert);
    }
  }

  /**
   * An HTTP client presenting {@code clientCert}/{@code clientKey} (both or neither) and trusting
   * {@code cacert} (null: the JDK's trust store) for https hosts.
   */
  static HttpClient client(Path clientCert, Path clientKey, Path cacert) throws IOException {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    if (clientCert != null || clientKey != null || cacert != null) {
      b.sslContext(sslContext(clientCert, clientKey, cacert));
    }
    return b.build();
  }

  /** The TLS context for {@link #client}. */
  static SSLContext sslContext(Path clientCert, Path clientKey, Path cacert) throws IOException {
    if ((clientCert == null) != (clientKey == null)) {
      throw new IllegalArgumentException("--client-cert and --client-key go together");
    }
    try {
      KeyManagerFactory kmf = null;
      if (clientCert != null) {
        List<X509Certificate> chain = certificates(clientCert);
        if (chain.isEmpty()) {
          throw new IllegalArgumentException(clientCert + ": no certificate in it");
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] none = new char[0];
        ks.setKeyEntry("admin", privateKey(clientKey), none, chain.toArray(new X509Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
      }
      TrustManagerFactory tmf = null;
      if (cacert != null) {
        List<X509Certificate> cas = certificates(cacert);
        if (cas.isEmpty()) {
          throw new IllegalArgumentException(cacert + ": no certificate in it");
        }
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
          ts.setCertificateEntry("ca-" + i, cas.get(i));
        }
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(
          kmf == null ? null : kmf.getKeyManagers(),
          tmf == null ? null : tmf.getTrustManagers(),
          new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "the TLS material cannot be used (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Every certificate in a PEM file, in order. */
  static List<X509Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (Reader r = Files.newBufferedReader(pem, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof X509CertificateHolder h) {
          out.add(converter.getCertificate(h));
        }
      }
    }
    return out;
  }

  /** The first private key in a PEM file: PKCS#8 ({@code PRIVATE KEY}) or traditional (EC, RSA). */
  static PrivateKey privateKey(Path pem) throws IOException {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (Reader r = Files.newBufferedReader(pem, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o
            instanceof
            PEMKeyPair kp) { // the public half may be missing: only the private one is used
          return converter.getPrivateKey(kp.getPrivateKeyInfo());
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo
            || o instanceof org.bouncycastle.openssl.PEMEncryptedKeyPair) {
          throw new IllegalArgumentException(
              pem + ": the key is encrypted; give an unencrypted PEM key");
        }
      }
    }
    throw new IllegalArgumentException(pem + ": no private key in it");
  }
}
