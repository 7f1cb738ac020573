package dev.sovereign.vc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.DidUrl;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Issues VC Data Model 2.0 credentials secured with VC-JOSE-COSE: protected header {@code alg},
 * {@code kid} (the issuer's DID URL), {@code typ: vc+jwt}, {@code cty: vc}; the claims set is the
 * credential itself (no {@code vc} claim). The issuer is the DID of the signer's {@code kid}.
 */
public final class CredentialIssuer {
  private final CredentialSigner signer;
  private final String issuer;

  private CredentialIssuer(CredentialSigner signer) {
    this.signer = Objects.requireNonNull(signer);
    this.issuer = DidUrl.parse(signer.keyId()).did().toString();
  }

  /** An issuer signing with {@code signer}; its {@code keyId} must be an absolute DID URL. */
  public static CredentialIssuer of(CredentialSigner signer) {
    return new CredentialIssuer(signer);
  }

  /** The issuer DID. */
  public String issuer() {
    return issuer;
  }

  /** Starts a credential of the given extra types (VerifiableCredential is always first). */
  public Draft credential(String... types) {
    return new Draft(types);
  }

  /**
   * Signs an already built VCDM 2.0 credential object. Its {@code issuer} must be this issuer and
   * its {@code @context} must start with the VCDM 2.0 context.
   */
  public String sign(ObjectNode credential) throws CredentialSigner.SigningException {
    try {
      CredentialClaims c = CredentialClaims.read("vc+jwt", credential);
      if (!c.issuer().equals(issuer)) {
        throw new IllegalArgumentException(
            "credential issuer " + c.issuer() + " is not the signer's DID " + issuer);
      }
    } catch (Json.Malformed | CredentialClaims.ProfileViolation e) {
      throw new IllegalArgumentException("not a VCDM 2.0 credential: " + e.getMessage(), e);
    }
    return JwtSigning.sign(credential, "vc+jwt", "vc", signer);
  }

  /** A credential being built; {@link #sign()} ends it. */
  public final class Draft {
    private final ObjectNode c = Json.MAPPER.createObjectNode();
    private final ObjectNode subject = Json.MAPPER.createObjectNode();
    private final List<ObjectNode> status = new ArrayList<>();

    private Draft(String... types) {
      c.putArray("@context").add(CredentialClaims.V2_CONTEXT);
      ArrayNode t = c.putArray("type").add("VerifiableCredential");
      for (String type : types) {
        if (!"VerifiableCredential".equals(type)) {
          t.add(type);
        }
      }
      c.put("issuer", issuer);
    }

    public Draft id(String id) {
      c.put("id", id);
      return this;
    }

    /** The subject's id (e.g. the producer DID). */
    public Draft subject(String id) {
      subject.put("id", id);
      return this;
    }

    /** A subject claim (any JSON-able value: string, number, boolean, list, map, JsonNode). */
    public Draft claim(String name, Object value) {
      subject.set(name, Json.MAPPER.valueToTree(value));
      return this;
    }

    /** Validity window; seconds precision as xsd:dateTime in UTC. */
    public Draft validFrom(Instant from) {
      c.put("validFrom", from.truncatedTo(ChronoUnit.SECONDS).toString());
      return this;
    }

    public Draft validUntil(Instant until) {
      c.put("validUntil", until.truncatedTo(ChronoUnit.SECONDS).toString());
      return this;
    }

    /** A {@code BitstringStatusListEntry} for {@code purpose} (revocation or suspension). */
    public Draft status(StatusPurpose purpose, String statusListCredential, long index) {
      ObjectNode e = Json.MAPPER.createObjectNode();
      e.put("id", statusListCredential + "#" + index);
      e.put("type", "BitstringStatusListEntry");
      e.put("statusPurpose", purpose.wireName());
      e.put("statusListIndex", Long.toString(index));
      e.put("statusListCredential", statusListCredential);
      status.add(e);
      return this;
    }

    /** Extra top-level members (e.g. {@code termsOfUse}); never {@code vc}. */
    public Draft member(String name, Object value) {
      if (name.equals("vc") || name.equals("issuer") || name.startsWith("@")) {
        throw new IllegalArgumentException("reserved member " + name);
      }
      c.set(name, value instanceof JsonNode n ? n : Json.MAPPER.valueToTree(value));
      return this;
    }

    /** The credential object (a copy), unsigned. */
    public ObjectNode toJson() {
      ObjectNode out = c.deepCopy();
      out.set("credentialSubject", subject.deepCopy());
      if (status.size() == 1) {
        out.set("credentialStatus", status.get(0));
      } else if (!status.isEmpty()) {
        out.putArray("credentialStatus").addAll(status);
      }
      return out;
    }

    /** Signs and returns the compact JWS. */
    public String sign() throws CredentialSigner.SigningException {
      return CredentialIssuer.this.sign(toJson());
    }
  }
}
