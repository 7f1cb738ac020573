package dev.sovereign.vc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Set;

/**
 * Accreditation credentials (EBSI model): a root authority accredits an authority to accredit
 * others ({@link Role#ACCREDIT}) or to issue producer credentials ({@link Role#ATTEST}), within a
 * {@link Scope} and a validity window. Type {@code VerifiableAccreditation}; the subject holds
 * {@code id}, {@code accreditedFor}, {@code zones}, {@code regions}, {@code datasets}.
 */
public final class Accreditations {
  private Accreditations() {}

  /** The credential type of an accreditation. */
  public static final String TYPE = "VerifiableAccreditation";

  /** What an accredited DID may do. */
  public enum Role {
    /** Accredit other authorities (EBSI: Trusted Accreditation Organisation). */
    ACCREDIT("accredit"),
    /** Issue producer credentials (EBSI: Trusted Issuer). */
    ATTEST("attest");

    private final String wire;

    Role(String wire) {
      this.wire = wire;
    }

    public String wireName() {
      return wire;
    }
  }

  /** A draft accreditation of {@code subject} by {@code issuer}; sign it with {@code .sign()}. */
  public static CredentialIssuer.Draft draft(
      CredentialIssuer issuer,
      String subject,
      Set<Role> roles,
      Scope scope,
      Instant validFrom,
      Instant validUntil) {
    CredentialIssuer.Draft d =
        issuer.credential(TYPE).subject(subject).validFrom(validFrom).validUntil(validUntil);
    d.claim("accreditedFor", roles.stream().map(Role::wireName).sorted().toList());
    ObjectNode s = Json.MAPPER.createObjectNode();
    scope.writeTo(s);
    s.fields().forEachRemaining(e -> d.claim(e.getKey(), e.getValue()));
    return d;
  }
}
