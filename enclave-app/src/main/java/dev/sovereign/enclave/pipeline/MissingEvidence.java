package dev.sovereign.enclave.pipeline;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Evidence one payload's verification looked for and the enclave did not hold: did:fabric DIDs of a
 * network the policy pins without verified, unexpired evidence, did:ethr DIDs without a current
 * host-supplied document (only when the policy accepts did:ethr), and status list URLs the host
 * never supplied. The stages record into the instance of the verifying thread (a payload is
 * verified on one thread, {@link PayloadPipeline#verify}); the pipeline then attaches what was
 * recorded to a rejection that missing evidence explains, so the server may answer {@code deferred}
 * instead of a final rejection (docs/enclave-protocol.md, {@code deferEvidence}).
 */
public final class MissingEvidence {
  /** Most DIDs and most status list URLs named for one payload. */
  public static final int MAX_PER_KIND = 8;

  /** Longest status list URL named to the host. */
  public static final int MAX_URL_LENGTH = 2048;

  /**
   * Rejections that missing evidence can cause: the producer's did:fabric evidence, an issuer's
   * (signature of a credential or accreditation) or a status list that could not be had. Any other
   * reason is final even when something was missing along the way.
   */
  private static final Set<RejectionReason> EXPLAINED =
      EnumSet.of(
          RejectionReason.DID_EVIDENCE_MISSING,
          RejectionReason.PRODUCER_DID_UNRESOLVABLE,
          RejectionReason.CREDENTIAL_SIGNATURE_INVALID,
          RejectionReason.CREDENTIAL_STATUS_UNVERIFIED,
          RejectionReason.CREDENTIAL_ISSUER_UNTRUSTED);

  private static final ThreadLocal<MissingEvidence> CURRENT = new ThreadLocal<>();

  private final Set<String> dids = new TreeSet<>();
  private final Set<String> statusLists = new TreeSet<>();
  private final Set<String> didDocuments = new TreeSet<>();

  /** What a deferred payload needs: did:fabric DIDs, status list URLs and did:ethr DIDs, sorted. */
  public record Needs(List<String> didLogs, List<String> statusLists, List<String> didDocuments) {
    public Needs {
      didLogs = List.copyOf(didLogs);
      statusLists = List.copyOf(statusLists);
      didDocuments = List.copyOf(didDocuments);
    }
  }

  private MissingEvidence() {}

  /**
   * Starts recording for the current thread (the caller must {@link #stop()} in a finally block).
   */
  static MissingEvidence start() {
    MissingEvidence m = new MissingEvidence();
    CURRENT.set(m);
    return m;
  }

  static void stop() {
    CURRENT.remove();
  }

  /** A did:fabric DID the enclave could verify evidence for but holds none (or only expired). */
  static void did(String did) {
    MissingEvidence m = CURRENT.get();
    if (m != null && m.dids.size() < MAX_PER_KIND) {
      m.dids.add(did);
    }
  }

  /**
   * A did:ethr DID without a current document from the host (only resolved when the policy accepts
   * did:ethr).
   */
  static void didDocument(String did) {
    MissingEvidence m = CURRENT.get();
    if (m != null && m.didDocuments.size() < MAX_PER_KIND) {
      m.didDocuments.add(did);
    }
  }

  /** A status list the host has not supplied; only absolute http(s) URLs are named. */
  public static void statusList(String url) {
    MissingEvidence m = CURRENT.get();
    if (m == null
        || url == null
        || url.length() > MAX_URL_LENGTH
        || m.statusLists.size() >= MAX_PER_KIND) {
      return;
    }
    try {
      URI u = new URI(url);
      String scheme = u.getScheme();
      if (u.isAbsolute()
          && u.getHost() != null
          && ("https".equals(scheme) || "http".equals(scheme))) {
        m.statusLists.add(url);
      }
    } catch (URISyntaxException e) {
      // not named: the payload's rejection stays final
    }
  }

  /** What was missing, if anything was and {@code reason} is one missing evidence explains. */
  Optional<Needs> explaining(RejectionReason reason) {
    if ((dids.isEmpty() && statusLists.isEmpty() && didDocuments.isEmpty())
        || !EXPLAINED.contains(reason)) {
      return Optional.empty();
    }
    return Optional.of(
        new Needs(List.copyOf(dids), List.copyOf(statusLists), List.copyOf(didDocuments)));
  }
}
