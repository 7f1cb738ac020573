package dev.sovereign.crypto;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;

/** P-256 keys from raw numbers, through a backend's own KeyFactory. */
final class P256Keys {
  private P256Keys() {}

  static ECParameterSpec params() throws GeneralSecurityException {
    AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
    p.init(new ECGenParameterSpec("secp256r1"));
    return p.getParameterSpec(ECParameterSpec.class);
  }

  static PrivateKey privateKey(Crypto crypto, byte[] scalar) throws GeneralSecurityException {
    return crypto
        .keyFactory("EC")
        .generatePrivate(new ECPrivateKeySpec(new BigInteger(1, scalar), params()));
  }

  static PublicKey publicKey(Crypto crypto, BigInteger x, BigInteger y)
      throws GeneralSecurityException {
    return crypto.keyFactory("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), params()));
  }
}
