package dev.sovereign.attestation.nsm;

import java.util.HexFormat;

/** Lower-case hex for messages and state files. */
final class Hex {
  private Hex() {}

  static String encode(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
