package dev.sovereign.did;

import java.util.Optional;

/**
 * Receives change notifications from a registry (Fabric chaincode events, ERC-1056 events by block
 * number) so that caches drop what they hold. Implemented by {@link CachingDidResolver}.
 */
public interface DidChangeListener {

  /**
   * {@code did} changed. When {@code newVersionId} is given and equals the {@code versionId} of the
   * cached latest document, the cache keeps it (the notification was for a version already seen);
   * otherwise every cached "latest" answer for the DID is dropped.
   */
  void didChanged(Did did, Optional<String> newVersionId);
}
