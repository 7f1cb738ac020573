package dev.sovereign.enclave.pipeline;

import dev.sovereign.did.Did;
import dev.sovereign.did.DidJson;
import dev.sovereign.did.DidMethodResolver;
import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * did:ethr inside the enclave, on the host's word. The enclave cannot check an Ethereum node's
 * answer (no light client, no proofs), so a did:ethr DID resolves to the resolution result the host
 * last supplied for it ({@code SupplyEvidence.didDocuments}), and only when the policy lists {@code
 * ethr} in {@code enclave.didMethods}; every result credential of such a policy says so ({@code
 * unverifiedDidMethods}). A result serves {@link #MAX_AGE}, then the host must supply it again (a
 * deferred payload names it). Nothing about the document is verified but its form and that it is
 * about the DID asked for.
 */
public final class HostWordDidDocuments implements DidMethodResolver {
  /** How long a supplied resolution result serves. */
  public static final Duration MAX_AGE = Duration.ofMinutes(10);

  /** DIDs held at once. */
  public static final int MAX_DIDS = 100_000;

  /** Largest resolution result accepted, in characters. */
  public static final int MAX_CHARS = 256 * 1024;

  private record Held(DidResolutionResult result, Instant at) {}

  private final Clock clock;
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  public HostWordDidDocuments(Clock clock) {
    this.clock = clock;
  }

  @Override
  public String method() {
    return "ethr";
  }

  /**
   * Stores the host's resolution result for {@code did}.
   *
   * @throws IllegalArgumentException (message written from enclave values) if it is not a did:ethr
   *     DID, not a resolution result, too large, or about another DID
   */
  public void supply(String did, String resolutionResult) {
    Did parsed;
    try {
      parsed = Did.parse(did);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a DID");
    }
    if (!parsed.method().equals("ethr")) {
      throw new IllegalArgumentException("didDocuments are for did:ethr only");
    }
    if (resolutionResult == null || resolutionResult.length() > MAX_CHARS) {
      throw new IllegalArgumentException(
          "a resolution result of at most " + MAX_CHARS + " characters is required");
    }
    DidResolutionResult r;
    try {
      r = DidJson.parseResolutionResult(resolutionResult);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a DID resolution result");
    }
    if (r.didDocument().isPresent() && !r.didDocument().get().id().toString().equals(did)) {
      throw new IllegalArgumentException("the document is about another DID");
    }
    if (held.size() >= MAX_DIDS && !held.containsKey(did)) {
      throw new IllegalArgumentException("the enclave holds documents for " + MAX_DIDS + " DIDs");
    }
    held.put(did, new Held(r, clock.instant()));
  }

  @Override
  public DidResolutionResult resolve(Did did, ResolutionOptions options) {
    Held h = held.get(did.toString());
    if (h == null || clock.instant().isAfter(h.at().plus(MAX_AGE))) {
      MissingEvidence.didDocument(did.toString());
      return DidResolutionResult.error(
          ResolutionError.NOT_FOUND, "the host supplied no current document");
    }
    return h.result();
  }
}
