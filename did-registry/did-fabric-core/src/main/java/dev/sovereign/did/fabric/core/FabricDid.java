package dev.sovereign.did.fabric.core;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A syntactically valid {@code did:fabric:<network>:<id>} (method spec section 3). The id is the
 * lower-case base32 (no padding) of the first 20 bytes of {@code SHA-256("did:fabric:" + network +
 * ":" + genesisKeyMultibase)}.
 */
public final class FabricDid {
  /** ABNF of section 3 as a regular expression. */
  private static final Pattern SYNTAX =
      Pattern.compile("did:fabric:([a-z][a-z0-9-]{0,31}):([a-z2-7]{32})");

  private final String network;
  private final String id;

  private FabricDid(String network, String id) {
    this.network = network;
    this.id = id;
  }

  /**
   * Parses {@code did}; rejects with MALFORMED_DID anything outside the ABNF (no DID URL parts).
   */
  public static FabricDid parse(String did) throws RejectedException {
    java.util.regex.Matcher m = did == null ? null : SYNTAX.matcher(did);
    if (m == null || !m.matches()) {
      throw new RejectedException(
          ReasonCode.MALFORMED_DID, did, "not did:fabric:<network>:<32 base32 chars>");
    }
    return new FabricDid(m.group(1), m.group(2));
  }

  /**
   * The DID whose genesis (create-signing) key is {@code genesisKeyMultibase} on {@code network}.
   */
  public static FabricDid derive(String network, String genesisKeyMultibase)
      throws RejectedException {
    byte[] digest =
        Encoding.sha256(Encoding.utf8("did:fabric:" + network + ":" + genesisKeyMultibase));
    return parse("did:fabric:" + network + ":" + Encoding.base32Lower(Arrays.copyOf(digest, 20)));
  }

  public String network() {
    return network;
  }

  public String id() {
    return id;
  }

  @Override
  public String toString() {
    return "did:fabric:" + network + ":" + id;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FabricDid && o.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }
}
