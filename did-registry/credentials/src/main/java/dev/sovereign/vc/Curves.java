package dev.sovereign.vc;

import dev.sovereign.did.KeyType;
import java.math.BigInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;

/** The two EC domains Sovereign knows, on Bouncy Castle's fast custom curve implementations. */
final class Curves {
  private Curves() {}

  static final ECDomainParameters P256 = domain("secp256r1");
  static final ECDomainParameters SECP256K1 = domain("secp256k1");

  private static ECDomainParameters domain(String name) {
    X9ECParameters x9 = CustomNamedCurves.getByName(name);
    return new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH(), x9.getSeed());
  }

  static ECDomainParameters domain(KeyType type) {
    return switch (type) {
      case P256 -> P256;
      case SECP256K1 -> SECP256K1;
      default -> throw new IllegalArgumentException(type + " is not supported for signatures");
    };
  }

  static KeyType keyTypeOf(ECDomainParameters d) {
    BigInteger n = d.getN();
    BigInteger q = d.getCurve().getField().getCharacteristic();
    if (n.equals(P256.getN()) && q.equals(P256.getCurve().getField().getCharacteristic())) {
      return KeyType.P256;
    }
    if (n.equals(SECP256K1.getN())
        && q.equals(SECP256K1.getCurve().getField().getCharacteristic())) {
      return KeyType.SECP256K1;
    }
    throw new IllegalArgumentException("unsupported curve");
  }
}
