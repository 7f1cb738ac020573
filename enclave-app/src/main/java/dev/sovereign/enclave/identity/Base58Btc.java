package dev.sovereign.enclave.identity;

import java.math.BigInteger;

/** Bitcoin base58 encoding (draft-msporny-base58), enough to spell the enclave's own did:key. */
final class Base58Btc {
  private static final String ALPHABET =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  private static final BigInteger BASE = BigInteger.valueOf(58);

  private Base58Btc() {}

  static String encode(byte[] input) {
    StringBuilder sb = new StringBuilder();
    BigInteger n = new BigInteger(1, input);
    while (n.signum() > 0) {
      BigInteger[] qr = n.divideAndRemainder(BASE);
      sb.append(ALPHABET.charAt(qr[1].intValue()));
      n = qr[0];
    }
    for (int i = 0; i < input.length && input[i] == 0; i++) {
      sb.append('1');
    }
    return sb.reverse().toString();
  }
}
