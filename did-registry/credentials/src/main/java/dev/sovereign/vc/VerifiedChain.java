package dev.sovereign.vc;

import java.util.List;

/**
 * A credential together with the accreditations that link its issuer to a trust anchor, each link
 * verified and within its parent's scope. {@code links.get(0)} accredits the credential's issuer.
 */
public record VerifiedChain(
    VerifiedCredential credential,
    List<VerifiedCredential> links,
    TrustAnchor anchor,
    VerificationReport report) {
  public VerifiedChain {
    links = List.copyOf(links);
  }
}
