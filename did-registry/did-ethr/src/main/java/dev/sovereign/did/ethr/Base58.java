package dev.sovereign.did.ethr;

import java.math.BigInteger;

/**
 * Bitcoin-alphabet base58, as ethers' {@code encodeBase58} (one leading '1' per leading zero byte).
 */
final class Base58 {
  private static final String ALPHABET =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  private static final BigInteger BASE = BigInteger.valueOf(58);

  private Base58() {}

  static String encode(byte[] bytes) {
    BigInteger value = new BigInteger(1, bytes);
    StringBuilder sb = new StringBuilder();
    while (value.signum() > 0) {
      BigInteger[] qr = value.divideAndRemainder(BASE);
      sb.append(ALPHABET.charAt(qr[1].intValue()));
      value = qr[0];
    }
    for (int i = 0; i < bytes.length && bytes[i] == 0; i++) {
      sb.append('1');
    }
    return sb.reverse().toString();
  }
}
