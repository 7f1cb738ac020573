package dev.sovereign.did.multiformats;

/**
 * Multibase strings with prefix {@code z} (base58btc), the only base that did:key and Multikey
 * allow. Other prefixes are rejected rather than guessed.
 */
public final class Multibase {
  private Multibase() {}

  /** {@code z} + base58btc(bytes). */
  public static String encodeBase58Btc(byte[] bytes) {
    return "z" + Base58Btc.encode(bytes);
  }

  /**
   * Decodes a {@code z}-prefixed multibase string; throws {@link IllegalArgumentException}
   * otherwise.
   */
  public static byte[] decodeBase58Btc(String multibase) {
    if (multibase == null || multibase.length() < 2) {
      throw new IllegalArgumentException("multibase string too short");
    }
    if (multibase.charAt(0) != 'z') {
      throw new IllegalArgumentException("multibase prefix is not 'z' (base58btc)");
    }
    return Base58Btc.decode(multibase.substring(1));
  }
}
