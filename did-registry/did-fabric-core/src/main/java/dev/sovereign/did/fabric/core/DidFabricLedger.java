package dev.sovereign.did.fabric.core;

/**
 * A did:fabric ledger as clients see it: the Fabric Gateway adapter and the embedded SQLite ledger
 * both implement it. Everything it returns is evidence to verify, never to trust.
 */
public interface DidFabricLedger {
  /** The DID network this ledger serves. */
  String network();

  /** Submits a signed operation and waits until it is committed; returns the new version record. */
  VersionRecord submit(Operation operation) throws RejectedException;

  /** The exported operation log of {@code did} (method spec section 10). */
  byte[] exportLog(String did) throws RejectedException;

  /** An endorsed read of the current version of {@code did} for {@code nonce} (section 11). */
  byte[] endorsedHead(String did, String nonce) throws RejectedException;
}
