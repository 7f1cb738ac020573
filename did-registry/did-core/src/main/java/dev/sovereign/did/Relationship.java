package dev.sovereign.did;

import java.util.Optional;

/** The verification relationships of DID Core section 5.3, with their JSON property names. */
public enum Relationship {
  ASSERTION_METHOD("assertionMethod"),
  AUTHENTICATION("authentication"),
  CAPABILITY_INVOCATION("capabilityInvocation"),
  CAPABILITY_DELEGATION("capabilityDelegation"),
  KEY_AGREEMENT("keyAgreement");

  private final String property;

  Relationship(String property) {
    this.property = property;
  }

  /** The property name in a DID document, e.g. {@code assertionMethod}. */
  public String property() {
    return property;
  }

  /** The relationship with this property name. */
  public static Optional<Relationship> fromProperty(String property) {
    for (Relationship r : values()) {
      if (r.property.equals(property)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
