package dev.sovereign.attestation;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a verifier expects, fixed before any document is seen: the pinned roots (no default), the
 * PCRs that must be present (0, 1, 2 unless changed), allow-lists per PCR index, whether debug-mode
 * (all-zero PCR0/1/2) enclaves are accepted (no by default), the expected nonce, the maximum age of
 * a document, the clock skew tolerated for a document from the future, and the instant at which
 * certificates must be valid: the current time of a clock (default: the system UTC clock), a fixed
 * instant, or the document's own timestamp (for archived evidence).
 *
 * <p>Immutable; build with {@link #builder()}.
 */
public final class AttestationPolicy {
  /** The PCRs required by default: enclave image (0), kernel and bootstrap (1), application (2). */
  public static final Set<Integer> DEFAULT_REQUIRED_PCRS = Set.of(0, 1, 2);

  /** Tolerance for a document timestamp ahead of the verification instant. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

  /** Where the verification instant comes from. */
  public enum TimeSource {
    /** The policy's clock at verification time. */
    CLOCK,
    /** A fixed instant given to the policy. */
    FIXED_INSTANT,
    /** The document's own {@code timestamp}: for archived evidence whose leaf has since expired. */
    DOCUMENT_TIMESTAMP
  }

  private final List<X509Certificate> pinnedRoots;
  private final List<byte[]> pinnedRootDers;
  private final SortedSet<Integer> requiredPcrs;
  private final SortedMap<Integer, List<byte[]>> allowedPcrs;
  private final boolean allowDebug;
  private final byte[] expectedNonce;
  private final Duration maxAge;
  private final Duration clockSkew;
  private final TimeSource timeSource;
  private final Clock clock;
  private final Instant fixedInstant;

  private AttestationPolicy(Builder b, List<byte[]> rootDers) {
    this.pinnedRoots = List.copyOf(b.pinnedRoots);
    this.pinnedRootDers = rootDers;
    this.requiredPcrs = Collections.unmodifiableSortedSet(new TreeSet<>(b.requiredPcrs));
    TreeMap<Integer, List<byte[]>> allowed = new TreeMap<>();
    b.allowedPcrs.forEach(
        (k, v) -> {
          List<byte[]> copy = new ArrayList<>();
          v.forEach(x -> copy.add(x.clone()));
          allowed.put(k, Collections.unmodifiableList(copy));
        });
    this.allowedPcrs = Collections.unmodifiableSortedMap(allowed);
    this.allowDebug = b.allowDebug;
    this.expectedNonce = b.expectedNonce == null ? null : b.expectedNonce.clone();
    this.maxAge = b.maxAge;
    this.clockSkew = b.clockSkew;
    this.timeSource = b.timeSource;
    this.clock = b.clock;
    this.fixedInstant = b.fixedInstant;
  }

  /** A builder with the defaults above and no pinned root (build fails until one is added). */
  public static Builder builder() {
    return new Builder();
  }

  /** The pinned roots; {@code cabundle[0]} must be byte-equal to one of them. */
  public List<X509Certificate> pinnedRoots() {
    return pinnedRoots;
  }

  /** PCR indices that must be present. */
  public SortedSet<Integer> requiredPcrs() {
    return requiredPcrs;
  }

  /** Allowed values per PCR index (copies); an index listed here must also be present. */
  public SortedMap<Integer, List<byte[]>> allowedPcrs() {
    TreeMap<Integer, List<byte[]>> out = new TreeMap<>();
    allowedPcrs.forEach(
        (k, v) -> {
          List<byte[]> copy = new ArrayList<>();
          v.forEach(x -> copy.add(x.clone()));
          out.put(k, copy);
        });
    return out;
  }

  /** Whether debug-mode enclaves (PCR0, PCR1 or PCR2 all zeros) are accepted. */
  public boolean allowDebug() {
    return allowDebug;
  }

  /** The nonce the document must carry, or {@code null} for no nonce check. */
  public byte[] expectedNonce() {
    return expectedNonce == null ? null : expectedNonce.clone();
  }

  /** Maximum age of a document at the verification instant, or {@code null} for no limit. */
  public Duration maxAge() {
    return maxAge;
  }

  /** Tolerated clock skew for a document timestamp ahead of the verification instant. */
  public Duration clockSkew() {
    return clockSkew;
  }

  /** Where the verification instant comes from. */
  public TimeSource timeSource() {
    return timeSource;
  }

  List<byte[]> pinnedRootDers() {
    return pinnedRootDers;
  }

  SortedMap<Integer, List<byte[]>> allowedPcrsView() {
    return allowedPcrs;
  }

  byte[] expectedNonceView() {
    return expectedNonce;
  }

  /** The instant at which a document with {@code documentTimestampMillis} is verified. */
  Instant verificationInstant(long documentTimestampMillis) {
    switch (timeSource) {
      case FIXED_INSTANT:
        return fixedInstant;
      case DOCUMENT_TIMESTAMP:
        return Instant.ofEpochMilli(documentTimestampMillis);
      case CLOCK:
      default:
        return clock.instant();
    }
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("AttestationPolicy{roots=");
    s.append(pinnedRoots.size())
        .append(", requiredPcrs=")
        .append(requiredPcrs)
        .append(", allowLists=")
        .append(allowedPcrs.keySet())
        .append(", allowDebug=")
        .append(allowDebug)
        .append(", nonce=")
        .append(expectedNonce == null ? "none" : HexFormat.of().formatHex(expectedNonce))
        .append(", maxAge=")
        .append(maxAge)
        .append(", time=")
        .append(timeSource == TimeSource.FIXED_INSTANT ? fixedInstant : timeSource)
        .append('}');
    return s.toString();
  }

  /** Collects expectations; {@link #build()} checks them and fixes them. */
  public static final class Builder {
    private final List<X509Certificate> pinnedRoots = new ArrayList<>();
    private final Set<Integer> requiredPcrs = new TreeSet<>(DEFAULT_REQUIRED_PCRS);
    private final Map<Integer, List<byte[]>> allowedPcrs = new TreeMap<>();
    private boolean allowDebug;
    private byte[] expectedNonce;
    private Duration maxAge;
    private Duration clockSkew = DEFAULT_CLOCK_SKEW;
    private TimeSource timeSource = TimeSource.CLOCK;
    private Clock clock = Clock.systemUTC();
    private Instant fixedInstant;

    private Builder() {}

    /** Pins a root: {@code cabundle[0]} must be byte-equal to a pinned root. */
    public Builder pinnedRoot(X509Certificate root) {
      pinnedRoots.add(Objects.requireNonNull(root, "root"));
      return this;
    }

    /** Pins several roots. */
    public Builder pinnedRoots(List<X509Certificate> roots) {
      roots.forEach(this::pinnedRoot);
      return this;
    }

    /**
     * Replaces the required PCR indices (default 0, 1, 2; add 8 for signed images, 3/4 for
     * role/instance binding).
     */
    public Builder requiredPcrs(Set<Integer> indices) {
      for (Integer i : indices) {
        checkIndex(i);
      }
      requiredPcrs.clear();
      requiredPcrs.addAll(indices);
      return this;
    }

    /**
     * Adds allowed values (at least one) for PCR {@code index}; a document's PCR must equal one of
     * them.
     */
    public Builder allowPcr(int index, byte[]... values) {
      checkIndex(index);
      if (values == null || values.length == 0) {
        throw new IllegalArgumentException(
            "an allow-list for pcr " + index + " needs at least one value");
      }
      List<byte[]> list = allowedPcrs.computeIfAbsent(index, k -> new ArrayList<>());
      for (byte[] v : values) {
        int len = Objects.requireNonNull(v, "pcr value").length;
        if (len != 32 && len != 48 && len != 64) {
          throw new IllegalArgumentException(
              "allowed value for pcr " + index + " must be 32, 48 or 64 bytes");
        }
        list.add(v.clone());
      }
      return this;
    }

    /** Accept debug-mode enclaves (PCR0/1/2 all zeros). Never in production. */
    public Builder allowDebug(boolean allow) {
      this.allowDebug = allow;
      return this;
    }

    /** The nonce the document must carry (compared in constant time). */
    public Builder expectedNonce(byte[] nonce) {
      this.expectedNonce = nonce == null ? null : nonce.clone();
      return this;
    }

    /** Maximum age of a document at the verification instant. */
    public Builder maxAge(Duration maxAge) {
      if (maxAge != null && maxAge.isNegative()) {
        throw new IllegalArgumentException("maxAge must not be negative");
      }
      this.maxAge = maxAge;
      return this;
    }

    /** Tolerated skew for a document timestamp ahead of the verification instant (default 60 s). */
    public Builder clockSkew(Duration skew) {
      if (skew == null || skew.isNegative()) {
        throw new IllegalArgumentException("clockSkew must be a non-negative duration");
      }
      this.clockSkew = skew;
      return this;
    }

    /** Verify at the current time of {@code clock} (the default is the system UTC clock). */
    public Builder verifyNow(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      this.timeSource = TimeSource.CLOCK;
      this.fixedInstant = null;
      return this;
    }

    /** Verify as of a fixed instant. */
    public Builder verifyAt(Instant instant) {
      this.fixedInstant = Objects.requireNonNull(instant, "instant");
      this.timeSource = TimeSource.FIXED_INSTANT;
      return this;
    }

    /**
     * Verify as of the document's own timestamp (archived evidence). The certificates must have
     * been valid when the document was made; a maximum age makes no sense here and is refused.
     */
    public Builder verifyAtDocumentTimestamp() {
      this.timeSource = TimeSource.DOCUMENT_TIMESTAMP;
      this.fixedInstant = null;
      return this;
    }

    /**
     * Fixes the policy.
     *
     * @throws IllegalStateException if no root is pinned, or a maximum age is combined with
     *     verification at the document's own timestamp
     * @throws IllegalArgumentException if a pinned root is not a self-signed P-384 CA certificate
     */
    public AttestationPolicy build() {
      if (pinnedRoots.isEmpty()) {
        throw new IllegalStateException("pin at least one root certificate");
      }
      if (maxAge != null && timeSource == TimeSource.DOCUMENT_TIMESTAMP) {
        throw new IllegalStateException(
            "a maximum age is measured against a verification instant; the document's own timestamp is not one");
      }
      List<byte[]> ders = new ArrayList<>();
      for (X509Certificate root : pinnedRoots) {
        byte[] der;
        try {
          der = root.getEncoded();
        } catch (CertificateEncodingException e) {
          throw new IllegalArgumentException("pinned root cannot be encoded", e);
        }
        CertificateChain.checkPinnedRoot(der);
        ders.add(der);
      }
      return new AttestationPolicy(this, Collections.unmodifiableList(ders));
    }

    private static void checkIndex(Integer i) {
      if (i == null || i < 0 || i >= AttestationDocument.MAX_PCRS) {
        throw new IllegalArgumentException("pcr index must be in 0..31");
      }
    }
  }
}
