package dev.sovereign.did.fabric.core;

/**
 * Checks a controller's signature with the key's one algorithm (see {@link Multikey}). The contract
 * and the log verifier take one, so that a host can run the checks on its chosen crypto provider;
 * every implementation must give {@link #BOUNCY_CASTLE}'s verdicts.
 */
@FunctionalInterface
public interface SignatureVerifier {
  /** True exactly when {@code signature} is {@code key}'s valid signature over {@code message}. */
  boolean verifies(Multikey key, byte[] message, byte[] signature);

  /** Bouncy Castle in process ({@link Multikey#verifies}): the chaincode's and the enclave's. */
  SignatureVerifier BOUNCY_CASTLE = Multikey::verifies;
}
