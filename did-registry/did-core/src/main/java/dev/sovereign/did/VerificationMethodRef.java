package dev.sovereign.did;

/**
 * One entry of a verification relationship: a reference to a method by id, or a method embedded in
 * the relationship (DID Core section 5.3).
 */
public sealed interface VerificationMethodRef {

  /** The referenced or embedded method id as written (possibly relative). */
  String id();

  /** A reference such as {@code "did:example:123#key-1"} or {@code "#key-1"}. */
  record Reference(String id) implements VerificationMethodRef {}

  /** A method defined inside the relationship; usable only for that relationship. */
  record Embedded(VerificationMethod method) implements VerificationMethodRef {
    @Override
    public String id() {
      return method.id();
    }
  }
}
