package dev.sovereign.host;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/**
 * How admin endpoints (rounds, evidence, backup, restore, audit) authenticate their caller ({@code
 * sovereign.host.admin.*}; the bearer token itself is {@code sovereign.host.admin-token}).
 */
@ConfigMapping(prefix = "sovereign.host.admin")
public interface AdminAuthConfig {

  /** Which credential an admin call must carry. */
  enum Mode {
    /** {@code Authorization: Bearer <sovereign.host.admin-token>} (the default). */
    TOKEN,
    /** A TLS client certificate that {@link Mtls} allows; a token is not accepted. */
    MTLS,
    /** Either of the two. */
    TOKEN_OR_MTLS
  }

  /** {@code token}, {@code mtls} or {@code token-or-mtls}. */
  @WithDefault("token")
  Mode auth();

  /** Which client certificates are admins (used by {@code mtls} and {@code token-or-mtls}). */
  Mtls mtls();

  /**
   * Admin client certificates. A certificate is allowed if its SHA-256 fingerprint is pinned, or if
   * its chain leads to one of the admin CAs and (when subjects are listed) its subject is listed.
   */
  interface Mtls {
    /**
     * SHA-256 fingerprints (hex, colons optional) of the DER encoding of allowed admin
     * certificates.
     */
    Optional<List<String>> pinnedSha256();

    /** PEM files with the CA certificates that issue admin client certificates. */
    Optional<List<String>> caFile();

    /**
     * Subject DNs (RFC 2253, e.g. {@code CN=ops-admin,O=Example}) allowed among the certificates
     * the admin CAs issued; empty allows every certificate they issued. Write a DN with commas as
     * an indexed property ({@code allowed-subjects[0]=CN=a,O=b}) or escape its commas ({@code \,}).
     */
    Optional<List<String>> allowedSubjects();
  }
}
