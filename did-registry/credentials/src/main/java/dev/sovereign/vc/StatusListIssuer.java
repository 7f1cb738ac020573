package dev.sovereign.vc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Keeps one Bitstring Status List (one purpose, one URL) for an issuer and publishes it as a signed
 * {@code BitstringStatusListCredential} (VCDM 2.0, VC-JOSE-COSE). Thread-safe; entries only change
 * through {@link #set}, and every change needs a new {@link #publish} to be seen by verifiers.
 */
public final class StatusListIssuer {
  private final CredentialIssuer issuer;
  private final String url;
  private final StatusPurpose purpose;
  private BitstringStatusList list;

  private StatusListIssuer(
      CredentialIssuer issuer, String url, StatusPurpose purpose, int entries) {
    this.issuer = Objects.requireNonNull(issuer);
    this.url = Objects.requireNonNull(url);
    this.purpose = Objects.requireNonNull(purpose);
    this.list = BitstringStatusList.create(entries);
  }

  /** A fresh all-zero list of the minimum size (131,072 entries) published at {@code url}. */
  public static StatusListIssuer create(
      CredentialIssuer issuer, String url, StatusPurpose purpose) {
    return new StatusListIssuer(issuer, url, purpose, BitstringStatusList.MIN_ENTRIES);
  }

  /** A fresh list with {@code entries} entries (at least the minimum). */
  public static StatusListIssuer create(
      CredentialIssuer issuer, String url, StatusPurpose purpose, int entries) {
    return new StatusListIssuer(issuer, url, purpose, entries);
  }

  public String url() {
    return url;
  }

  public StatusPurpose purpose() {
    return purpose;
  }

  /**
   * Sets (revoke / suspend) or clears (reinstate; suspension only makes sense to clear) an entry.
   */
  public synchronized void set(long index, boolean value) {
    if (!value && purpose == StatusPurpose.REVOCATION && list.get(index)) {
      throw new IllegalStateException("revocation is permanent: entry " + index + " stays revoked");
    }
    list = list.with(index, value);
  }

  /** Current value of an entry as the issuer holds it (not a verification). */
  public synchronized boolean isSet(long index) {
    return list.get(index);
  }

  /**
   * Signs the current list: valid from {@code now} for {@code validity}, caches may keep it {@code
   * ttl}.
   */
  public String publish(Instant now, Duration validity, Duration ttl)
      throws CredentialSigner.SigningException {
    BitstringStatusList snapshot;
    synchronized (this) {
      snapshot = list;
    }
    ObjectNode c = Json.MAPPER.createObjectNode();
    c.putArray("@context").add(CredentialClaims.V2_CONTEXT);
    c.put("id", url);
    c.putArray("type").add("VerifiableCredential").add("BitstringStatusListCredential");
    c.put("issuer", issuer.issuer());
    Instant from = now.truncatedTo(ChronoUnit.SECONDS);
    c.put("validFrom", from.toString());
    c.put("validUntil", from.plus(validity).toString());
    ObjectNode s = c.putObject("credentialSubject");
    s.put("id", url + "#list");
    s.put("type", "BitstringStatusList");
    s.put("statusPurpose", purpose.wireName());
    s.put("encodedList", snapshot.encode());
    s.put("ttl", ttl.toMillis());
    return issuer.sign(c);
  }
}
