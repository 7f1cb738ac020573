package dev.sovereign.enclave.server;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Evidence the host supplied. Nothing here is trusted as stored: each item is verified by the stage
 * that uses it (a status list credential's signature and issuer by the credential verifier).
 */
public final class EvidenceStore {
  /** Status list credentials are capped so the host cannot fill the enclave's memory. */
  public static final int MAX_STATUS_LISTS = 1024;

  private final Map<String, String> statusLists = new ConcurrentHashMap<>();

  /** Stores a status list credential (compact JWT) for {@code url}; false if the store is full. */
  public boolean putStatusList(String url, String jwt) {
    if (statusLists.size() >= MAX_STATUS_LISTS && !statusLists.containsKey(url)) {
      return false;
    }
    statusLists.put(url, jwt);
    return true;
  }

  /** The status list credential last supplied for {@code url}, unverified. */
  public Optional<String> unverifiedStatusList(String url) {
    return Optional.ofNullable(statusLists.get(url));
  }
}
