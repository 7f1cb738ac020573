package dev.sovereign.vc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Trust chains already verified, kept by a digest of the exact inputs they were verified from (the
 * credential and accreditation tokens as sent, the trust anchors and the requirement), so that a
 * producer resending the same credentials with every payload does not have its issuer signatures
 * and chain walk redone each time.
 *
 * <p>What a hit skips: the signature and key-authorization checks of the credential and of each
 * accreditation, and the chain walk (links, roles, scopes, validity narrowing, the anchor). What a
 * hit still checks, at the instant given, on every credential of the chain: that its issuer's
 * latest document still resolves and is not deactivated, its validity window and every status entry
 * (a deactivation, revocation or suspension takes effect on the next payload). If any of those
 * fails, the entry is dropped and the caller verifies from scratch, so the rejection it reports is
 * the one an uncached verification gives. An entry is also served only for {@code maxAge} after it
 * was verified (the issuers' DID documents are consulted again after that).
 *
 * <p>Only the caller decides what goes in: it must {@link #put} a chain only after the whole
 * verification succeeded (chain to a configured anchor), so input nobody trusted never takes a
 * place in the cache. Bounded: least recently used entries are dropped beyond {@code capacity}.
 * Thread-safe.
 *
 * @param <A> what the caller derived from the chain (kept beside it, returned on a hit)
 */
public final class VerifiedChainCache<A> {
  /** A digest of the exact inputs of one verification. */
  public static final class Key {
    private final byte[] digest;
    private final int hash;

    private Key(byte[] digest) {
      this.digest = digest;
      this.hash = Arrays.hashCode(digest);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && MessageDigest.isEqual(digest, k.digest);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** A chain served from the cache, with what the caller kept beside it. */
  public record Hit<A>(VerifiedChain chain, A derived) {}

  private record Entry<A>(VerifiedChain chain, A derived, Instant verifiedAt) {}

  private final CredentialVerifier verifier;
  private final int capacity;
  private final Duration maxAge;
  private final Map<Key, Entry<A>> entries;
  private long hits;

  /**
   * @param verifier the verifier the cached chains were verified with (it re-checks windows and
   *     status)
   * @param capacity at most this many chains are kept
   * @param maxAge a chain is served for at most this long after it was verified
   */
  public VerifiedChainCache(CredentialVerifier verifier, int capacity, Duration maxAge) {
    if (capacity < 1 || maxAge.isNegative()) {
      throw new IllegalArgumentException("capacity must be positive and maxAge not negative");
    }
    this.verifier = Objects.requireNonNull(verifier);
    this.capacity = capacity;
    this.maxAge = maxAge;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, Entry<A>> e) {
            return size() > VerifiedChainCache.this.capacity;
          }
        };
  }

  /**
   * The key of a verification from its inputs, in order: SHA-256 over each part's length and UTF-8
   * bytes (so no two different lists of parts share a key, short of a SHA-256 collision).
   */
  public static Key key(List<String> parts) {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] len = new byte[4];
    for (String p : parts) {
      byte[] b = p.getBytes(StandardCharsets.UTF_8);
      int n = b.length;
      len[0] = (byte) (n >>> 24);
      len[1] = (byte) (n >>> 16);
      len[2] = (byte) (n >>> 8);
      len[3] = (byte) n;
      d.update(len);
      d.update(b);
    }
    return new Key(d.digest());
  }

  /**
   * The chain kept under {@code key} if it is not older than {@code maxAge} at {@code at} and every
   * credential in it still holds at {@code at} (issuer active, validity window, status); otherwise
   * empty, and an entry that no longer holds is dropped.
   */
  public Optional<Hit<A>> revalidate(Key key, Instant at) {
    Entry<A> e;
    synchronized (entries) {
      e = entries.get(key);
    }
    if (e == null) {
      return Optional.empty();
    }
    if (at.isAfter(e.verifiedAt().plus(maxAge))) {
      drop(key, e);
      return Optional.empty();
    }
    List<VerifiedCredential> all = new ArrayList<>(1 + e.chain().links().size());
    all.add(e.chain().credential());
    all.addAll(e.chain().links());
    try {
      for (VerifiedCredential c : all) {
        verifier.recheck(c, at, new VerificationReport.Builder());
      }
    } catch (CredentialRejectedException rejected) {
      drop(key, e);
      return Optional.empty();
    }
    synchronized (entries) {
      hits++;
    }
    return Optional.of(new Hit<>(e.chain(), e.derived()));
  }

  /**
   * Keeps {@code chain} (verified in full at {@code verifiedAt} by this cache's verifier, to a
   * configured anchor) and what the caller derived from it under {@code key}.
   */
  public void put(Key key, VerifiedChain chain, A derived, Instant verifiedAt) {
    Entry<A> e =
        new Entry<>(Objects.requireNonNull(chain), Objects.requireNonNull(derived), verifiedAt);
    synchronized (entries) {
      entries.put(key, e);
    }
  }

  private void drop(Key key, Entry<A> e) {
    synchronized (entries) {
      entries.remove(key, e);
    }
  }

  /** How many chains are kept. */
  public int size() {
    synchronized (entries) {
      return entries.size();
    }
  }

  /** How many times a chain was served. */
  public long hits() {
    synchronized (entries) {
      return hits;
    }
  }
}
