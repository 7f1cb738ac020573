package dev.sovereign.host;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;
import org.jboss.logging.Logger;

/**
 * Authentication of admin endpoints, by bearer token (constant-time comparison; no token configured
 * = closed) and/or by TLS client certificate ({@code sovereign.host.admin.auth}).
 *
 * <p>The HTTPS listener only requests a client certificate (public endpoints work without one); the
 * decision is made here: the leaf must be within its validity and either be pinned by its SHA-256
 * fingerprint or chain (PKIX) to a configured admin CA with, if subjects are listed, a listed
 * subject. The TLS handshake has already proven that the client holds the certificate's private
 * key.
 */
@ApplicationScoped
public class AdminAuth {
  private static final Logger LOG = Logger.getLogger(AdminAuth.class);
  private static final String CLIENT_AUTH_EKU = "1.3.6.1.5.5.7.3.2";
  private static final String ANY_EKU = "2.5.29.37.0";

  private final HostConfig config;
  private final AdminAuthConfig auth;
  private final Instance<HttpServerRequest> request;
  private volatile Trust trust;

  /** What the mTLS check accepts, loaded once. */
  record Trust(Set<String> pins, List<X509Certificate> cas, List<X500Principal> subjects) {}

  public AdminAuth(HostConfig config, AdminAuthConfig auth, Instance<HttpServerRequest> request) {
    this.config = config;
    this.auth = auth;
    this.request = request;
  }

  /**
   * Loads the admin CAs and pins at start, so that a bad file stops the host instead of every admin
   * call.
   */
  void onStart(@Observes StartupEvent ev) {
    if (auth.auth() != AdminAuthConfig.Mode.TOKEN) {
      Trust t = trust();
      if (t.pins().isEmpty() && t.cas().isEmpty()) {
        LOG.warn(
            "admin mTLS is on but no certificate is pinned and no admin CA is configured: no certificate is an admin");
      }
    }
  }

  /**
   * Throws 401 {@code unauthorized} unless the request carries an admin credential the mode
   * accepts, or 403 {@code admin-cert-not-allowed} if its client certificate is not an admin's.
   */
  public void require(String authorization) {
    AdminAuthConfig.Mode mode = auth.auth();
    if (mode != AdminAuthConfig.Mode.MTLS && tokenMatches(authorization)) {
      return;
    }
    if (mode == AdminAuthConfig.Mode.TOKEN) {
      if (config.adminToken().orElse("").isEmpty()) {
        throw new Problem(
            401, "unauthorized", "admin endpoints are disabled: no admin token is configured");
      }
      throw new Problem(401, "unauthorized", "admin endpoints need a valid bearer token");
    }
    X509Certificate[] chain = peerChain();
    if (chain.length == 0) {
      throw new Problem(
          401,
          "unauthorized",
          mode == AdminAuthConfig.Mode.MTLS
              ? "admin endpoints need an admin client certificate (over https)"
              : "admin endpoints need a valid bearer token or an admin client certificate (over https)");
    }
    if (!allowed(chain, trust())) {
      throw new Problem(
          403, "admin-cert-not-allowed", "the client certificate is not an admin certificate");
    }
  }

  private boolean tokenMatches(String authorization) {
    String token = config.adminToken().orElse("");
    if (token.isEmpty() || authorization == null) {
      return false;
    }
    byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, authorization.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The client's certificate chain on this request; empty without TLS or without a client
   * certificate.
   */
  private X509Certificate[] peerChain() {
    if (!request.isResolvable()) {
      return new X509Certificate[0];
    }
    HttpServerRequest r = request.get();
    SSLSession session = r.isSSL() ? r.sslSession() : null;
    if (session == null) {
      return new X509Certificate[0];
    }
    try {
      Certificate[] certs = session.getPeerCertificates();
      if (certs == null || !Arrays.stream(certs).allMatch(c -> c instanceof X509Certificate)) {
        return new X509Certificate[0];
      }
      return Arrays.copyOf(certs, certs.length, X509Certificate[].class);
    } catch (SSLPeerUnverifiedException e) {
      return new X509Certificate[0];
    }
  }

  /** Whether the leaf of {@code chain} is an admin certificate under {@code t}. */
  static boolean allowed(X509Certificate[] chain, Trust t) {
    X509Certificate leaf = chain[0];
    try {
      leaf.checkValidity();
      List<String> eku = leaf.getExtendedKeyUsage();
      if (eku != null && !eku.contains(CLIENT_AUTH_EKU) && !eku.contains(ANY_EKU)) {
        return false;
      }
      if (t.pins().contains(sha256Hex(leaf.getEncoded()))) {
        return true;
      }
      if (t.cas().isEmpty()
          || (!t.subjects().isEmpty() && !t.subjects().contains(leaf.getSubjectX500Principal()))) {
        return false;
      }
      List<X509Certificate> path = new ArrayList<>();
      for (X509Certificate c : chain) {
        if (t.cas().contains(c)) {
          break; // the anchor itself is not part of the path
        }
        path.add(c);
      }
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      Set<TrustAnchor> anchors =
          t.cas().stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet());
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(
          false); // revocation: remove the CA's trust or the pin (docs/threat-model.md)
      CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(path), params);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      // The subject is the client's own text: control characters out, length bounded (no forged log
      // lines).
      String subject = leaf.getSubjectX500Principal().getName().replaceAll("\\p{Cntrl}", "?");
      LOG.infof(
          "admin certificate refused: %s (%s)",
          subject.length() > 200 ? subject.substring(0, 200) + "..." : subject,
          e.getClass().getSimpleName());
      return false;
    }
  }

  private Trust trust() {
    Trust t = trust;
    if (t == null) {
      t = load(auth.mtls());
      trust = t;
    }
    return t;
  }

  private static Trust load(AdminAuthConfig.Mtls m) {
    Set<String> pins =
        m.pinnedSha256().orElse(List.of()).stream()
            .map(p -> p.replace(":", "").strip().toLowerCase(Locale.ROOT))
            .filter(p -> !p.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    for (String p : pins) {
      if (!p.matches("[0-9a-f]{64}")) {
        throw new IllegalStateException(
            "sovereign.host.admin.mtls.pinned-sha256: not a SHA-256 fingerprint: " + p);
      }
    }
    List<X509Certificate> cas = new ArrayList<>();
    for (String file : m.caFile().orElse(List.of())) {
      try (InputStream in = Files.newInputStream(Path.of(file))) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          cas.add((X509Certificate) c);
        }
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException(
            "sovereign.host.admin.mtls.ca-file: cannot read " + file, e);
      }
    }
    List<X500Principal> subjects = new ArrayList<>();
    for (String s : m.allowedSubjects().orElse(List.of())) {
      try {
        subjects.add(new X500Principal(s));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(
            "sovereign.host.admin.mtls.allowed-subjects: not a DN: " + s);
      }
    }
    return new Trust(pins, List.copyOf(cas), List.copyOf(subjects));
  }

  static String sha256Hex(byte[] der) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
