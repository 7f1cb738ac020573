package dev.sovereign.vc;

import dev.sovereign.did.Did;
import java.util.Objects;

/**
 * A root authority from configuration (later: the sovereignty policy): its DID and what it may
 * accredit.
 */
public record TrustAnchor(Did did, Scope scope) {
  public TrustAnchor {
    Objects.requireNonNull(did);
    Objects.requireNonNull(scope);
  }
}
