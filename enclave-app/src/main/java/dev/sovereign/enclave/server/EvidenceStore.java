package dev.sovereign.enclave.server;

import dev.sovereign.vc.CredentialRejectedException;
import dev.sovereign.vc.VerifiedStatusList;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Status list credentials the host supplied, verified before they are stored and kept only moving
 * forward per URL: a list replaces the one held for its URL only if its {@code validFrom} is later;
 * an earlier one is refused ({@code status-list-older-than-held}: the host re-posting a list from
 * before a revocation), as is one with the same {@code validFrom} and other bytes ({@code
 * status-list-conflict}). What a credential needs from a list (its issuer, purpose, freshness at
 * use) is still checked on every use by the credentials module. The held lists travel in the sealed
 * state ({@link #sealable()}, {@link #restore}), so a restore cannot bring an older list back
 * either. Thread-safe.
 */
public final class EvidenceStore {
  /** Status list credentials are capped so the host cannot fill the enclave's memory. */
  public static final int MAX_STATUS_LISTS = 1024;

  /** Longest status list credential accepted, in characters. */
  public static final int MAX_STATUS_LIST_CHARS = 1 << 20;

  /** Most characters of all held lists together (the sealed state carries them). */
  public static final long MAX_TOTAL_CHARS = 64L << 20;

  /** The maximum age of a status list when the policy sets none: the credentials module's. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(1);

  /** Longest status list URL accepted. */
  public static final int MAX_URL_CHARS = 2048;

  /** Verifies a list offered for a URL; the credentials module's {@code verifyStatusList}. */
  @FunctionalInterface
  public interface StatusListVerifier {
    VerifiedStatusList verify(String url, String jwt, Instant at)
        throws CredentialRejectedException;
  }

  /**
   * A verifier for services that take no status lists: every list is {@code status-list-invalid}.
   */
  public static final StatusListVerifier REFUSE_ALL =
      (url, jwt, at) -> {
        throw new IllegalStateException("this enclave service verifies no status lists");
      };

  /** Why a supplied status list was not stored; {@link #code()} goes on the wire. */
  public enum Refusal {
    /** URL or token over its bound, or not a URL. */
    STATUS_LIST_MALFORMED,
    /** Not signed by its issuer's key (or the issuer's DID did not resolve). */
    STATUS_LIST_SIGNATURE_INVALID,
    /** Not a status list credential for this URL, or its list does not decode. */
    STATUS_LIST_INVALID,
    /** Fewer entries than the minimum (herd privacy). */
    STATUS_LIST_TOO_SHORT,
    /** Expired, not yet valid, without validFrom, or older than the policy's maximum age. */
    STATUS_LIST_STALE,
    /** Issued before the list held for the URL: the list does not move backwards. */
    STATUS_LIST_OLDER_THAN_HELD,
    /** Issued at the same time as the list held for the URL, with other bytes. */
    STATUS_LIST_CONFLICT,
    /** The store holds its maximum of lists or characters. */
    STATUS_LIST_STORE_FULL;

    public String code() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** A held list: its token, issue time and digest. */
  public record Held(String url, String jwt, Instant validFrom) {}

  private record Entry(String jwt, Instant validFrom, byte[] sha256) {}

  private final TreeMap<String, Entry> statusLists = new TreeMap<>();
  private final Duration maxAge;
  private long totalChars;

  /** A store whose lists are refused once issued longer than {@code maxAge} ago. */
  public EvidenceStore(Duration maxAge) {
    this.maxAge = maxAge;
  }

  /** With the credentials module's default maximum age (one day). */
  public EvidenceStore() {
    this(DEFAULT_MAX_AGE);
  }

  /**
   * Verifies {@code jwt} as the status list at {@code url} and stores it if it moves the URL
   * forward; empty when stored (or identical to the one held), else why not.
   */
  public Optional<Refusal> offer(String url, String jwt, Instant now, StatusListVerifier verifier) {
    if (url == null
        || jwt == null
        || url.isEmpty()
        || url.length() > MAX_URL_CHARS
        || jwt.length() > MAX_STATUS_LIST_CHARS) {
      return Optional.of(Refusal.STATUS_LIST_MALFORMED);
    }
    VerifiedStatusList v;
    try {
      v = verifier.verify(url, jwt, now);
    } catch (CredentialRejectedException e) {
      return Optional.of(refusal(e));
    } catch (RuntimeException e) {
      return Optional.of(Refusal.STATUS_LIST_INVALID);
    }
    if (v.validFrom().plus(maxAge).isBefore(now)) {
      return Optional.of(Refusal.STATUS_LIST_STALE);
    }
    return put(url, jwt, v.validFrom(), now);
  }

  private synchronized Optional<Refusal> put(
      String url, String jwt, Instant validFrom, Instant now) {
    Entry held = statusLists.get(url);
    byte[] digest = sha256(jwt);
    if (held != null) {
      int c = validFrom.compareTo(held.validFrom());
      if (c < 0) {
        return Optional.of(Refusal.STATUS_LIST_OLDER_THAN_HELD);
      }
      if (c == 0) {
        return MessageDigest.isEqual(digest, held.sha256())
            ? Optional.empty()
            : Optional.of(Refusal.STATUS_LIST_CONFLICT);
      }
    }
    long grown = totalChars + jwt.length() - (held == null ? 0 : held.jwt().length());
    if ((held == null && statusLists.size() >= MAX_STATUS_LISTS) || grown > MAX_TOTAL_CHARS) {
      dropStale(now);
      grown = totalChars + jwt.length() - (held == null ? 0 : held.jwt().length());
      if ((held == null && statusLists.size() >= MAX_STATUS_LISTS) || grown > MAX_TOTAL_CHARS) {
        return Optional.of(Refusal.STATUS_LIST_STORE_FULL);
      }
    }
    statusLists.put(url, new Entry(jwt, validFrom, digest));
    totalChars = grown;
    return Optional.empty();
  }

  /** Forgets lists no use could accept any more (issued longer than the maximum age ago). */
  private void dropStale(Instant now) {
    statusLists
        .entrySet()
        .removeIf(
            e -> {
              boolean stale = e.getValue().validFrom().plus(maxAge).isBefore(now);
              if (stale) {
                totalChars -= e.getValue().jwt().length();
              }
              return stale;
            });
  }

  /**
   * The status list credential held for {@code url}: verified when stored, checked again on use.
   */
  public synchronized Optional<String> statusList(String url) {
    Entry e = statusLists.get(url);
    return e == null ? Optional.empty() : Optional.of(e.jwt());
  }

  /** The held lists, sorted by URL, for the sealed state. */
  public synchronized List<Held> sealable() {
    List<Held> out = new ArrayList<>(statusLists.size());
    statusLists.forEach((url, e) -> out.add(new Held(url, e.jwt(), e.validFrom())));
    return out;
  }

  /**
   * Takes lists from a sealed state this enclave opened (verified when they were first stored):
   * each moves its URL forward or is ignored, exactly as a supplied list, so neither the restore
   * nor lists supplied before it can move a URL backwards. Returns how many were taken.
   */
  public synchronized int restore(List<Held> sealed, Instant now) {
    int taken = 0;
    List<Held> sorted = new ArrayList<>(sealed);
    sorted.sort(Comparator.comparing(Held::validFrom));
    for (Held h : sorted) {
      if (h.url().length() <= MAX_URL_CHARS
          && h.jwt().length() <= MAX_STATUS_LIST_CHARS
          && put(h.url(), h.jwt(), h.validFrom(), now).isEmpty()) {
        taken++;
      }
    }
    return taken;
  }

  private static Refusal refusal(CredentialRejectedException e) {
    switch (e.code()) {
      case STATUS_LIST_SIGNATURE_INVALID:
        return Refusal.STATUS_LIST_SIGNATURE_INVALID;
      case STATUS_LIST_STALE:
        return Refusal.STATUS_LIST_STALE;
      case STATUS_LIST_TOO_SHORT:
        return Refusal.STATUS_LIST_TOO_SHORT;
      default:
        return Refusal.STATUS_LIST_INVALID;
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** For tests and diagnostics: the number of held lists. */
  synchronized int size() {
    return statusLists.size();
  }

  static Map<String, String> codes(Map<String, Refusal> refused) {
    Map<String, String> out = new TreeMap<>();
    refused.forEach((u, r) -> out.put(u, r.code()));
    return out;
  }
}
